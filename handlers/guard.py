"""An ASGI guard in front of Connexion's routing, for inputs that make Connexion itself fail.

- An encoded newline or other control character in the path crashes its routing (#1908, #1970).
- Bodies are capped before anything buffers them: MAX_BODY, or less where an operation of the path
  declares `x-personas-max-body` in the spec (uploads with a documented limit).
- A method the spec does not define for the path is a 405 listing every method of that path.
  Connexion routes each (path, method) on its own Starlette route, so its 405 lists only the first
  route's methods (`Allow: HEAD, GET` for `POST /people` too), and a concrete path such as
  `/people/curp` loses to `/people/{id}` for a method only the template has (PUT /people/curp was
  routed to update_person with id "curp"). OpenAPI matches concrete paths before templated ones.
  The guard gets the spec as a Connexion `SpecMiddleware`, through `add_api`.
"""

import re

from connexion.frameworks.starlette import starlettify_path
from connexion.middleware.abstract import SpecMiddleware
from starlette.routing import compile_path

from personas.domain.errors import Text
from personas.handlers.errors import MESSAGES, asgi_answer

CONTROL = re.compile(rb"%(0[0-9a-f]|1[0-9a-f]|7f)", re.IGNORECASE)
RAW_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
MAX_BODY = 20 * 1024 * 1024
# An upload's cap leaves room for the multipart framing, so the handler's exact check (413) still
# speaks, while no body much beyond the limit is ever buffered.
MAX_BODY_EXTENSION = "x-personas-max-body"

METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
CONTROL_IN_PATH = Text("La ruta no puede tener caracteres de control", "Control characters are not allowed in the path")
BAD_LENGTH = Text("Content-Length inválido", "Invalid Content-Length")


async def _refuse(scope, send, status: int, message: str, extra_headers: tuple = ()) -> None:
    body, headers = asgi_answer(scope, status, message, extra_headers)
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class BodyTooLarge(Exception):
    pass


class _PathEntry:
    """One path of the spec: its matcher, whether it is concrete, and its methods."""

    def __init__(self, base_path: str, path: str, item: dict):
        types = {}
        params = list(item.get("parameters", []))
        for method in METHODS:
            params += (item.get(method) or {}).get("parameters", [])
        for param in params:
            if param.get("in") == "path":
                schema = param.get("schema", {})
                fmt_path = schema.get("type") == "string" and schema.get("format") == "path"
                types[param["name"]] = "path" if fmt_path else schema.get("type")
        self.regex, _, _ = compile_path(base_path.rstrip("/") + starlettify_path(path, types))
        self.concrete = "{" not in path
        # Paths are looked up by their number of segments, unless a parameter may span several.
        self.segments = None if ":path}" in starlettify_path(path, types) else (base_path.rstrip("/") + path).count("/")
        self.methods = [m.upper() for m in METHODS if m in item]
        # Bodies are capped before routing, so per path: the lowest cap its operations declare.
        caps = [item[m][MAX_BODY_EXTENSION] for m in METHODS if MAX_BODY_EXTENSION in (item.get(m) or {})]
        self.max_body = min(caps, default=None)
        if "GET" in self.methods and "HEAD" not in self.methods:
            self.methods.append("HEAD")  # Starlette answers HEAD with the GET route


class Guard(SpecMiddleware):
    def __init__(self, app, max_body: int = MAX_BODY):
        self.app = app
        self.max_body = max_body
        self.paths: dict[int | None, list[_PathEntry]] = {}

    def add_api(self, specification, base_path=None, **_kwargs) -> None:
        base = base_path if base_path is not None else specification.base_path
        for path, item in specification.get("paths", {}).items():
            entry = _PathEntry(base or "", path, item)
            self.paths.setdefault(entry.segments, []).append(entry)

    def _matches(self, path: str) -> list[_PathEntry]:
        """The spec's paths that match, the concrete one alone when there is one."""
        candidates = self.paths.get(path.count("/"), []) + self.paths.get(None, [])
        matches = [entry for entry in candidates if entry.regex.match(path)]
        concrete = [entry for entry in matches if entry.concrete]
        return concrete[:1] or matches

    @staticmethod
    def _allowed(matches: list[_PathEntry], method: str) -> list[str] | None:
        """None when the method may go on to routing; otherwise the methods of the matched path."""
        if not matches:
            return None  # unknown path: Connexion's 404
        if any(method in entry.methods for entry in matches):
            return None
        return matches[0].methods

    def _cap(self, path: str, matches: list[_PathEntry]) -> int:
        if not matches and path.endswith("/"):
            matches = self._matches(path[:-1])  # the path with a trailing slash is capped as without
        return min((entry.max_body for entry in matches if entry.max_body is not None), default=self.max_body)

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        raw = scope.get("raw_path") or scope["path"].encode("utf-8", "surrogateescape")
        if CONTROL.search(raw) or RAW_CONTROL.search(scope["path"]):
            return await _refuse(scope, send, 400, CONTROL_IN_PATH)
        root = scope.get("root_path", "")
        route_path = scope["path"][len(root) :] if root and scope["path"].startswith(root) else scope["path"]
        matches = self._matches(route_path)
        allowed = self._allowed(matches, scope["method"].upper())
        if allowed is not None:
            allow = (b"allow", ", ".join(allowed).encode())
            return await _refuse(scope, send, 405, MESSAGES[405], (allow,))
        cap = self._cap(route_path, matches)
        for name, value in scope.get("headers", ()):
            if name == b"content-length":
                if not value.isdigit():
                    return await _refuse(scope, send, 400, BAD_LENGTH)
                if int(value) > cap:
                    return await _refuse(scope, send, 413, MESSAGES[413])
        seen = 0
        started = False

        async def counted_receive():
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > cap:
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
                await _refuse(scope, send, 413, MESSAGES[413])
