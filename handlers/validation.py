"""Request validation tuned for this service, through Connexion's `validator_map`.

- Validators are compiled once per schema, not on every request.
- Formats Connexion's Draft 4 checker ignores (uuid, date, date-time) are checked.
- A body that breaks its schema is a 422 with a field map; undecodable bodies are 400, oversized 413.
- Every message names the field or parameter and says what it should be, in both languages
  (`handlers.schema_messages`); the error handlers answer in the one the request asks for.
- Size and nesting depth are capped by `Settings.max_json_body` and `max_json_depth`, which the app
  factory passes to `validator_map`; the depth is checked on the text before any parser sees it (a deep
  body would exhaust the stack of the parsers behind this one: Flask's json, jsonschema, repr).
"""

import copy
import re
import uuid
from datetime import date, datetime

import orjson
from connexion.datastructures import MediaTypeDict
from connexion.exceptions import BadRequestProblem
from connexion.json_schema import Draft4RequestValidator
from connexion.utils import is_null, is_nullable
from connexion.validators import VALIDATOR_MAP, FormDataValidator, JSONRequestBodyValidator, MultiPartFormDataValidator
from connexion.validators import parameter as connexion_parameters
from jsonschema import Draft4Validator, FormatChecker
from jsonschema.exceptions import best_match

from personas.domain import emails, json_depth
from personas.domain.errors import Text
from personas.handlers.errors import FieldErrors, PayloadTooLarge
from personas.handlers.schema_messages import describe, fields_of

FORMATS = FormatChecker(formats=())
TOO_LARGE = Text("El cuerpo JSON admite hasta {} bytes", "JSON bodies are limited to {} bytes")
BAD_JSON = Text("JSON inválido en la línea {}, columna {}", "Invalid JSON at line {}, column {}")
EMPTY_BODY = Text("El cuerpo de la petición no puede estar vacío", "The request body must not be empty")
NOT_A_FORM = Text("El cuerpo debe ser un formulario", "The body must be a form")
MISSING_PARAMETER = Text("{}: falta este parámetro, que es obligatorio", "{}: this parameter is required")
UNKNOWN_PARAMETERS = Text("{}: parámetro no admitido por esta operación", "{}: not a parameter of this operation")
NAMED = Text("{}: {}", "{}: {}")


@FORMATS.checks("uuid", raises=ValueError)
def _uuid(value) -> bool:
    return not isinstance(value, str) or str(uuid.UUID(value)) == value.lower()


@FORMATS.checks("date", raises=ValueError)
def _date(value) -> bool:
    return not isinstance(value, str) or bool(date.fromisoformat(value)) and len(value) == 10


_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([Zz]|[+-]\d{2}:\d{2})?$")


@FORMATS.checks("date-time", raises=ValueError)
def _datetime(value) -> bool:
    if not isinstance(value, str):
        return True
    if not _DATETIME.match(value):
        raise ValueError("not an ISO-8601 date-time")
    return bool(datetime.fromisoformat(value.replace("z", "Z").replace("Z", "+00:00")))


@FORMATS.checks("email", raises=emails.EmailNotValidError)
def _email(value) -> bool:
    # The domain's definition (domain/emails.py), so the spec refuses exactly what the use cases would.
    return not isinstance(value, str) or bool(emails.normalise(value))


def field_errors(errors) -> dict[str, list[Text]]:
    """jsonschema's errors as the 422's field map: each field's messages, each said once."""
    found: dict[str, list[Text]] = {}
    for error in errors:
        message = describe(error)
        for field in fields_of(error):
            messages = found.setdefault(field, [])
            if message not in messages:
                messages.append(message)
    return found


def named(name: str, message: Text) -> Text:
    """`per_page: debe ser ...`: a message about one parameter or form field, for a 400's single text."""
    return NAMED.format(name, Text(message.es[:1].lower() + message.es[1:], message.en[:1].lower() + message.en[1:]))


