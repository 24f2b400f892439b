"""An answer given before the client has sent all its body waits for the rest, read and dropped.

A 413 of the guard, or a refusal that never reads the body (no key, unknown path), can be ready while the
client is still sending. Clients such as requests and urllib write the whole body before they read
anything, and a connection closed with unread data is reset: they would see a broken pipe, not the
answer. So before the answer starts, the rest of the body is read and dropped, within DRAIN_BYTES and the
time a client has to send a request head (`PERSONAS_HEADER_TIMEOUT`); then the connection stays usable.
Past those bounds, or when the client waits for `100 Continue` before sending (asking for the body would
send it), the answer goes at once with `Connection: close`: a slow or endless sender holds the connection
no longer (left alone, uvicorn keeps reading and dropping such a body for as long as it comes).
"""

import asyncio

from connexion.middleware.abstract import SpecMiddleware

# How much of an unread body is still read (and dropped) before answering.
DRAIN_BYTES = 64 * 1024 * 1024
CLOSE = (b"connection", b"close")


class _Body:
    """What the client has sent of one request's body."""

    def __init__(self, scope, receive):
        self.receive = receive
        headers = dict(scope.get("headers", ()))
        length = headers.get(b"content-length")
        self.length = int(length) if length is not None and length.isdigit() else None
        self.done = self.length == 0 or (self.length is None and b"transfer-encoding" not in headers)
        self.continues = headers.get(b"expect", b"").lower() == b"100-continue"
        self.seen = 0

    def count(self, message) -> None:
        if message["type"] == "http.request":
            self.seen += len(message.get("body", b""))
            self.done = self.done or not message.get("more_body", False)
        else:
            self.done = True  # the client is gone: nothing left to wait for

    async def drain(self, seconds: float) -> bool:
        """Read and drop the rest of the body within DRAIN_BYTES and `seconds`; whether all of it arrived."""
        if self.done:
            return True
        if self.continues and self.seen == 0:
            return False
        if self.length is not None and self.length - self.seen > DRAIN_BYTES:
            return False  # more than would be read anyway: no use reading any of it
        dropped = 0
        try:
            async with asyncio.timeout(seconds):
                while not self.done and dropped <= DRAIN_BYTES:
                    message = await self.receive()
                    dropped += len(message.get("body", b""))
                    self.count(message)
        except TimeoutError:
            return False
        return self.done


class UnreadBody(SpecMiddleware):
    def __init__(self, app, seconds: float):
        self.app = app
        self.seconds = seconds

    def add_api(self, *_args, **_kwargs) -> None:
        pass  # the same for every path

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        body = _Body(scope, receive)
        if body.done:
            return await self.app(scope, receive, send)

        async def counted_receive():
            message = await receive()
            body.count(message)
            return message

        async def answer(message):
            if message["type"] == "http.response.start" and not await body.drain(self.seconds):
                message = {**message, "headers": [*message.get("headers", ()), CLOSE]}
            await send(message)

        await self.app(scope, counted_receive, answer)
