"""Per-request work that Connexion 3.3 repeats and that only depends on the operation, done once; and an
ASGI-to-WSGI bridge that runs short requests on the event loop.

Connexion 3.3 rebuilds, on every request, for the operation being served:
- the Flask-side decorator chain (`FlaskOperation.fn` -> `FlaskDecorator.__call__` -> `decorate`), which
  inspects the handler's signature (`inspect.signature`) and builds the URI parser again;
- the request-validation side (`RequestValidationOperation.__call__`): URI parser, parameter validator
  and body validator objects;
- and its security handler inspects the auth function's signature twice.
All of these depend only on the operation (they hold no per-request state: requests are passed to their
methods), so each operation builds them on its first request and keeps them. Behaviour is unchanged: the
test command runs the API tests with and without the fast path.

Each piece goes in through the app's own hooks, nothing is patched process-wide:
- `app_options` gives FlaskApp its `middlewares` (Connexion's, then `InlineWSGI`, the bridge to Flask,
  which also keeps each Flask view's decorator chain) and its `security_map`;
- `install` puts `CachingRequestValidationMiddleware` in place of Connexion's request validation, and
  `IndexedRoutingMiddleware` in place of its routing, once the app has added its own middlewares (they
  are placed against Connexion's classes).
The pieces reach into Connexion 3.3's classes, so they are used on that version only (PINNED); on
another, or with `Settings.fastpath` off (PERSONAS_FASTPATH=0), the app runs Connexion as shipped, with
its own bridge (a2wsgi, 10 threads, every request on a thread).
"""

import contextvars
import functools
import io
import json
import logging
from importlib.metadata import version
from urllib.parse import parse_qs

from a2wsgi import WSGIMiddleware
from a2wsgi.wsgi import build_environ
from connexion.apps.flask import FlaskASGIApp, FlaskOperation
from connexion.decorators import FlaskDecorator
from connexion.decorators.parameter import (
    _get_body_argument,
    _get_path_arguments,
    _get_query_arguments,
    pythonic,
    sanitized,
    unwrap_decorators,
)
from connexion.decorators.response import BaseResponseDecorator
from connexion.middleware import ConnexionMiddleware
from connexion.middleware.abstract import RoutedAPI, RoutedMiddleware, SpecMiddleware
from connexion.middleware.request_validation import (
    RequestValidationAPI,
    RequestValidationMiddleware,
    RequestValidationOperation,
)
from connexion.middleware.request_validation import logger as validation_logger
from connexion.middleware.routing import RoutingMiddleware
from connexion.security import BearerSecurityHandler
from connexion.utils import inspect_function_arguments, is_json_mimetype, is_nullable
from starlette.routing import Match, Router, get_route_path

from personas.handlers.scopes import declared, operation_of

log = logging.getLogger("personas")
PINNED = "3.3."
# Operations marked so in the spec (streamed answers, large uploads, outside calls, health/ready,
# metrics) keep a2wsgi's thread pool, so a long one never holds up the worker's event loop.
THREADED = "x-personas-threaded"
INLINE_BODY_LIMIT = 256 * 1024


def pinned() -> bool:
    return version("connexion").startswith(PINNED)


def enabled(settings) -> bool:
    if not settings.fastpath:
        return False
    if not pinned():
        log.warning("connexion %s is not %sx: the fast path is off", version("connexion"), PINNED)
        return False
    return True


