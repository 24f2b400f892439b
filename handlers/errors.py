"""The one table that turns every error into the envelope of API-MAP.md.

A 422 whose messages state business rules the spec documents (its `DomainRule` codes) also names them:
`{"success": false, "code": 422, "error": {field: [message, ...]}, "rules": {field: [code, ...]}}`, one code
per such message, in order; a field none of whose messages states one is left out of `rules`.
"""

import logging

from connexion.exceptions import ProblemException
from connexion.lifecycle import ConnexionResponse
from marshmallow import ValidationError as SchemaError
from sqlalchemy.exc import DBAPIError
from starlette.exceptions import HTTPException
from starlette.formparsers import MultiPartException

from personas.domain.errors import Forbidden, NotFound, RateLimited, Rule, ValidationFailed
from personas.domain.providers.messaging import DeliveryFailed
from personas.persistence.repositories.paging import InvalidCursor
from personas.persistence.retry import CommitOutcomeUnknown, is_conflict, is_unavailable

log = logging.getLogger("personas.errors")

MESSAGES = {
    400: "Bad request",
    403: "Failed authorization",
    404: "Not found",
    405: "Method not allowed",
    406: "Not acceptable",
    413: "Payload too large",
    415: "Unsupported media type",
    422: "Validation failed",
    429: "Too many requests",
    500: "Internal server error",
    501: "Not implemented",
    503: "Service unavailable",
}


class FieldErrors(ProblemException):
    """A request body that breaks the spec's schema: 422 with the field map."""

    def __init__(self, errors: dict[str, list[str]]):
        super().__init__(status=422, title="Unprocessable Entity", detail="Validation failed")
        self.errors = errors


class PayloadTooLarge(ProblemException):
    def __init__(self, detail: str = "Payload too large"):
        super().__init__(status=413, title="Payload Too Large", detail=detail)


def _rules(error: dict) -> dict[str, list[str]]:
    found = {}
    for field, messages in error.items():
        codes = [m.code for m in (messages if isinstance(messages, list) else [messages]) if isinstance(m, Rule)]
        if codes:
            found[field] = codes
    return found


def error_body(status: int, error) -> dict:
    body = {"success": False, "code": status, "error": error}
    rules = _rules(error) if status == 422 and isinstance(error, dict) else None
    if rules:
        body["rules"] = rules
    return body


def error_response(status: int, error, headers: dict | None = None) -> ConnexionResponse:
    import orjson

    body = orjson.dumps(error_body(status, error))
    return ConnexionResponse(status_code=status, body=body, mimetype="application/json", headers=headers or {})


def _problem(_request, exc: ProblemException):
    status = exc.status
    if status == 401:
        # The seed answers every credential problem with 403 and this wording.
        status = 403
    if isinstance(exc, FieldErrors):
        return error_response(422, exc.errors)
    if status in (403, 404, 405, 501) or not exc.detail:
        return error_response(status, MESSAGES.get(status, exc.title or "Error"), dict(exc.headers or {}))
    # jsonschema appends the whole failing schema after a blank line; the first part says it all.
    return error_response(status, str(exc.detail).split("\n\n", 1)[0])


def _http(_request, exc: HTTPException):
    status = exc.status_code
    return error_response(status, MESSAGES.get(status, str(exc.detail)), dict(exc.headers or {}))


def _validation(_request, exc: ValidationFailed):
    return error_response(422, exc.errors)


def _schema(_request, exc: SchemaError):
    messages = exc.messages if isinstance(exc.messages, dict) else {"_schema": exc.messages}
    return error_response(422, messages)


def _not_found(_request, exc: NotFound):
    return error_response(404, exc.message or MESSAGES[404])


def _rate_limited(_request, exc: RateLimited):
    return error_response(429, exc.message or MESSAGES[429], {"Retry-After": str(exc.retry_after)})


def _forbidden(_request, exc: Forbidden):
    detail = f"{MESSAGES[403]}: {exc.message}" if exc.message else MESSAGES[403]
    return error_response(403, detail)


def _multipart(_request, exc: MultiPartException):
    # Starlette refuses oversized multipart parts before any handler runs.
    status = 413 if "maximum size" in str(exc) else 400
    return error_response(status, str(exc) or MESSAGES[status])


def _delivery_failed(_request, exc: DeliveryFailed):
    log.warning("provider delivery failed: %s", exc)
    return error_response(503, "El proveedor no pudo entregar el mensaje / The provider could not deliver the message")


def _invalid_cursor(_request, exc: InvalidCursor):
    return error_response(400, InvalidCursor.MESSAGE)


UNAVAILABLE = "La base de datos no está disponible por ahora; reintente / The database is unavailable for now; retry"


def _database(request, exc: Exception):
    # A node down or a failover under way, or a conflict that outlived its retries: nothing was left
    # half-done, and the same request can be sent again.
    if is_unavailable(exc) or is_conflict(exc):
        log.warning("database unavailable on %s %s: %s", request.method, request.url.path, type(exc).__name__)
        return error_response(503, UNAVAILABLE, {"Retry-After": "1"})
    return _unexpected(request, exc)


def _unexpected(request, exc: Exception):
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return error_response(500, MESSAGES[500])


def register(app) -> None:
    app.add_error_handler(ProblemException, _problem)
    app.add_error_handler(HTTPException, _http)
    app.add_error_handler(ValidationFailed, _validation)
    app.add_error_handler(SchemaError, _schema)
    app.add_error_handler(NotFound, _not_found)
    app.add_error_handler(RateLimited, _rate_limited)
    app.add_error_handler(Forbidden, _forbidden)
    app.add_error_handler(MultiPartException, _multipart)
    app.add_error_handler(DeliveryFailed, _delivery_failed)
    app.add_error_handler(InvalidCursor, _invalid_cursor)
    app.add_error_handler(DBAPIError, _database)
    app.add_error_handler(CommitOutcomeUnknown, _database)
    app.add_error_handler(Exception, _unexpected)
