"""The app factory: engine, migrations, Connexion app with our validators, errors and guard."""

import json
import logging

import orjson
from connexion import FlaskApp
from connexion.exceptions import ResolverError
from connexion.jsonifier import Jsonifier
from connexion.middleware import MiddlewarePosition
from connexion.options import SwaggerUIOptions
from connexion.resolver import Resolver

from personas import fastpath
from personas.config import SPEC_PATH, Settings
from personas.handlers import errors, pending, runtime
from personas.handlers.guard import Guard
from personas.handlers.http_policy import HttpPolicy
from personas.handlers.idempotency import Idempotency
from personas.handlers.published_spec import PublishedSpec
from personas.handlers.rate_limits import Limiter, RateLimit
from personas.handlers.scopes import ScopeCheck
from personas.handlers.validation import validator_map
from personas.jobs.queue import build_jobs
from personas.jobs.relay import RelayLoop
from personas.jobs.runner import JobContext
from personas.persistence import crypto, history
from personas.persistence.db import make_engine, make_session_factory
from personas.persistence.migrate import upgrade
from personas.persistence.retry import retrying
from personas.providers import build_providers


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


class PendingAwareResolver(Resolver):
    """Operations whose issue is still open resolve to nothing, so `resolver_error` answers 501."""

    def resolve_function_from_operation_id(self, operation_id):
        if operation_id.rsplit(".", 1)[-1] in pending.PENDING_OPERATIONS:
            raise ResolverError(f"{operation_id} is not implemented yet")
        # Each operation is one transaction: after a conflict or a lost connection it is run again, whole.
        return retrying(super().resolve_function_from_operation_id(operation_id))


def create_app(settings: Settings | None = None, migrate: bool = True) -> FlaskApp:
    settings = settings or Settings.from_env()
    engine = make_engine(settings.database_url)
    if migrate:
        upgrade(engine)
    crypto.configure(settings)
    factory = make_session_factory(engine)
    history.install(factory)
    context = JobContext(settings, factory)
    jobs = build_jobs(context)
    state = runtime.Runtime(settings=settings, session_factory=factory, jobs=jobs, providers=build_providers(settings))
    if not settings.redis_url:
        # No Redis: this process relays its own outbox (with Redis, `personas worker` processes do).
        state.closers.append(RelayLoop(context, jobs.enqueue).start().stop)
    state.closers += [jobs.close, engine.dispose]
    runtime.configure(state)

    fastpath.apply()
    # No static folder: Flask would otherwise serve /static/<filename>, a route outside the spec.
    app = FlaskApp(__name__, specification_dir=str(SPEC_PATH.parent), server_args={"static_folder": None})
    app.add_api(
        SPEC_PATH.name,
        resolver=PendingAwareResolver(),
        resolver_error=501,
        strict_validation=True,
        validator_map=validator_map(),
        jsonifier=Jsonifier(_OrjsonModule),
        swagger_ui_options=SwaggerUIOptions(swagger_ui=True, swagger_ui_path="/docs"),
    )
    fastpath.install_bridge(app, settings.wsgi_threads)
    errors.register(app)
    # Outermost: request ids, the Host check, security headers and the access log, errors included.
    app.add_middleware(HttpPolicy, position=MiddlewarePosition.BEFORE_EXCEPTION, settings=settings)
    app.add_middleware(Guard, position=MiddlewarePosition.BEFORE_EXCEPTION)
    app.add_middleware(PublishedSpec, position=MiddlewarePosition.BEFORE_SWAGGER)
    # After security, in this order: the key's scope, its rate limit, then Idempotency-Key replays.
    app.add_middleware(ScopeCheck, position=MiddlewarePosition.BEFORE_VALIDATION)
    limiter = Limiter(settings.redis_url)
    app.add_middleware(
        RateLimit, position=MiddlewarePosition.BEFORE_VALIDATION, limiter=limiter, per_key=settings.rate_limit
    )
    app.add_middleware(Idempotency, position=MiddlewarePosition.BEFORE_VALIDATION)
    logging.getLogger("connexion").setLevel(logging.ERROR)
    return app