class CachingRequestValidationOperation(RequestValidationOperation):
    """Connexion's request validation, with the URI parser and validators built once per operation."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._parameters = None
        self._bodies: dict[tuple[str, str], object] = {}

    def _parameter_validator(self):
        if self._parameters is None:
            op = self._operation
            self._parameters = self._validator_map["parameter"](
                op.parameters,
                uri_parser=op._uri_parser_class(op.parameters, op.body_definition()),
                strict_validation=self.strict_validation,
                security_query_params=self.security_query_params,
            )
        return self._parameters

    def _body_validator(self, mime_type: str, encoding: str):
        key = (mime_type, encoding)
        if key not in self._bodies:
            op = self._operation
            schema = op.body_schema(mime_type)
            factory = self._validator_map["body"].get(mime_type) if schema else None
            if schema and factory is None:
                validation_logger.info(f"Skipping validation. No validator registered for content type: {mime_type}.")
            self._bodies[key] = (
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
        return self._bodies[key]

    async def __call__(self, scope, receive, send):
        # The same steps, in the same order, as RequestValidationOperation.__call__ of Connexion 3.3.
        self._parameter_validator().validate(scope)
        mime_type, encoding = self.extract_content_type(scope["headers"])
        self.validate_mime_type(mime_type)
        validator = self._body_validator(mime_type, encoding)
        if validator is not None:
            receive, scope = await validator.wrap_receive(receive, scope=scope)
        await self.next_app(scope, receive, send)


class CachingRequestValidationAPI(RequestValidationAPI):
    def make_operation(self, operation) -> CachingRequestValidationOperation:
        return CachingRequestValidationOperation(
            self.next_app,
            operation=operation,
            strict_validation=self.strict_validation,
            validator_map=self.validator_map,
        )


class CachingRequestValidationMiddleware(RequestValidationMiddleware):
    api_cls = CachingRequestValidationAPI


class _RouteIndex:
    """A Starlette Router's `app` that tries only the routes whose first path segment can match.

    Connexion's router holds one route per operation (120 here) and Starlette tries them in order, a
    regex each, until one matches: about a hundred per request. A route whose first segment is
    literal can only match paths with that segment, so each segment gets the routes that can match it
    (those plus the ones starting with a parameter), in the router's order: the same first match, and
    the same partial match (405) when no route matches whole. A path no candidate matches goes to the
    router's own `app`, which then finds nothing either and does what it does (slash redirect, default).
    """

    def __init__(self, router: Router):
        self.router = router
        literal: dict[str, list] = {}
        wild: list = []
        for position, route in enumerate(router.routes):
            first = getattr(route, "path", "/").lstrip("/").split("/", 1)[0]
            if "{" in first or not hasattr(route, "path") or not route.path.startswith("/"):
                wild.append((position, route))
            else:
                literal.setdefault(first, []).append((position, route))
        self.wild = [route for _, route in wild]
        self.by_segment = {
            segment: [route for _, route in sorted(routes + wild, key=lambda pair: pair[0])]
            for segment, routes in literal.items()
        }

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            return await Router.app(self.router, scope, receive, send)
        segment = get_route_path(scope).lstrip("/").split("/", 1)[0]
        partial = partial_scope = None
        for route in self.by_segment.get(segment, self.wild):
            match, child_scope = route.matches(scope)
            if match is Match.FULL:
                scope.setdefault("router", self.router)
                scope["route"] = route
                scope.update(child_scope)
                return await route.handle(scope, receive, send)
            if match is Match.PARTIAL and partial is None:
                partial, partial_scope = route, child_scope
        if partial is not None:
            scope.setdefault("router", self.router)
            scope["route"] = partial
            scope.update(partial_scope)
            return await partial.handle(scope, receive, send)
        return await Router.app(self.router, scope, receive, send)


class IndexedRoutingMiddleware(RoutingMiddleware):
    """Connexion's routing, each API's router walked through a `_RouteIndex`."""

    def add_api(self, specification, base_path=None, arguments=None, **kwargs) -> None:
        super().add_api(specification, base_path=base_path, arguments=arguments, **kwargs)
        for mount in self.router.routes:
            inner = getattr(mount, "app", None)
            if isinstance(inner, Router) and not isinstance(inner.middleware_stack, _RouteIndex):
                inner.middleware_stack = _RouteIndex(inner)


class CachingBearerSecurityHandler(BearerSecurityHandler):
    """The handler of the spec's one security scheme (http bearer), asked twice per request whether the
    same auth function takes `required_scopes` and `request` (inspect.signature each time)."""

    _accepts_kwarg = staticmethod(functools.cache(BearerSecurityHandler._accepts_kwarg))


class _CachedFlaskView:
    """A FlaskOperation as Flask's view, with its decorator chain built on its first request and kept.

    Built inside the first request: `decorate` and `uri_parser` read the operation from Connexion's
    request context, which is the same object for every request routed to this view.
    """

    def __init__(self, operation: FlaskOperation):
        self.operation = operation
        self.call = None

    def __call__(self, *_args, **_kwargs):
        if self.call is None:
            op = self.operation
            decorator = FlaskDecorator(pythonic_params=op.pythonic_params, jsonifier=op.jsonifier)
            decorated = decorator.decorate(op.__wrapped__)
            uri_parser, framework = decorator.uri_parser, decorator.framework
            self.call = lambda: decorated(framework.get_request(uri_parser=uri_parser))
        return self.call()


async def _whole_body(receive) -> bytes | None:
    """The request's body, all of it; None when the client went away first."""
    chunks, more = [], True
    while more:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        chunks.append(message.get("body", b""))
        more = message.get("more_body", False)
    return b"".join(chunks)


