"""The app factory: a Connexion app with our validators, errors and guard, on a container of its own."""

import json
import logging

import orjson
from connexion import FlaskApp
from connexion.jsonifier import Jsonifier
from connexion.middleware import MiddlewarePosition
from connexion.options import SwaggerUIOptions
from connexion.resolver import Resolver

from personas import fastpath, spec
from personas.bootstrap import Container, bootstrap
from personas.config import Settings
from personas.handlers import errors, runtime
from personas.handlers.guard import Guard
from personas.handlers.http_policy import HttpPolicy
from personas.handlers.idempotency import Idempotency
from personas.handlers.published_spec import PublishedSpec
from personas.handlers.rate_limits import Limiter, RateLimit
from personas.handlers.redoc import Redoc
from personas.handlers.scopes import ScopeCheck
from personas.handlers.unread_body import UnreadBody
from personas.handlers.validation import validator_map
from personas.persistence.retry import retrying


class _OrjsonModule:
    """Compact, fast JSON for responses (Connexion's default pretty-prints with the slow encoder)."""

    @staticmethod
    def dumps(data, **_kwargs) -> str:
        try:
            return orjson.dumps(data, option=orjson.OPT_NON_STR_KEYS).decode()
        except TypeError:
            # orjson refuses integers beyond 64 bits, which a client may put in free-form objects.
            return json.dumps(data, ensure_ascii=False, separators=(",", ":"))

    @staticmethod
    def loads(data):
        return orjson.loads(data)


class RetryingResolver(Resolver):
    """Each operation is one transaction: after a conflict or a lost connection it is run again, whole."""

    def resolve_function_from_operation_id(self, operation_id):
        return retrying(super().resolve_function_from_operation_id(operation_id))


class PersonasApp(FlaskApp):
    """The Connexion app of one container: every call into it (requests, lifespan) runs with the container
    bound, so the handlers and middlewares reach it through `handlers.runtime.current()`."""

    def __init__(self, import_name: str, container: Container, **kwargs):
        super().__init__(import_name, **kwargs)
        self.container = container

    async def __call__(self, scope, receive, send) -> None:
        with runtime.bound(self.container):
            await super().__call__(scope, receive, send)


def create_app(settings: Settings | None = None, migrate: bool = True) -> PersonasApp:
    settings = settings or Settings.from_env()
    container = bootstrap(settings, migrate=migrate)
    container.relay_in_process()
    # No static folder: Flask would otherwise serve /static/<filename>, a route outside the spec.
    app = PersonasApp(
        __name__,
        container,
        server_args={"static_folder": None},
        **fastpath.app_options(settings),
    )
    app.add_api(
        spec.document(),
        resolver=RetryingResolver(),
        resolver_error=501,
        strict_validation=True,
        validator_map=validator_map(settings.max_json_body, settings.max_json_depth),
        jsonifier=Jsonifier(_OrjsonModule),
        swagger_ui_options=SwaggerUIOptions(swagger_ui=True, swagger_ui_path="/docs"),
    )
    errors.register(app)
    # Outermost: any answer given before the body was all sent waits for the rest of it (bounded).
    app.add_middleware(UnreadBody, position=MiddlewarePosition.BEFORE_EXCEPTION, seconds=settings.limits.header_timeout)
    # Then request ids, the Host check, security headers and the access log, errors included.
    app.add_middleware(HttpPolicy, position=MiddlewarePosition.BEFORE_EXCEPTION, settings=settings)
    app.add_middleware(Guard, position=MiddlewarePosition.BEFORE_EXCEPTION)
    app.add_middleware(PublishedSpec, position=MiddlewarePosition.BEFORE_SWAGGER)
    app.add_middleware(Redoc, position=MiddlewarePosition.BEFORE_SWAGGER)
    # After security, in this order: the key's scope, its rate limit, then Idempotency-Key replays.
    app.add_middleware(ScopeCheck, position=MiddlewarePosition.BEFORE_VALIDATION)
    limiter = Limiter(settings.redis_url)
    app.add_middleware(
        RateLimit, position=MiddlewarePosition.BEFORE_VALIDATION, limiter=limiter, per_key=settings.rate_limit
    )
    app.add_middleware(Idempotency, position=MiddlewarePosition.BEFORE_VALIDATION)
    # Last: it replaces Connexion's request validation, which the middlewares above are placed against.
    fastpath.install(app, settings)
    logging.getLogger("connexion").setLevel(logging.ERROR)
    return app
