"""Per-request work that Connexion 3.3 repeats and that only depends on the operation, done once.

Connexion 3.3 rebuilds, on every request, for the operation being served:
- the Flask-side decorator chain (`FlaskOperation.fn` -> `FlaskDecorator.__call__` -> `decorate`), which
  inspects the handler's signature (`inspect.signature`) and builds the URI parser again;
- the request-validation side (`RequestValidationOperation.__call__`): URI parser, parameter validator
  and body validator objects.
All of these depend only on the operation (they hold no per-request state: requests are passed to their
methods), so each operation builds them on its first request and keeps them. Behaviour is unchanged: the
whole test suite and the contract tests run with these in place.

(And the security handler inspects the auth function's signature twice per request: cached too.)
These are small, version-pinned replacements of one method each, written as candidates for upstream
(spec-first/connexion#2045 discusses FlaskApp's per-request cost). On another Connexion version they
are not applied, and `applied()` says so (a unit test fails, so an upgrade is a conscious step).
"""

import contextvars
import functools
import io
import logging

from a2wsgi import WSGIMiddleware
from a2wsgi.wsgi import build_environ
from connexion.apps.flask import FlaskOperation
from connexion.decorators import FlaskDecorator
from connexion.middleware.request_validation import RequestValidationOperation
from connexion.middleware.request_validation import logger as validation_logger
from connexion.security import AbstractSecurityHandler
from connexion.utils import is_nullable

log = logging.getLogger("personas")
PINNED = "3.3."
_applied: list[str] = []


def _version() -> str:
    from importlib.metadata import version

    return version("connexion")


def _flask_operation_call(self, *args, **kwargs):
    # Built inside the first request: `decorate` and `uri_parser` read the operation from Connexion's
    # request context, which is the same object for every request routed to this FlaskOperation.
    cached = self.__dict__.get("_personas_call")
    if cached is None:
        decorator = FlaskDecorator(pythonic_params=self.pythonic_params, jsonifier=self.jsonifier)
        decorated, uri_parser, framework = decorator.decorate(self._fn), decorator.uri_parser, decorator.framework

        def cached(*_args, **_kwargs):
            return decorated(framework.get_request(uri_parser=uri_parser))

        self.__dict__["_personas_call"] = cached
    return cached(*args, **kwargs)


def _validators(self):
    found = self.__dict__.get("_personas_validators")
    if found is None:
        op = self._operation
        uri_parser = op._uri_parser_class(op.parameters, op.body_definition())
        parameters = self._validator_map["parameter"](
            op.parameters,
            uri_parser=uri_parser,
            strict_validation=self.strict_validation,
            security_query_params=self.security_query_params,
        )
        found = self.__dict__["_personas_validators"] = (parameters, {})
    return found


def _body_validator(self, bodies: dict, mime_type: str, encoding: str):
    key = (mime_type, encoding)
    if key not in bodies:
        op = self._operation
        schema = op.body_schema(mime_type)
        factory = self._validator_map["body"].get(mime_type) if schema else None
        if schema and factory is None:
            validation_logger.info(f"Skipping validation. No validator registered for content type: {mime_type}.")
        bodies[key] = (
            None
            if factory is None
            else factory(
                schema=schema,
                required=op.request_body.get("required", False),
                nullable=is_nullable(op.body_definition(mime_type)),
                encoding=encoding,
                strict_validation=self.strict_validation,
                uri_parser=op.uri_parser_class(op.parameters, op.body_definition()),
            )
        )
    return bodies[key]


async def _request_validation_call(self, scope, receive, send):
    # The same steps, in the same order, as RequestValidationOperation.__call__ of Connexion 3.3.
    parameters, bodies = _validators(self)
    parameters.validate(scope)
    mime_type, encoding = self.extract_content_type(scope["headers"])
    self.validate_mime_type(mime_type)
    validator = _body_validator(self, bodies, mime_type, encoding)
    if validator is not None:
        receive, scope = await validator.wrap_receive(receive, scope=scope)
    await self.next_app(scope, receive, send)


