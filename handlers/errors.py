"""The one table that turns every error into the envelope of API-MAP.md.

A 422 whose messages state business rules the spec documents (its `DomainRule` codes) also names them:
`{"success": false, "code": 422, "error": {field: [message, ...]}, "rules": {field: [code, ...]}}`, one code
per such message, in order; a field none of whose messages states one is left out of `rules`.

Messages are written in Spanish and English (`domain.errors.Text`); an answer carries the one its request's
`Accept-Language` asks for (`handlers.language`), and says so in `Content-Language`.
"""

import logging

from connexion.exceptions import ProblemException
from connexion.lifecycle import ConnexionResponse
from marshmallow import ValidationError as SchemaError
from sqlalchemy.exc import DBAPIError
from starlette.exceptions import HTTPException
from starlette.formparsers import MultiPartException

from personas.domain.errors import (
    Forbidden,
    NotFound,
    RateLimited,
    Rule,
    Text,
    Unavailable,
    ValidationFailed,
    in_language,
)
from personas.domain.providers.messaging import DeliveryFailed
from personas.handlers.language import DEFAULT, HEADER, answer_headers, negotiate, of_scope
from personas.persistence.repositories.paging import InvalidCursor
from personas.persistence.retry import CommitOutcomeUnknown, is_conflict, is_unavailable

log = logging.getLogger("personas.errors")

MESSAGES = {
    400: Text("Petición mal formada", "Bad request"),
    # The seed's wording for every credential problem, the same in both languages (API-MAP.md).
    403: "Failed authorization",
    404: Text("No encontrado", "Not found"),
    405: Text("Método no permitido", "Method not allowed"),
    406: Text("No aceptable", "Not acceptable"),
    413: Text("Cuerpo demasiado grande", "Payload too large"),
    415: Text("Tipo de contenido no admitido", "Unsupported media type"),
    422: Text("Datos inválidos", "Validation failed"),
    429: Text("Demasiadas peticiones", "Too many requests"),
    500: Text("Error interno del servidor", "Internal server error"),
    501: Text("No implementado", "Not implemented"),
    503: Text("Servicio no disponible", "Service unavailable"),
}
UNSUPPORTED_TYPE = Text("Tipo de contenido no admitido: {}", "Unsupported media type: {}")
LACKS_SCOPE = Text("Failed authorization: {}", "Failed authorization: {}")
BAD_MULTIPART = Text(
    "Formulario multipart mal formado o con demasiadas partes", "Malformed multipart form, or one with too many parts"
)
PART_TOO_LARGE = Text(
    "Una parte del formulario excede el tamaño permitido", "A part of the form exceeds the size allowed"
)
OUTSIDE_FAILURE = Text("Servicio no disponible ({})", "Service unavailable ({})")
NOT_DELIVERED = Text("El proveedor no pudo entregar el mensaje", "The provider could not deliver the message")
UNAVAILABLE = Text(
    "La base de datos no está disponible por ahora; reintente", "The database is unavailable for now; retry"
)
MARSHMALLOW = {
    "Missing data for required field.": Text("Campo requerido", "Missing required field"),
    "Field may not be null.": Text("No puede ser null", "Must not be null"),
    "Unknown field.": Text("Campo no permitido", "Unknown field"),
    "Not a valid string.": Text("Debe ser un texto", "Must be a string"),
    "Not a valid integer.": Text("Debe ser un entero", "Must be an integer"),
    "Not a valid number.": Text("Debe ser un número", "Must be a number"),
    "Not a valid boolean.": Text("Debe ser true o false", "Must be true or false"),
    "Not a valid date.": Text("Debe ser una fecha AAAA-MM-DD", "Must be a YYYY-MM-DD date"),
    "Not a valid datetime.": Text("Debe ser una fecha y hora ISO 8601", "Must be an ISO 8601 date-time"),
    "Not a valid mapping type.": Text("Debe ser un objeto", "Must be an object"),
    "Not a valid list.": Text("Debe ser una lista", "Must be an array"),
    "Invalid input type.": Text("Debe ser un objeto", "Must be an object"),
}
# What Connexion's own validators say in English, for the cases the validators here leave to them.
CONNEXION_DETAILS = {
    "RequestBody is required": Text("El cuerpo de la petición es obligatorio", "The request body is required"),
    "Request body must not be empty": Text(
        "El cuerpo de la petición no puede estar vacío", "The request body must not be empty"
    ),
}


class FieldErrors(ProblemException):
    """A request body that breaks the spec's schema: 422 with the field map."""

    def __init__(self, errors: dict[str, list[str]]):
        super().__init__(status=422, title="Unprocessable Entity", detail="Validation failed")
        self.errors = errors


class PayloadTooLarge(ProblemException):
    def __init__(self, detail: str = MESSAGES[413]):
        super().__init__(status=413, title="Payload Too Large", detail=detail)


def _rules(error: dict) -> dict[str, list[str]]:
    found = {}
    for field, messages in error.items():
        codes = [m.code for m in (messages if isinstance(messages, list) else [messages]) if isinstance(m, Rule)]
        if codes:
            found[field] = codes
    return found


def error_body(status: int, error, language: str = DEFAULT) -> dict:
    """The envelope, its messages in `language` (the rules are read before: a rendered message has no code)."""
    rules = _rules(error) if status == 422 and isinstance(error, dict) else None
    body = {"success": False, "code": status, "error": in_language(error, language)}
    if rules:
        body["rules"] = rules
    return body