SCALARS = frozenset({"string", "integer", "number", "boolean"})
DIRECT_METHODS = frozenset({"get", "post", "put", "patch", "delete"})


class DirectOperation:
    """A JSON operation whose handler is called straight from the event loop, without Flask.

    Through the bridge, such a request pays for a WSGI environ, Flask's request context and dispatch,
    and Connexion's decorator chain (a Flask request wrapper, the parameter and response decorators),
    about a quarter of a short request's CPU, to pass a few parameters and a JSON body in and turn a dict
    into JSON. Here the parameters and the body are bound with Connexion's own functions (its URI parser:
    same duplicates rule, same coercions and defaults; its body argument: same default and null rules;
    the names sanitized as the Flask decorator does) and the answer is built as its response decorator
    builds it (status, headers, the operation's one content type, the app's jsonifier). The body is parsed
    as Flask's `get_json(silent=True)` parses it. Errors propagate to the exception middleware, as they do
    from Flask. A request the bridge would not run inline (a large or streamed body), or whose body is
    not JSON, goes on to the bridge.
    """

    body_limit = INLINE_BODY_LIMIT  # as the bridge's: a larger body goes to its thread pool

    def __init__(self, next_app, operation, jsonifier, pythonic_params: bool):
        self.next_app = next_app
        self.operation = operation
        self.method = operation.method.upper()
        self.function = operation.function
        self.jsonifier = jsonifier
        self.arguments, _ = inspect_function_arguments(unwrap_decorators(self.function))
        self.sanitize = pythonic if pythonic_params else sanitized
        self.uri_parser = operation.uri_parser_class(operation.parameters, operation.body_definition())
        self.content_type = operation.produces[0]
        self.takes_body = bool(operation.request_body)

    @staticmethod
    def eligible(operation, threaded: set[str], pythonic_params: bool) -> bool:
        """Parameters that are scalars in the path or the query (or headers, which handlers are not
        given), a JSON body or none, every answer JSON, and a handler that takes those and nothing else."""
        if operation.method.lower() not in DIRECT_METHODS or operation.operation_id in threaded:
            return False
        if set(operation.produces) != {"application/json"}:
            return False
        sanitize = pythonic if pythonic_params else sanitized
        names = set()
        if operation.request_body:
            if set(operation.request_body.get("content", {})) != {"application/json"}:
                return False
            names.add(sanitize(operation.body_name("application/json")))
        for parameter in operation.parameters:
            if parameter.get("in") == "header":
                continue  # validated before; Connexion passes no header to a handler
            schema = parameter.get("schema") or {}
            if parameter.get("in") not in ("path", "query") or schema.get("type") not in SCALARS:
                return False
            if "content" in parameter or parameter.get("style") not in (None, "form", "simple"):
                return False
            names.add(sanitize(parameter["name"]))
        try:
            arguments, has_kwargs = inspect_function_arguments(unwrap_decorators(operation.function))
        except (TypeError, ValueError):
            return False
        return not has_kwargs and set(arguments) <= names

    def _takes_this_body(self, scope) -> bool:
        length, mimetype = None, None
        for name, value in scope.get("headers", ()):
            if name == b"content-length":
                length = int(value) if value.isdigit() else None
            elif name == b"transfer-encoding":
                return False  # a streamed body: the bridge's thread pool
            elif name == b"content-type":
                mimetype = value.split(b";", 1)[0].strip().lower()
        if length is None or length > self.body_limit:
            return length is None and mimetype is None  # no body at all
        if mimetype is None:
            return length == 0
        try:
            return is_json_mimetype(mimetype.decode("latin-1"))
        except ValueError:  # not type/subtype: the bridge answers as Connexion does
            return False

    def _call(self, scope, body: bytes | None):
        raw = scope.get("query_string") or b""
        query = parse_qs(raw.decode("latin-1"), keep_blank_values=True) if raw else {}
        operation = self.operation
        kwargs = _get_path_arguments(
            self.uri_parser.resolve_path(scope.get("path_params") or {}), operation=operation, sanitize=self.sanitize
        )
        kwargs.update(
            _get_query_arguments(
                self.uri_parser.resolve_query(query),
                operation=operation,
                arguments=self.arguments,
                has_kwargs=False,
                sanitize=self.sanitize,
            )
        )
        if self.takes_body:
            try:
                parsed = json.loads(body) if body else None
            except ValueError:
                parsed = None
            kwargs.update(
                _get_body_argument(
                    parsed,
                    operation=operation,
                    arguments=self.arguments,
                    has_kwargs=False,
                    sanitize=self.sanitize,
                    content_type="application/json",
                )
            )
        return self.function(**kwargs)

    async def __call__(self, scope, receive, send) -> None:
        if scope["method"] != self.method:  # HEAD is routed to a GET: Flask answers it without a body
            return await self.next_app(scope, receive, send)
        body = None
        if self.takes_body:
            if not self._takes_this_body(scope):
                return await self.next_app(scope, receive, send)
            body = await _whole_body(receive)
            if body is None:
                return None
        # Its own copy of the context, as the bridge gives Flask: what the handler sets stays inside.
        result = contextvars.copy_context().run(self._call, scope, body)
        data, status, headers = BaseResponseDecorator._unpack_handler_response(result)
        payload = b"" if data is None else self.jsonifier.dumps(data).encode()
        raw_headers = [(b"content-type", self.content_type.encode("latin-1"))]
        for name, value in headers.items() if isinstance(headers, dict) else headers:
            if name.lower() == "content-type":
                raw_headers[0] = (b"content-type", str(value).encode("latin-1"))
            else:
                raw_headers.append((name.lower().encode("latin-1"), str(value).encode("latin-1")))
        raw_headers.append((b"content-length", str(len(payload)).encode()))
        status = status or (204 if data is None else 200)
        await send({"type": "http.response.start", "status": status, "headers": raw_headers})
        await send({"type": "http.response.body", "body": payload})
        return None


