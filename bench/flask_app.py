"""The request-path baseline: the service's own people handlers on plain Flask, no Connexion.

    gunicorn -k sync -w 2 'bench.flask_app:create()'

Same settings, composition root and handler code as the service (personas.bootstrap, bound for each
request as personas.app binds it), so the difference measured is what Connexion and the ASGI stack add.
Errors are mapped as the service maps them: 403, 404 and 422 in the same envelope.
"""

import orjson
from connexion import context as connexion_context
from flask import Flask, Response, request
from marshmallow import ValidationError as SchemaError

from personas.bootstrap import bootstrap
from personas.config import Settings
from personas.domain.errors import NotFound, ValidationFailed
from personas.handlers import people, runtime
from personas.handlers.auth import check_api_key


def _json(body, status: int = 200) -> Response:
    return Response(orjson.dumps(body), status=status, mimetype="application/json")


def _error(status: int, error) -> Response:
    return _json({"success": False, "code": status, "error": error}, status)


def create() -> Flask:
    # The same container as the service's, relaying its own outbox when there is no Redis.
    container = bootstrap(Settings.from_env(), migrate=False)
    container.relay_in_process()
    app = Flask(__name__)
    handle = app.wsgi_app

    def bound(environ, start_response):
        # The handlers reach the container as they do under personas.app (its answers are not streamed).
        with runtime.bound(container):
            return handle(environ, start_response)

    app.wsgi_app = bound

    @app.before_request
    def authorize():
        if request.path == "/health":
            return None
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        info = check_api_key(token) if scheme.lower() == "bearer" else None
        if info is None:
            return _error(403, "Failed authorization")
        # handlers.runtime reads the method (read-only transactions for GET) and the actor from
        # Connexion's context: give it the same values so both stacks run the same transactions.
        scope = {"type": "http", "method": request.method, "headers": []}
        request.environ["bench.tokens"] = (
            connexion_context._scope.set(scope),
            connexion_context._context.set({"token_info": info}),
        )
        return None

    @app.teardown_request
    def forget(_exc):
        tokens = request.environ.pop("bench.tokens", None)
        if tokens:
            connexion_context._scope.reset(tokens[0])
            connexion_context._context.reset(tokens[1])

    @app.get("/health")
    def health():
        return _json({"success": True})

    @app.get("/api/v1/people/<id>")
    def get_person(id):  # noqa: A002 - the handler's parameter name
        return _json(people.get_person(id))

    @app.post("/api/v1/people")
    def create_person():
        body = request.get_json(silent=True)
        if not isinstance(body, dict):
            return _error(400, "Bad request")
        result, status = people.create_person(body)
        return _json(result, status)

    @app.errorhandler(NotFound)
    def not_found(exc):
        return _error(404, exc.message or "Not found")

    @app.errorhandler(ValidationFailed)
    def invalid(exc):
        return _error(422, exc.errors)

    @app.errorhandler(SchemaError)
    def invalid_schema(exc):
        return _error(422, exc.messages)

    return app
