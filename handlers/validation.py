"""Request validation tuned for this service, through Connexion's `validator_map`.

- Validators are compiled once per schema, not on every request.
- Formats Connexion's Draft 4 checker ignores (uuid, date, date-time) are checked.
- A body that breaks its schema is a 422 with a field map; undecodable bodies are 400, oversized 413.
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
from connexion.validators import VALIDATOR_MAP, JSONRequestBodyValidator
from connexion.validators import parameter as connexion_parameters
from email_validator import EmailNotValidError, validate_email
from jsonschema import Draft4Validator, FormatChecker
from jsonschema.exceptions import ValidationError, best_match

from personas.domain import json_depth
from personas.domain.errors import Rule
from personas.handlers.errors import FieldErrors, PayloadTooLarge

FORMATS = FormatChecker(formats=())
# email-validator refuses some addresses the spec's pattern allows (special-use domains, ...); the message
# stays jsonschema's own.
EMAIL_REFUSED = Rule("invalid_email", "{}")


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


@FORMATS.checks("email", raises=EmailNotValidError)
def _email(value) -> bool:
    # Syntax only: special-use domains (example.com's kin, .test) are still addresses to the spec.
    return not isinstance(value, str) or bool(
        validate_email(value, check_deliverability=False, globally_deliverable=False, test_environment=True)
    )


def _field(error) -> str:
    path = [str(p) for p in error.absolute_path]
    if error.validator == "required":
        missing = re.match(r"'(.+?)' is a required property", error.message)
        if missing:
            path.append(missing.group(1))
    if error.validator == "additionalProperties":
        extra = re.findall(r"'(.+?)'", error.message)
        return ".".join(path + extra[:1]) or "_body"
    return ".".join(path) or "_body"


def _message(error) -> str:
    if error.validator in ("anyOf", "oneOf") and error.context:
        # The instance's repr says nothing; the closest alternative's own error does.
        return _message(best_match(error.context))
    if error.validator == "additionalProperties":
        return "Campo no permitido / Unknown field"
    if error.validator == "required":
        return "Campo requerido / Missing required field"
    text = error.message if len(error.message) < 300 else error.message[:300] + "..."
    return EMAIL_REFUSED.format(text) if error.validator == "format" and error.validator_value == "email" else text


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
                raise PayloadTooLarge(f"JSON bodies are limited to {limit} bytes")
            chunks.append(chunk)
        raw = b"".join(chunks)
        if not raw.strip():
            return None
        try:
            json_depth.check(raw, max_depth)
            return orjson.loads(raw)
        except json_depth.TooDeep as exc:
            raise BadRequestProblem(detail=str(exc)) from None
        except orjson.JSONDecodeError as exc:
            raise BadRequestProblem(detail=f"Invalid JSON body: {exc}") from None

    def _validate(self, body):
        if not self._nullable and body is None:
            raise BadRequestProblem(detail="Request body must not be empty")
        errors: dict[str, list[str]] = {}
        for error in self._validator.iter_errors(body):
            errors.setdefault(_field(error), []).append(_message(error))
        if errors:
            raise FieldErrors(errors)
        return body


class ParameterValidator(connexion_parameters.ParameterValidator):
    """Connexion's parameter checks, with each parameter's JSON Schema validator built once.

    Connexion 3.3 deep-copies the parameter and builds a new Draft 4 validator for every parameter of
    every request; the checks and their messages are the same here, the validators are kept.
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
            try:
                self._validator_of(param).validate(value)
            except ValidationError as exception:
                return str(exception)
            return None
        if param.get("required"):
            return f"Missing {parameter_type} parameter '{param['name']}'"
        return None


def validator_map(max_body: int, max_depth: int) -> dict:
    limited = type("BodyValidator", (BodyValidator,), {"max_body": max_body, "max_depth": max_depth})
    body = MediaTypeDict({**VALIDATOR_MAP["body"], "*/*json": limited})
    return {**VALIDATOR_MAP, "parameter": ParameterValidator, "body": body}