class DirectCallAPI(RoutedAPI):
    def __init__(self, *args, jsonifier=None, pythonic_params=False, threaded=frozenset(), **kwargs) -> None:
        self.jsonifier = jsonifier
        self.pythonic_params = pythonic_params
        self.threaded = threaded
        super().__init__(*args, **kwargs)
        self.add_paths()

    def make_operation(self, operation):
        if self.jsonifier is not None and DirectOperation.eligible(operation, self.threaded, self.pythonic_params):
            return DirectOperation(self.next_app, operation, self.jsonifier, self.pythonic_params)
        return self.next_app


class DirectCallMiddleware(RoutedMiddleware[DirectCallAPI]):
    """The operations `DirectOperation` can serve are served so; the rest go on to the Flask bridge.
    Last before the bridge, so every middleware before it (security, validation, context) has run."""

    api_cls = DirectCallAPI

    def add_api(self, specification, **kwargs) -> DirectCallAPI:
        threaded = {op for op, marked in declared(specification, THREADED).items() if marked}
        return super().add_api(specification, threaded=threaded, **kwargs)

    @property
    def direct(self) -> list[str]:
        return sorted(
            op_id
            for apis in self.apis.values()
            for api in apis
            for op_id, op in api.operations.items()
            if isinstance(op, DirectOperation)
        )


