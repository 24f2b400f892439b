"""The Redoc page (`/redoc`): the published contract with its webhooks, served offline.

Swagger UI (`/docs`) cannot show OpenAPI 3.0's `x-webhooks`; Redoc renders them with their payloads. Its
standalone bundle comes from the `drf-spectacular-sidecar` distribution, installed with the service and
read as a plain file: that package's `__init__` imports Django, so the file is found through the
distribution's metadata, never by importing the package. Nothing is fetched from outside: the page loads
the bundle and the spec from this service only, which is what its Content-Security-Policy
(`handlers.http_policy`) allows.
"""

import hashlib
import html
import logging
from importlib.metadata import PackageNotFoundError, distribution

import orjson
from connexion.middleware.abstract import SpecMiddleware
from starlette.responses import Response
from starlette.routing import Route, Router

log = logging.getLogger("personas.handlers.redoc")

DISTRIBUTION = "drf-spectacular-sidecar"
BUNDLE_FILE = "drf_spectacular_sidecar/static/drf_spectacular_sidecar/redoc/bundles/redoc.standalone.js"
PAGE = "/redoc"
SCRIPT = "/redoc/redoc.standalone.js"
JAVASCRIPT = "text/javascript; charset=utf-8"
HTML = "text/html; charset=utf-8"
# The bundle changes only with the installed distribution: a day in caches, then revalidated by ETag.
BUNDLE_CACHE = "public, max-age=86400"

# The bundle starts Redoc on the <redoc> element it finds when it runs, so the element comes first; no
# inline script, so the page's policy needs no 'unsafe-inline' for scripts.
TEMPLATE = """<!DOCTYPE html>
<html lang="es">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
</head>
<body>
<redoc spec-url="{spec}" expand-responses="200,201" path-in-middle-panel="true"></redoc>
<script src="{script}"></script>
</body>
</html>
"""


class _Asset:
    def __init__(self, body: bytes, media_type: str):
        self.body = body
        self.media_type = media_type
        self.etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def bundle() -> bytes:
    """The Redoc standalone bundle of the installed distribution (FileNotFoundError when it is missing)."""
    try:
        path = distribution(DISTRIBUTION).locate_file(BUNDLE_FILE)
    except PackageNotFoundError as missing:
        raise FileNotFoundError(f"{DISTRIBUTION} is not installed") from missing
    return path.read_bytes()


def _unavailable() -> Response:
    body = orjson.dumps({"success": False, "code": 503, "error": "Redoc is not installed"})
    return Response(body, status_code=503, media_type="application/json")


class Redoc(SpecMiddleware):
    """Serves `{base}/redoc` and its bundle; every other request goes on to the app unchanged."""

    def __init__(self, app):
        self.app = app
        self.router = Router(default=self._next)
        self.titles: dict[str, str] = {}
        self.script: _Asset | None = None

    def add_api(self, specification, base_path=None, **_kwargs) -> None:
        base = ((base_path if base_path is not None else specification.base_path) or "").rstrip("/")
        self.titles[base] = specification.raw.get("info", {}).get("title", "API")
        # Another method is Starlette's 405, which the app's error handlers answer in the envelope.
        self.router.routes += [Route(base + PAGE, self._page), Route(base + SCRIPT, self._bundle)]

    async def __call__(self, scope, receive, send):
        # Only the page and its script are this router's: every other request skips its walk.
        if scope["type"] != "http" or not scope["path"].rstrip("/").endswith((PAGE, SCRIPT)):
            return await self.app(scope, receive, send)
        return await self.router({**scope}, receive, send)

    async def _next(self, scope, receive, send):
        scope.pop("router", None)  # set by this router: the app's own routing sets its own
        await self.app(scope, receive, send)

    def _prefix(self, request) -> tuple[str, str]:
        """The API's base path as this request reached it (behind a prefix too) and the API's title."""
        route = request.url.path[len(request.scope.get("root_path", "")) :]
        base = next(b for b in self.titles if route in (b + PAGE, b + SCRIPT))
        return request.scope.get("root_path", "").rstrip("/") + base, self.titles[base]

    async def _page(self, request):
        prefix, title = self._prefix(request)
        page = TEMPLATE.format(
            title=html.escape(title),
            spec=html.escape(prefix + "/openapi.json"),
            script=html.escape(prefix + SCRIPT),
        )
        return Response(page, media_type=HTML)

    async def _bundle(self, request):
        if self.script is None:
            try:
                self.script = _Asset(bundle(), JAVASCRIPT)
            except OSError as missing:
                log.error("the Redoc bundle cannot be read: %s", missing)
                return _unavailable()
        asset = self.script
        headers = {"etag": asset.etag, "cache-control": BUNDLE_CACHE}
        known = {tag.strip().removeprefix("W/") for tag in request.headers.get("if-none-match", "").split(",")}
        if asset.etag in known:
            return Response(status_code=304, headers=headers)
        return Response(asset.body, media_type=asset.media_type, headers=headers)