def error_response(status: int, error, language: str, headers: dict | None = None) -> ConnexionResponse:
    import orjson

    body = orjson.dumps(error_body(status, error, language))
    headers = {**(headers or {}), **answer_headers(language)}
    return ConnexionResponse(status_code=status, body=body, mimetype="application/json", headers=headers)


def asgi_answer(scope, status: int, error, extra_headers: tuple = ()) -> tuple[bytes, list[tuple[bytes, bytes]]]:
    """The envelope as a middleware that answers before Connexion's error handlers sends it: body and headers."""
    import orjson

    asked = of_scope(scope)
    body = orjson.dumps(error_body(status, error, asked))
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    headers += [(name.lower().encode(), value.encode()) for name, value in answer_headers(asked).items()]
    return body, [*headers, *extra_headers]


def _language(request) -> str:
    return negotiate(request.headers.get(HEADER))


def _problem(request, exc: ProblemException):
    status, asked = exc.status, _language(request)
    if status == 401:
        # The seed answers every credential problem with 403 and this wording.
        status = 403
    if isinstance(exc, FieldErrors):
        return error_response(422, exc.errors, asked)
    if isinstance(exc.detail, Text) and status not in (403, 404):
        return error_response(status, exc.detail, asked)
    if status == 415:
        return error_response(status, UNSUPPORTED_TYPE.format(request.headers.get("content-type", "")[:100]), asked)
    if status in (502, 503, 504) and exc.detail:
        # An outside service's failure (face match, e-signature): its reason is a diagnostic, kept as it is.
        return error_response(status, OUTSIDE_FAILURE.format(exc.detail), asked, dict(exc.headers or {}))
    # Anything else Connexion words in English (and jsonschema with the failing schema): the status says it.
    detail = CONNEXION_DETAILS.get(exc.detail) if status == 400 else None
    return error_response(status, detail or MESSAGES.get(status, exc.title or "Error"), asked, dict(exc.headers or {}))


def _http(request, exc: HTTPException):
    status = exc.status_code
    return error_response(status, MESSAGES.get(status, str(exc.detail)), _language(request), dict(exc.headers or {}))


def _validation(request, exc: ValidationFailed):
    # A handler may pass a marshmallow error's messages on (a temporary person's stored parts).
    return error_response(422, _marshmallow_words(exc.errors), _language(request))


def _marshmallow_words(messages):
    """Marshmallow's default English messages as Texts (the handlers' own ones are Texts already)."""
    if isinstance(messages, dict):
        return {field: _marshmallow_words(value) for field, value in messages.items()}
    if isinstance(messages, list):
        return [_marshmallow_words(value) for value in messages]
    return MARSHMALLOW.get(messages, messages) if isinstance(messages, str) else messages


def _schema(request, exc: SchemaError):
    messages = exc.messages if isinstance(exc.messages, dict) else {"_schema": exc.messages}
    return error_response(422, _marshmallow_words(messages), _language(request))


def _not_found(request, exc: NotFound):
    return error_response(404, exc.message or MESSAGES[404], _language(request))


def _rate_limited(request, exc: RateLimited):
    headers = {"Retry-After": str(exc.retry_after)}
    return error_response(429, exc.message or MESSAGES[429], _language(request), headers)


def _unavailable(request, exc: Unavailable):
    headers = {"Retry-After": str(exc.retry_after)}
    return error_response(503, exc.message or MESSAGES[503], _language(request), headers)


def _forbidden(request, exc: Forbidden):
    detail = LACKS_SCOPE.format(exc.message) if exc.message else MESSAGES[403]
    return error_response(403, detail, _language(request))


def _multipart(request, exc: MultiPartException):
    # Starlette refuses oversized multipart parts before any handler runs.
    too_large = "maximum size" in str(exc)
    return error_response(413 if too_large else 400, PART_TOO_LARGE if too_large else BAD_MULTIPART, _language(request))


def _delivery_failed(request, exc: DeliveryFailed):
    log.warning("provider delivery failed: %s", exc)
    return error_response(503, NOT_DELIVERED, _language(request))


def _invalid_cursor(request, exc: InvalidCursor):
    return error_response(400, InvalidCursor.MESSAGE, _language(request))


def _database(request, exc: Exception):
    # A node down or a failover under way, or a conflict that outlived its retries: nothing was left
    # half-done, and the same request can be sent again.
    if is_unavailable(exc) or is_conflict(exc):
        log.warning("database unavailable on %s %s: %s", request.method, request.url.path, type(exc).__name__)
        return error_response(503, UNAVAILABLE, _language(request), {"Retry-After": "1"})
    return _unexpected(request, exc)


def _unexpected(request, exc: Exception):
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return error_response(500, MESSAGES[500], _language(request))


def register(app) -> None:
    app.add_error_handler(ProblemException, _problem)
    app.add_error_handler(HTTPException, _http)
    app.add_error_handler(ValidationFailed, _validation)
    app.add_error_handler(SchemaError, _schema)
    app.add_error_handler(NotFound, _not_found)
    app.add_error_handler(RateLimited, _rate_limited)
    app.add_error_handler(Forbidden, _forbidden)
    app.add_error_handler(Unavailable, _unavailable)
    app.add_error_handler(MultiPartException, _multipart)
    app.add_error_handler(DeliveryFailed, _delivery_failed)
    app.add_error_handler(InvalidCursor, _invalid_cursor)
    app.add_error_handler(DBAPIError, _database)
    app.add_error_handler(CommitOutcomeUnknown, _database)
    app.add_error_handler(Exception, _unexpected)
