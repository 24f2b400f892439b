"""Per-request work that Connexion 3.3 repeats and that only depends on the operation, done once.

Connexion 3.3 rebuilds, on every request, for the operation being served:
- the Flask-side decorator chain (`FlaskOperation.fn` -> `FlaskDecorator.__call__` -> `decorate`), which
  inspects the handler's signature (`inspect.signature`) and builds the URI parser again;
- the request-validation side (`RequestValidationOperation.__call__`): URI parser, parameter validator
  and body validator objects.
All of these depend only on the operation (they hold no per-request state: requests are passed to their
methods), so each operation builds them on its first request and keeps them. Behaviour is unchanged: the
whole test suite and the contract tests run with these in place.

Both are small, version-pinned replacements of one method each, written as candidates for upstream
(spec-first/connexion#2045 discusses FlaskApp's per-request cost). On another Connexion version they
are not applied, and `applied()` says so (a unit test fails, so an upgrade is a conscious step).
"""

import logging

from a2wsgi import WSGIMiddleware
from connexion.apps.flask import FlaskOperation
from connexion.decorators import FlaskDecorator
from connexion.middleware.request_validation import RequestValidationOperation
from connexion.middleware.request_validation import logger as validation_logger
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


def size_wsgi_pool(app, threads: int) -> None:
    """Run the Flask side of requests on `threads` threads instead of a2wsgi's default 10.

    FlaskApp builds its a2wsgi bridge without a way to size it; this rebuilds it around the same WSGI app.
    """
    bridge = app._middleware_app
    bridge.asgi_app = WSGIMiddleware(bridge.app.wsgi_app, workers=threads)


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
    _applied.extend(["flask-operation-decorators", "request-validators"])
    return list(_applied)


def applied() -> list[str]:
    return list(_applied)
