"""What a value that breaks the spec's JSON Schema should have been, in the API's terms and both languages.

jsonschema's own messages quote the value and the schema (`'abc' does not match '^[0-9]{18}$'`); a client
needs the rule instead. Each message is made from the failing keyword and the schema around it: a number
says its whole range (`debe ser un entero entre 1 y 100`), a text its lengths, an enum its values, a format
what it looks like. A pattern says what it stands for (PATTERNS); a pattern missing from the table falls
back to the schema's format, then to "does not have the expected format", never to the regex itself.
"""

import re

from jsonschema.exceptions import best_match

from personas.domain.errors import Rule, Text

REQUIRED = Text("Campo requerido", "Missing required field")
UNKNOWN_FIELD = Text("Campo no permitido", "Unknown field")
NOT_NULL = Text("No puede ser null", "Must not be null")
UNEXPECTED_FORM = Text("No tiene la forma esperada", "Does not have the expected form")
BAD_FORMAT = Text("No tiene el formato esperado", "Does not have the expected format")
READ_ONLY = Text("Campo de solo lectura", "Read-only field")
VALID_EMAIL = ("Debe ser un correo electrónico válido", "Must be a valid email address")
# The `email` format refuses some addresses the spec's pattern allows (domain.emails): a rule of its own.
EMAIL_REFUSED = Rule("invalid_email", *VALID_EMAIL)

FORMATS = {
    "uuid": Text(
        "Debe ser un UUID (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx, hexadecimal)",
        "Must be a UUID (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx, hexadecimal)",
    ),
    "date": Text("Debe ser una fecha existente AAAA-MM-DD", "Must be a valid YYYY-MM-DD date"),
    "date-time": Text(
        "Debe ser una fecha y hora ISO 8601 (2022-07-29T19:59:40Z)",
        "Must be an ISO 8601 date-time (2022-07-29T19:59:40Z)",
    ),
    "email": Text(*VALID_EMAIL),
    "binary": Text("Debe ser un archivo", "Must be a file"),
}

