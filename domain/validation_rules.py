"""The shape of a validation's `config`, per class; `check_config` returns it normalised or raises 422.

- `curp`, `rfc`, `ine`, `anti_spoofing`, `face_duplicity`: nothing to configure (`{}`; `type` may repeat the class).
- `blacklist`: `catalog_id`, the custom catalog whose values are the operator's list, and/or `lists`, the
  names of loaded watch lists screened by approximate name matching, with `min_score` (0-100).
- `external`: `url` (http/https), `method` (GET, POST, PUT, PATCH; POST by default), `headers` (strings),
  `body` (an object template whose strings may hold `${field}` placeholders, or a list of field names),
  `success_if` (see domain.success_if; "true" by default) and `target` (`person` or `address`).
- `document`: as `external`, plus `collection` (the files sent) and `file_field_name` (the multipart field).
"""

import uuid
from urllib.parse import urlsplit

from personas.domain import success_if
from personas.domain.errors import Rule, Text, ValidationFailed

CLASSES = ("curp", "rfc", "blacklist", "document", "external", "ine", "anti_spoofing", "face_duplicity")
HTTP_CLASSES = ("external", "document")
PERSON_ONLY = ("curp", "rfc", "blacklist", "ine", "anti_spoofing", "face_duplicity")
METHODS = ("GET", "POST", "PUT", "PATCH")
TARGETS = ("person", "address")
_COMMON = {"type"}
_KEYS = {
    **dict.fromkeys(("curp", "rfc", "ine", "anti_spoofing", "face_duplicity"), _COMMON),
    "blacklist": _COMMON | {"catalog_id", "lists", "min_score"},
    "external": _COMMON | {"url", "method", "headers", "body", "success_if", "target"},
    "document": _COMMON | {"url", "method", "headers", "body", "success_if", "target", "collection", "file_field_name"},
}

# Rules of each class's config: the spec's one ValidationConfig lists every class's fields at once (it does
# state `method` and `target`, whose messages carry no code).
UNKNOWN_KEY = Rule("validation_config", "Campo no admitido para esta clase", "Not a field of this class's config")
REQUIRED = Rule("validation_config", "Campo obligatorio", "Required field")
WRONG_TYPE = Rule("validation_config", "Debe ser igual a la clase ({})", "Must equal the class ({})")
BAD_URL = Rule("validation_config", "Debe ser una URL http o https absoluta", "Must be an absolute http or https URL")
BAD_METHOD = Text("Método no admitido; debe ser uno de: {}", "Method must be one of: {}").format(", ".join(METHODS))
BAD_HEADERS = Rule("validation_config", "Debe ser un objeto de textos", "Must be an object of strings")
BAD_BODY = Rule(
    "validation_config",
    "Debe ser un objeto, o una lista de nombres de campo",
    "Must be an object, or a list of field names",
)
BAD_TEXT = Rule("validation_config", "Debe ser un texto no vacío", "Must be a non-empty string")
BAD_CATALOG = Rule("validation_config", "Debe ser el id de un catálogo personalizado", "Must be a custom catalog id")
BAD_TARGET = Text("Debe ser person o address", "Must be person or address")
NOT_AN_OBJECT = Text("Debe ser un objeto", "Must be an object")
BAD_EXPRESSION = Rule("success_if_expression", "Expresión inválida: {}", "Invalid expression: {}")


def _text(value) -> bool:
    return isinstance(value, str) and value.strip() != ""


def _catalog_id(value) -> str | None:
    """A custom catalog id (a UUID in its hyphenated form, either case) in lower case, as the catalogs' ids are
    written; None if it is not one."""
    if not isinstance(value, str):
        return None
    try:
        canonical = str(uuid.UUID(value))
    except ValueError:
        return None
    # uuid.UUID also reads braces, a urn: prefix and no hyphens; the spec's Uuid is the hyphenated form only.
    return canonical if canonical == value.lower() else None