class InlineWSGI(SpecMiddleware):
    """The bridge from Connexion's middlewares to the Flask app, in place of FlaskApp's (a2wsgi, 10
    threads, no setting to size it), with short requests run inline on the event loop.

    a2wsgi runs every request on a thread and crosses back to the loop for each message it sends
    (start, body, end): measured here at ~300 us of CPU per request for a trivial WSGI app, a third of
    what Connexion added over plain Flask. A short request (no or a small body, an operation that does
    not stream) runs inline instead, as a sync worker would run it; the rest goes to an a2wsgi pool of
    `threads` threads. Last in the middleware list, it gets FlaskApp's own bridge as `app` and calls
    the Flask app behind it.
    """

    def __init__(self, app: FlaskASGIApp, threads: int, body_limit: int = INLINE_BODY_LIMIT):
        self.flask = app.app
        self.wsgi_app = self.flask.wsgi_app
        self.threaded = WSGIMiddleware(self.wsgi_app, workers=threads)
        self.body_limit = body_limit
        self.threaded_ops: set[str] = set()

    def add_api(self, specification, **_kwargs) -> None:
        self.threaded_ops.update(op for op, marked in declared(specification, THREADED).items() if marked)
        # Connexion has registered the API's views on the Flask app by now (FlaskApp's bridge comes first).
        views = self.flask.view_functions
        for endpoint, view in views.items():
            if isinstance(view, FlaskOperation):
                views[endpoint] = _CachedFlaskView(view)

    def _inline(self, scope) -> bool:
        if operation_of(scope) in self.threaded_ops:
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
        body = await _whole_body(receive)
        if body is None:
            return None
        environ = build_environ(scope, io.BytesIO(body))
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


def app_options(settings) -> dict:
    """FlaskApp's keyword arguments for the fast path (none when it is off)."""
    if not enabled(settings):
        return {}
    return {
        "middlewares": [
            *ConnexionMiddleware.default_middlewares,
            DirectCallMiddleware,
            functools.partial(InlineWSGI, threads=settings.wsgi_threads),
        ],
        "security_map": {"bearer": CachingBearerSecurityHandler},
    }


def install(app, settings) -> None:
    """Connexion's request validation replaced by the caching one; called once the app has added its
    own middlewares, which are placed against Connexion's class."""
    if enabled(settings):
        stack = app.middleware.middlewares
        stack[stack.index(RequestValidationMiddleware)] = CachingRequestValidationMiddleware
        stack[stack.index(RoutingMiddleware)] = IndexedRoutingMiddleware


def applied(app) -> list[str]:
    """The parts of the fast path this app runs with (the views are wrapped once it has started)."""
    found = []
    if CachingRequestValidationMiddleware in app.middleware.middlewares:
        found.append("request-validators")
    if IndexedRoutingMiddleware in app.middleware.middlewares:
        found.append("route-index")
    if (app.middleware.options.security_map or {}).get("bearer") is CachingBearerSecurityHandler:
        found.append("security-signatures")
    if any(getattr(m, "func", None) is InlineWSGI for m in app.middleware.middlewares):
        found.append("inline-bridge")
    if DirectCallMiddleware in app.middleware.middlewares:
        found.append("direct-calls")
    if any(isinstance(view, _CachedFlaskView) for view in app.app.view_functions.values()):
        found.append("flask-operation-decorators")
    return found
