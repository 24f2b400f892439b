"""The published contract (`openapi.json`, `openapi.yaml`), built once per process and served as bytes.

Connexion builds both documents again on every request: it clones the specification (resolving and
validating it anew) and dumps it, about 0.4 s of CPU for the JSON and 2.3 s for the YAML, for anyone,
without a key. Here the same functions build the same documents once per root path; later requests get
the prepared bytes, with an ETag (304 when the client already has them).
"""

import asyncio
import hashlib

from connexion.jsonifier import Jsonifier
from connexion.middleware.abstract import SpecMiddleware
from connexion.utils import yamldumper

FORMATS = {
    "/openapi.json": (b"application/json", lambda spec: Jsonifier().dumps(spec)),
    "/openapi.yaml": (b"text/yaml; charset=utf-8", yamldumper),
}


class _Document:
    def __init__(self, media_type: bytes, text: str):
        self.body = text.encode("utf-8")
        self.media_type = media_type
        self.etag = b'"' + hashlib.sha256(self.body).hexdigest()[:32].encode() + b'"'

    def matches(self, if_none_match: bytes) -> bool:
        tags = {tag.strip().removeprefix(b"W/") for tag in if_none_match.split(b",")}
        return b"*" in tags or self.etag in tags


class PublishedSpec(SpecMiddleware):
    def __init__(self, app):
        self.app = app
        self.apis: dict[str, object] = {}  # base path -> specification
        self.documents: dict[tuple[str, str], _Document] = {}
        self.lock = asyncio.Lock()

    def add_api(self, specification, base_path=None, **_kwargs) -> None:
        base = (base_path if base_path is not None else specification.base_path) or ""
        self.apis[base.rstrip("/")] = specification

    def _find(self, path: str):
        for base, specification in self.apis.items():
            name = path[len(base) :] if path.startswith(base) else None
            if name in FORMATS:
                return base, name, specification
        return None

    def _build(self, specification, prefix: str, name: str) -> _Document:
        media_type, dump = FORMATS[name]
        # What Connexion's own endpoint answers: the spec with its server set to where it is mounted.
        return _Document(media_type, dump(specification.with_base_path(prefix).raw))

    async def _document(self, scope, base: str, name: str, specification) -> _Document:
        prefix = scope.get("root_path", "").rstrip("/") + base
        key = (prefix, name)
        if key not in self.documents:
            async with self.lock:
                if key not in self.documents:
                    # Built off the event loop: the worker keeps answering other requests meanwhile.
                    self.documents[key] = await asyncio.to_thread(self._build, specification, prefix, name)
        return self.documents[key]

    async def __call__(self, scope, receive, send):
        found = self._find(scope.get("path", "")) if scope["type"] == "http" else None
        if found is None or scope["method"] not in ("GET", "HEAD"):
            return await self.app(scope, receive, send)
        document = await self._document(scope, *found)
        headers = [(b"etag", document.etag), (b"cache-control", b"no-cache")]
        if_none_match = next((v for n, v in scope["headers"] if n == b"if-none-match"), None)
        if if_none_match is not None and document.matches(if_none_match):
            await send({"type": "http.response.start", "status": 304, "headers": headers})
            return await send({"type": "http.response.body", "body": b""})
        headers += [(b"content-type", document.media_type), (b"content-length", str(len(document.body)).encode())]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        body = b"" if scope["method"] == "HEAD" else document.body
        return await send({"type": "http.response.body", "body": body})