# Operations that stream their answer, take large uploads, or call outside services: they keep a2wsgi's
# thread pool, so a long one never holds up the worker's event loop.
THREADED_OPERATIONS = frozenset(
    {
        "export_people",  # streamed CSV
        "download_file",  # streamed file
        "import_people",
        "upload_file",
        "save_temporary_files",
        "attach_person_ine",
        "face_match_person",  # face provider over HTTP
        "create_person_signer",  # e-signature provider over HTTP
        "list_person_signature_documents",
        "get_health_ready",  # waits up to 2 s for a database or a Redis that does not answer
        "get_metrics",  # reads the database and Redis at scrape time
    }
)
INLINE_BODY_LIMIT = 256 * 1024


class InlineWSGI:
    """The ASGI-to-WSGI bridge of FlaskApp, with short requests run inline on the event loop.

    a2wsgi runs every request on a thread and crosses back to the loop for each message it sends
    (start, body, end): measured here at ~300 us of CPU per request for a trivial WSGI app, a third of
    what Connexion added over plain Flask. A short request (no or a small body, an operation that does
    not stream) runs inline instead, as a sync worker would run it; the rest still goes to a2wsgi.
    """

    def __init__(self, wsgi_app, threaded, body_limit: int = INLINE_BODY_LIMIT, threaded_ops=THREADED_OPERATIONS):
        self.wsgi_app, self.threaded = wsgi_app, threaded
        self.body_limit, self.threaded_ops = body_limit, threaded_ops

    def _inline(self, scope) -> bool:
        operation = ((scope.get("extensions") or {}).get("connexion_routing") or {}).get("operation_id") or ""
        if operation.rsplit(".", 1)[-1] in self.threaded_ops:
            return False
        length = None
        for name, value in scope.get("headers", ()):
            if name == b"content-length":
                length = int(value) if value.isdigit() else None
            elif name == b"transfer-encoding":
                return False  # a streamed request body
        return scope["method"] in ("GET", "HEAD", "DELETE", "OPTIONS") or (
            length is not None and length <= self.body_limit
        )

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http" or not self._inline(scope):
            return await self.threaded(scope, receive, send)
        chunks, more = [], True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return None
            chunks.append(message.get("body", b""))
            more = message.get("more_body", False)
        environ = build_environ(scope, io.BytesIO(b"".join(chunks)))
        started: list = []

        def start_response(status, headers, exc_info=None):
            if exc_info is not None and started:
                raise exc_info[1].with_traceback(exc_info[2])
            started[:] = [status, headers]
            return lambda chunk: chunks_out.append(chunk)

        chunks_out: list[bytes] = []
        # Its own copy of the context, as a2wsgi gives its threads: what Flask sets stays inside.
        iterable = contextvars.copy_context().run(self.wsgi_app, environ, start_response)
        try:
            chunks_out.extend(iterable)
        finally:
            getattr(iterable, "close", lambda: None)()
        status, headers = started
        raw_headers = [(k.strip().encode("latin1").lower(), v.strip().encode("latin1")) for k, v in headers]
        await send({"type": "http.response.start", "status": int(status.split(" ", 1)[0]), "headers": raw_headers})
        await send({"type": "http.response.body", "body": b"".join(chunks_out)})
        return None


def install_bridge(app, threads: int) -> None:
    """Replace FlaskApp's a2wsgi bridge (10 threads, no setting to size it) with InlineWSGI in front of an
    a2wsgi pool of `threads` threads for the long operations."""
    bridge = app._middleware_app
    bridge.asgi_app = InlineWSGI(bridge.app.wsgi_app, WSGIMiddleware(bridge.app.wsgi_app, workers=threads))


def apply() -> list[str]:
    """Install the caches once per process; returns what is applied (empty on an unpinned version)."""
    if _applied:
        return list(_applied)
    found = _version()
    if not found.startswith(PINNED):
        log.warning("connexion %s is not %sx: per-request caches not applied", found, PINNED)
        return []
    FlaskOperation.__call__ = _flask_operation_call
    RequestValidationOperation.__call__ = _request_validation_call
    # Asked twice per request about the same security function (inspect.signature each time).
    AbstractSecurityHandler._accepts_kwarg = staticmethod(functools.cache(AbstractSecurityHandler._accepts_kwarg))
    _applied.extend(["flask-operation-decorators", "request-validators", "security-signatures"])
    return list(_applied)


def applied() -> list[str]:
    return list(_applied)
