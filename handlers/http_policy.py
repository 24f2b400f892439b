"""The outermost ASGI layer of the API: request ids, the Host check, response headers, the access log.

It sits before Connexion's exception middleware, so it also sees error answers and the guard's refusals.
The route template and the API key are only known inside (routing and security run later, on shallow
copies of the scope): the dictionaries they write to are created here first, so every copy shares them.
"""

import logging
import re
import time
import uuid
from urllib.parse import urlsplit

from connexion import context
from connexion.middleware.abstract import SpecMiddleware
from werkzeug.sansio.utils import get_host

from personas.domain.errors import Text
from personas.handlers.errors import asgi_answer
from personas.handlers.metrics import UNMATCHED, HttpMetrics
from personas.handlers.runtime import current

access_log = logging.getLogger("personas.access")

REQUEST_ID = re.compile(rb"[A-Za-z0-9._:-]{1,128}")
NOSNIFF = (b"x-content-type-options", b"nosniff")
UNKNOWN_HOST = Text("Host desconocido", "Unknown host")
NO_STORE = (b"cache-control", b"no-store")
# Published for anyone, carry no personal data: cacheable (the spec brings its own validators).
PUBLIC_PATHS = re.compile(r"/(openapi\.json|openapi\.yaml|health|redoc|redoc/redoc\.standalone\.js)$|/docs(/|$)")
# Content-Security-Policy. An API answer is never a page: it may load nothing and be framed by nothing.
API_CSP = b"default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
_PAGE_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'; connect-src 'self'; "
# Swagger UI (connexion's bundle): its own scripts plus the inline one that starts it, inline styles,
# data: icons and blob: images of downloaded answers; "Try it out" calls this same origin.
DOCS_CSP = (
    _PAGE_CSP + "script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:"
).encode()
# Redoc (handlers.redoc): the bundle from this origin and no inline script; the styles it injects at run
# time (inline); its search index runs in a Worker made from a blob: URL (worker-src; child-src for
# browsers without worker-src); data: icons; the spec fetched from this origin.
REDOC_CSP = (
    _PAGE_CSP + "script-src 'self'; worker-src blob:; child-src blob:; style-src 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:"
).encode()


# Connexion's validators log request paths and offending values (form data errors even at ERROR): the
# client reads them in its answer, the logs must not keep them.
REQUEST_DATA_LOGGERS = ("connexion.validators.parameter", "connexion.validators.json", "connexion.validators.form_data")


def _drop(_record) -> bool:
    return False


def keep_request_data_out_of_logs() -> None:
    for name in REQUEST_DATA_LOGGERS:
        logger = logging.getLogger(name)
        if _drop not in logger.filters:
            logger.addFilter(_drop)


def site_url() -> str:
    """Scheme, host and any prefix that links of the current request start with."""
    public = current().settings.public_url
    # Without a public URL the Host header is one of the allowed hosts (the policy refused the others).
    if public:
        return public
    scope = context.scope
    host = next((v.decode("latin-1") for n, v in scope["headers"] if n == b"host"), None)
    scheme = scope.get("scheme", "http")
    return f"{scheme}://{get_host(scheme, host, scope.get('server'))}"


def _host_name(value: bytes) -> str:
    host = value.decode("latin-1").strip().lower()
    if host.startswith("["):
        return host[1 : host.find("]")] if "]" in host else host
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