def _check_http(config: dict, errors: dict) -> dict:
    url = config.get("url")
    if url is None:
        errors["config.url"] = [REQUIRED]
    elif not (_text(url) and urlsplit(url).scheme.lower() in ("http", "https") and urlsplit(url).netloc):
        errors["config.url"] = [BAD_URL]
    method = str(config.get("method", "POST")).upper()
    if method not in METHODS:
        errors["config.method"] = [BAD_METHOD]
    # `[]` (as the seed shows) means none and is kept as sent.
    headers = config.get("headers", {})
    header_values = headers.values() if isinstance(headers, dict) else [None] if headers != [] else []
    if not all(isinstance(v, str) for v in header_values):
        errors["config.headers"] = [BAD_HEADERS]
    body = config.get("body", {})
    if not isinstance(body, dict) and not (isinstance(body, list) and all(_text(f) for f in body)):
        errors["config.body"] = [BAD_BODY]
    expression = config.get("success_if", "true")
    try:
        success_if.parse(expression)
    except success_if.ExpressionError as exc:
        errors["config.success_if"] = [BAD_EXPRESSION.format(exc.args[0])]
    if config.get("target", "person") not in TARGETS:
        errors["config.target"] = [BAD_TARGET]
    checked = {"url": url, "method": method, "headers": headers, "body": body, "success_if": expression}
    return checked | {"target": config.get("target", "person")}


def _check_document(config: dict, errors: dict) -> dict:
    if not _text(config.get("collection")):
        errors["config.collection"] = [REQUIRED if config.get("collection") is None else BAD_TEXT]
    field = config.get("file_field_name", "document")
    if not _text(field):
        errors["config.file_field_name"] = [BAD_TEXT]
    return {"collection": config.get("collection"), "file_field_name": field}


BAD_LISTS = Rule(
    "validation_config",
    "Debe ser una lista de nombres de listas, sin repetir",
    "Must be a list of watch-list names, without repeats",
)
BAD_SCORE = Rule("validation_config", "Debe ser un número de 0 a 100", "Must be a number from 0 to 100")


def _check_blacklist(config: dict, errors: dict) -> dict:
    """A custom catalog (exact comparison), watch lists (approximate names), or both; one is required."""
    checked: dict = {}
    catalog, lists = config.get("catalog_id"), config.get("lists")
    if catalog is None and not lists:
        errors["config.catalog_id"] = [REQUIRED]
    elif catalog is not None:
        if _catalog_id(catalog) is None:
            errors["config.catalog_id"] = [BAD_CATALOG]
        checked["catalog_id"] = _catalog_id(catalog) or catalog
    if lists is not None:
        fine = isinstance(lists, list) and all(isinstance(n, str) and 0 < len(n) <= 64 for n in lists)
        if not fine or len(set(lists)) != len(lists) or len(lists) > 20:
            errors["config.lists"] = [BAD_LISTS]
        checked["lists"] = lists
    if "min_score" in config:
        score = config["min_score"]
        if isinstance(score, bool) or not isinstance(score, int | float) or not 0 <= score <= 100:
            errors["config.min_score"] = [BAD_SCORE]
        checked["min_score"] = score
    return checked


def check_config(klass: str, config) -> dict:
    """The config normalised (defaults filled, `type` set to the class); 422 naming each wrong field."""
    if not isinstance(config, dict):
        raise ValidationFailed({"config": [NOT_AN_OBJECT]})
    errors: dict[str, list[str]] = {}
    for key in sorted(set(config) - _KEYS[klass]):
        errors[f"config.{key}"] = [UNKNOWN_KEY]
    if config.get("type", klass) != klass:
        errors["config.type"] = [WRONG_TYPE.format(klass)]
    checked: dict = {"type": klass}
    if klass == "blacklist":
        checked |= _check_blacklist(config, errors)
    if klass in HTTP_CLASSES:
        checked |= _check_http(config, errors)
    if klass == "document":
        checked |= _check_document(config, errors)
    if errors:
        raise ValidationFailed(errors)
    return checked


def target_of(klass: str, config: dict) -> str:
    """What a validation runs on: `person`, or `address` for HTTP validations that say so."""
    return config.get("target", "person") if klass in HTTP_CLASSES else "person"