class BodyValidator(JSONRequestBodyValidator):
    # Bytes and nesting levels a body may have; `validator_map` sets both from the app's settings.
    max_body: int
    max_depth: int

    # Connexion hands the same schema dict to every request of an operation; keeping the dict in
    # the cache entry makes sure its id is never reused by another schema.
    _compiled: dict[int, tuple[dict, Draft4RequestValidator]] = {}

    @property
    def _validator(self):
        entry = self._compiled.get(id(self._schema))
        if entry is None or entry[0] is not self._schema:
            entry = (self._schema, Draft4RequestValidator(self._schema, format_checker=FORMATS))
            self._compiled[id(self._schema)] = entry
        return entry[1]

    async def _parse(self, stream, scope):
        limit, max_depth = self.max_body, self.max_depth
        chunks, size = [], 0
        async for chunk in stream:
            size += len(chunk)
            if size > limit:
                raise PayloadTooLarge(TOO_LARGE.format(limit))
            chunks.append(chunk)
        raw = b"".join(chunks)
        if not raw.strip():
            return None
        try:
            json_depth.check(raw, max_depth)
            return orjson.loads(raw)
        except json_depth.TooDeep as exc:
            raise BadRequestProblem(detail=exc.args[0]) from None
        except orjson.JSONDecodeError as exc:
            raise BadRequestProblem(detail=BAD_JSON.format(exc.lineno, exc.colno)) from None

    def _validate(self, body):
        if not self._nullable and body is None:
            raise BadRequestProblem(detail=EMPTY_BODY)
        errors = field_errors(self._validator.iter_errors(body))
        if errors:
            raise FieldErrors(errors)
        return body


class ParameterValidator(connexion_parameters.ParameterValidator):
    """Connexion's parameter checks, with each parameter's JSON Schema validator built once, and messages
    that name the parameter (`per_page: debe ser un entero entre 1 y 100`).

    Connexion 3.3 deep-copies the parameter and builds a new Draft 4 validator for every parameter of
    every request; the checks are the same here, the validators are kept.
    """

    _compiled: dict[int, tuple[dict, Draft4Validator]] = {}

    @classmethod
    def _validator_of(cls, param: dict) -> Draft4Validator:
        entry = cls._compiled.get(id(param))
        if entry is None or entry[0] is not param:
            schema = copy.deepcopy(param.get("schema", param))
            entry = (param, Draft4Validator(schema, format_checker=connexion_parameters.draft4_format_checker))
            cls._compiled[id(param)] = entry
        return entry[1]

    def validate_parameter(self, parameter_type, value, param, param_name=None):
        if is_nullable(param) and is_null(value):
            return None
        if value is not None:
            error = best_match(self._validator_of(param).iter_errors(value))
            if error is None:
                return None
            return named(".".join([param["name"], *map(str, error.absolute_path)]), describe(error))
        if param.get("required"):
            return MISSING_PARAMETER.format(param["name"])
        return None

    def validate_query_parameter_list(self, request, security_params=None):
        extra = super().validate_query_parameter_list(request, security_params)
        if extra:
            # Raised here, where the names are at hand: Connexion's own error words them in English.
            raise BadRequestProblem(detail=UNKNOWN_PARAMETERS.format(", ".join(sorted(extra))))
        return extra


class FormValidator(FormDataValidator):
    """Connexion's form body checks (multipart and urlencoded), with messages that name the form field."""

    def _validate(self, body):
        if not isinstance(body, dict):
            raise BadRequestProblem(detail=NOT_A_FORM)
        if self._strict_validation:
            extra = set(body) - set(self._schema.get("properties", {}))
            if extra:
                raise BadRequestProblem(detail=UNKNOWN_PARAMETERS.format(", ".join(sorted(extra))))
        errors = field_errors(self._validator.iter_errors(body))
        if errors:
            field, messages = next(iter(errors.items()))
            raise BadRequestProblem(detail=named(field, messages[0]))


class MultiPartFormValidator(FormValidator, MultiPartFormDataValidator):
    """The same checks, on a multipart body (Connexion's parser for it)."""


def validator_map(max_body: int, max_depth: int) -> dict:
    limited = type("BodyValidator", (BodyValidator,), {"max_body": max_body, "max_depth": max_depth})
    body = MediaTypeDict(
        {
            **VALIDATOR_MAP["body"],
            "*/*json": limited,
            "application/x-www-form-urlencoded": FormValidator,
            "multipart/form-data": MultiPartFormValidator,
        }
    )
    return {**VALIDATOR_MAP, "parameter": ParameterValidator, "body": body}