# The spec's patterns, by what they stand for (tests/unit/test_schema_messages.py holds every pattern of the
# spec to an entry here or to a format above).
_DATE = "(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])"
_TIME = "([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]"
PATTERNS = {
    "^[A-Za-z0-9]{18}$": Text("Debe ser una CURP: 18 letras y dígitos", "Must be a CURP: 18 letters and digits"),
    "^([A-Za-z&Ññ]{3,4}[0-9]{6}[0-9A-Za-z]{3})?$": Text(
        "Debe ser un RFC: 3 o 4 letras, 6 dígitos de la fecha y 3 caracteres de homoclave",
        "Must be an RFC: 3 or 4 letters, 6 digits of the date and a 3-character homoclave",
    ),
    "^[0-9]{18}$": Text("Debe ser una CLABE de 18 dígitos", "Must be an 18-digit CLABE"),
    "^[0-9]{4,20}$": Text("Debe tener de 4 a 20 dígitos", "Must have 4 to 20 digits"),
    "^[0-9]{12,19}$": Text("Debe tener de 12 a 19 dígitos", "Must have 12 to 19 digits"),
    "^[+-]?[0-9]{1,3}(\\.[0-9]{1,15})?$": Text(
        'Debe ser una coordenada en grados decimales ("-99.1206")',
        'Must be a coordinate in decimal degrees ("-99.1206")',
    ),
    "^[0-9]{5}$": Text("Debe ser un código postal de 5 dígitos", "Must be a 5-digit postal code"),
    "^[0-9]{6}$": Text("Debe ser un código de 6 dígitos", "Must be a 6-digit code"),
    "^[0-9+() .-]+$": Text(
        "Debe ser un teléfono: dígitos, y +, paréntesis, espacios, puntos o guiones",
        "Must be a phone number: digits, and +, parentheses, spaces, dots or hyphens",
    ),
    "^\\+?[0-9 ()-]{7,20}$": Text(
        "Debe ser un teléfono de 7 a 20 caracteres: dígitos, espacios, paréntesis o guiones, con un + opcional al"
        " inicio",
        "Must be a phone number of 7 to 20 characters: digits, spaces, parentheses or hyphens, with an optional"
        " leading +",
    ),
    "^[^\\x00-\\x1F\\x7F]+$": Text("No puede tener caracteres de control", "Must not contain control characters"),
    "^[\\t -~]*$": Text(
        "Solo puede tener caracteres ASCII visibles, espacios y tabuladores",
        "May only contain visible ASCII characters, spaces and tabs",
    ),
    "^[\\x21-\\x7e]+$": Text(
        "Solo puede tener caracteres ASCII visibles, sin espacios",
        "May only contain visible ASCII characters, no spaces",
    ),
    "^[A-Za-z0-9_-]+$": Text("Debe ser un cursor tomado de next_page_url", "Must be a cursor taken from next_page_url"),
    "^[a-z][a-z0-9_]{0,63}$": Text(
        "Debe empezar con una minúscula y seguir con minúsculas, dígitos o _ (hasta 64 caracteres)",
        "Must start with a lowercase letter followed by lowercase letters, digits or _ (up to 64 characters)",
    ),
    "^whsec_[A-Za-z0-9+/=]+$": Text("Debe ser whsec_ seguido de base64", "Must be whsec_ followed by base64"),
    "^[hH][tT][tT][pP][sS]?://[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?(:[0-9]{1,5})?([/?#][!-~]*)?$": Text(
        "Debe ser una URL http o https con un nombre de host o una IPv4, en caracteres ASCII visibles",
        "Must be an http or https URL with a host name or an IPv4 address, in visible ASCII characters",
    ),
    f"^[0-9]{{4}}-{_DATE}(T00:00:00(\\.0+)?Z)?$": Text(
        "Debe ser una fecha AAAA-MM-DD (o AAAA-MM-DDT00:00:00Z)", "Must be a YYYY-MM-DD date (or YYYY-MM-DDT00:00:00Z)"
    ),
    "^(((19|20)[0-9]{2})-((0[13578]|1[02])-(0[1-9]|[12][0-9]|3[01])|(0[469]|11)-(0[1-9]|[12][0-9]|30)|"
    "02-(0[1-9]|1[0-9]|2[0-8]))|(19|20)(0[48]|[2468][048]|[13579][26])-02-29|2000-02-29)(T00:00:00(\\.0+)?Z)?$": Text(
        "Debe ser una fecha existente AAAA-MM-DD de 1900 a 2099 (o AAAA-MM-DDT00:00:00Z)",
        "Must be a valid YYYY-MM-DD date from 1900 to 2099 (or YYYY-MM-DDT00:00:00Z)",
    ),
    "^[0-9]{4}-[0-9]{2}-[0-9]{2}([Tt ][0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]+)?([Zz]|[+-][0-9]{2}:[0-9]{2})?)?$": Text(
        "Debe ser una fecha AAAA-MM-DD o una fecha y hora ISO 8601",
        "Must be a YYYY-MM-DD date or an ISO 8601 date-time",
    ),
    f"^[0-9]{{4}}-{_DATE}T{_TIME}(\\.[0-9]{{1,6}})?(Z|[+-]([01][0-9]|2[0-3]):[0-5][0-9])$": (
        Text(
            "Debe ser una fecha y hora ISO 8601 con zona horaria (2022-07-29T21:54:22Z)",
            "Must be an ISO 8601 date-time with a time zone (2022-07-29T21:54:22Z)",
        )
    ),
}

_KINDS = {
    "integer": ("un entero", "an integer"),
    "number": ("un número", "a number"),
    "string": ("un texto", "a string"),
    "boolean": ("true o false", "true or false"),
    "array": ("una lista", "an array"),
    "object": ("un objeto", "an object"),
    "null": ("null", "null"),
}


def _shown(value) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _number(value) -> str:
    return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)


def _range(schema: dict) -> tuple[str, str]:
    """The bounds of a number schema as words to follow its kind ("" and "" when it has none)."""
    low, high = schema.get("minimum"), schema.get("maximum")
    open_low, open_high = schema.get("exclusiveMinimum") is True, schema.get("exclusiveMaximum") is True
    if low is not None and high is not None and not (open_low or open_high):
        return f" entre {_number(low)} y {_number(high)}", f" between {_number(low)} and {_number(high)}"
    es, en = [], []
    if low is not None:
        es.append(f"mayor {'que' if open_low else 'o igual que'} {_number(low)}")
        en.append(f"greater than {'' if open_low else 'or equal to '}{_number(low)}")
    if high is not None:
        es.append(f"menor {'que' if open_high else 'o igual que'} {_number(high)}")
        en.append(f"less than {'' if open_high else 'or equal to '}{_number(high)}")
    return (" " + " y ".join(es), " " + " and ".join(en)) if es else ("", "")