class HttpPolicy(SpecMiddleware):
    def __init__(self, app, settings):
        self.app = app
        self.allowed = frozenset(settings.allowed_hosts)
        self.public = urlsplit(settings.public_url) if settings.public_url else None
        self.templates: dict[str, str] = {}
        self.metrics = HttpMetrics()
        self.published: tuple[str, ...] = ()  # the spec and docs Connexion publishes beside the operations
        self.docs = "/docs"
        self.redoc: tuple[str, ...] = ()
        keep_request_data_out_of_logs()

    def add_api(self, specification, base_path=None, **_kwargs) -> None:
        base = (base_path if base_path is not None else specification.base_path) or ""
        self.published += (base.rstrip("/") + "/openapi.json", base.rstrip("/") + "/openapi.yaml")
        self.redoc += (base.rstrip("/") + "/redoc",)
        self.published += (base.rstrip("/") + "/redoc", base.rstrip("/") + "/redoc/redoc.standalone.js")
        self.docs = base.rstrip("/") + "/docs"
        for path, item in specification.get("paths", {}).items():
            for operation in item.values():
                if isinstance(operation, dict) and "operationId" in operation:
                    self.templates[operation["operationId"].rsplit(".", 1)[-1]] = base.rstrip("/") + path

    def _route(self, scope) -> str:
        operation = scope["extensions"]["connexion_routing"].get("operation_id")
        if operation:
            return self.templates.get(operation.rsplit(".", 1)[-1], operation)
        # Fixed publication paths carry no values; any other unmatched path might (an id, a CURP).
        path = scope.get("path", "")
        return path if PUBLIC_PATHS.search(path) else "-"

    def _metric_route(self, scope) -> str:
        # A label value is a series for ever: only the spec's templates and a few fixed paths, never a
        # raw path (ids, CURPs, or any string a client makes up).
        operation = scope["extensions"]["connexion_routing"].get("operation_id")
        if operation:
            return self.templates.get(operation.rsplit(".", 1)[-1], UNMATCHED)
        path = scope.get("path", "")
        if path in self.published:
            return path
        return self.docs if path == self.docs or path.startswith(self.docs + "/") else UNMATCHED

    def _policy(self, scope) -> bytes:
        """The Content-Security-Policy of a response: what the page asked for needs, nothing for the rest."""
        path, root = scope.get("path", ""), scope.get("root_path", "")
        path = path[len(root) :] if root and path.startswith(root) else path
        if path in self.redoc:
            return REDOC_CSP
        if path == self.docs or path.startswith(self.docs + "/"):
            return DOCS_CSP
        return API_CSP

    def _trusted_host(self, scope) -> bool:
        for name, value in scope["headers"]:
            if name == b"host":
                return _host_name(value) in self.allowed
        return True  # HTTP/1.0 without Host: links fall back to the address the server listens on

    def _use_public_url(self, scope) -> None:
        # Whatever the frameworks build from the request (redirects, request.url) names the public site.
        scope["scheme"] = self.public.scheme
        headers = [(n, v) for n, v in scope["headers"] if n != b"host"]
        scope["headers"] = [*headers, (b"host", self.public.netloc.encode("latin-1"))]

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        started = time.perf_counter()
        request_id = next((v for n, v in scope["headers"] if n == b"x-request-id"), b"")
        if not REQUEST_ID.fullmatch(request_id):
            request_id = uuid.uuid4().hex.encode()
        extensions = scope.setdefault("extensions", {})
        extensions.setdefault("connexion_routing", {})
        context = extensions.setdefault("connexion_context", {})
        extra = [
            NOSNIFF,
            (b"x-request-id", request_id),
            (b"content-security-policy", self._policy(scope)),
        ]
        if not PUBLIC_PATHS.search(scope.get("path", "")):
            extra.append(NO_STORE)
        status = [500]

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                status[0] = message["status"]
                names = {name for name, _ in extra}
                kept = [(n, v) for n, v in message.get("headers", ()) if n.lower() not in names]
                message = {**message, "headers": kept + extra}
            await send(message)

        try:
            if self.public is not None:
                self._use_public_url(scope)
            elif not self._trusted_host(scope):
                body, headers = asgi_answer(scope, 400, UNKNOWN_HOST)
                await send_with_headers({"type": "http.response.start", "status": 400, "headers": headers})
                return await send({"type": "http.response.body", "body": body})
            return await self.app(scope, receive, send_with_headers)
        finally:
            elapsed = time.perf_counter() - started
            self.metrics.observe(scope["method"], self._metric_route(scope), status[0], elapsed)
            key = context.get("token_info")
            access_log.info(
                "%s %s %s %.1fms key=%s rid=%s",
                scope["method"],
                self._route(scope),
                status[0],
                elapsed * 1000,
                key.get("id", "-") if isinstance(key, dict) else "-",
                request_id.decode(),
            )
