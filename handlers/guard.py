"""An ASGI guard in front of Connexion's routing, for inputs that make Connexion itself fail.

- An encoded newline or other control character in the path crashes its routing (#1908, #1970).
- Bodies are capped before anything buffers them.
"""

import re

import orjson

CONTROL = re.compile(rb"%(0[0-9a-f]|1[0-9a-f]|7f)", re.IGNORECASE)
MAX_BODY = 20 * 1024 * 1024


async def _refuse(send, status: int, message: str) -> None:
    body = orjson.dumps({"success": False, "code": status, "error": message})
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class BodyTooLarge(Exception):
    pass


class Guard:
    def __init__(self, app, max_body: int = MAX_BODY):
        self.app = app
        self.max_body = max_body

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        raw = scope.get("raw_path") or scope["path"].encode("utf-8", "surrogateescape")
        if CONTROL.search(raw) or any(ord(c) < 32 or ord(c) == 127 for c in scope["path"]):
            return await _refuse(send, 400, "Control characters are not allowed in the path")
        for name, value in scope.get("headers", ()):
            if name == b"content-length":
                if not value.isdigit():
                    return await _refuse(send, 400, "Invalid Content-Length")
                if int(value) > self.max_body:
                    return await _refuse(send, 413, "Payload too large")
        seen = 0
        started = False

        async def counted_receive():
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_body:
                    raise BodyTooLarge
            return message

        async def tracking_send(message):
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counted_receive, tracking_send)
        except BodyTooLarge:
            if not started:
                await _refuse(send, 413, "Payload too large")