def _kind(schema: dict) -> Text:
    """What a value of `schema` is, by its type: "un entero entre 1 y 100" / "an integer between 1 and 100"."""
    types = schema.get("type")
    types = types if isinstance(types, list) else [types] if types else []
    es, en = [], []
    for name in types:
        kind = _KINDS.get(name, (name, name))
        low, high = _range(schema) if name in ("integer", "number") else ("", "")
        es.append(kind[0] + low)
        en.append(kind[1] + high)
    if schema.get("nullable") or schema.get("x-nullable"):
        es.append("null")
        en.append("null")
    return Text(" o ".join(es) or "un valor", " or ".join(en) or "a value")


def _counted(schema: dict, low_key: str, high_key: str, unit: tuple[str, str]) -> Text:
    low, high = schema.get(low_key), schema.get(high_key)
    es_unit, en_unit = unit
    if low is not None and low == high:
        return Text(f"Debe tener {low} {es_unit}", f"Must have exactly {low} {en_unit}")
    if low is not None and high is not None:
        return Text(f"Debe tener de {low} a {high} {es_unit}", f"Must have {low} to {high} {en_unit}")
    if high is not None:
        return Text(f"Debe tener como máximo {high} {es_unit}", f"Must have at most {high} {en_unit}")
    if low == 1 and low_key == "minLength":
        return Text("No puede estar vacío", "Must not be empty")
    return Text(f"Debe tener al menos {low} {es_unit}", f"Must have at least {low} {en_unit}")


def _pattern(schema: dict) -> Text:
    found = PATTERNS.get(schema.get("pattern"))
    if found is None and schema.get("format") in FORMATS:
        found = FORMATS[schema["format"]]
    return found or BAD_FORMAT


def describe(error) -> Text:
    """The message of one jsonschema `ValidationError`: what the value should be."""
    keyword, schema = error.validator, error.schema if isinstance(error.schema, dict) else {}
    if keyword in ("anyOf", "oneOf") and error.context:
        # The instance's repr says nothing; the closest alternative's own error does.
        return describe(best_match(error.context))
    if keyword == "required":
        return REQUIRED
    if keyword == "additionalProperties":
        return UNKNOWN_FIELD
    if keyword == "readOnly":
        return READ_ONLY
    if keyword == "type" and error.instance is None:
        return NOT_NULL
    if keyword in ("type", "minimum", "maximum"):
        return Text("Debe ser {}", "Must be {}").format(_kind(schema))
    if keyword == "multipleOf":
        return Text("Debe ser múltiplo de {}", "Must be a multiple of {}").format(_number(error.validator_value))
    if keyword in ("minLength", "maxLength"):
        return _counted(schema, "minLength", "maxLength", ("caracteres", "characters"))
    if keyword in ("minItems", "maxItems"):
        return _counted(schema, "minItems", "maxItems", ("elementos", "items"))
    if keyword in ("minProperties", "maxProperties"):
        return _counted(schema, "minProperties", "maxProperties", ("campos", "fields"))
    if keyword == "uniqueItems":
        return Text("No puede repetir elementos", "Must not repeat items")
    if keyword == "enum":
        values = ", ".join(_shown(value) for value in error.validator_value)
        return Text("Debe ser uno de: {}", "Must be one of: {}").format(values)
    if keyword == "pattern":
        return _pattern(schema)
    if keyword == "format" and error.validator_value == "email":
        return EMAIL_REFUSED
    if keyword == "format":
        return FORMATS.get(error.validator_value) or Text("No es un {} válido", "Is not a valid {}").format(
            error.validator_value
        )
    return UNEXPECTED_FORM


def fields_of(error) -> list[str]:
    """The dotted names (`descriptor.0.key`) of the fields an error is about; `_body` for the body itself."""
    path = [str(part) for part in error.absolute_path]
    if error.validator == "required":
        missing = re.match(r"'(.+?)' is a required property", error.message)
        return [".".join([*path, missing.group(1)]) if missing else ".".join(path) or "_body"]
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        schema = error.schema if isinstance(error.schema, dict) else {}
        known, patterns = schema.get("properties", {}), schema.get("patternProperties", {})
        extra = [
            name
            for name in error.instance
            if name not in known and not any(re.search(pattern, name) for pattern in patterns)
        ]
        return [".".join([*path, name]) for name in extra] or [".".join(path) or "_body"]
    return [".".join(path) or "_body"]
