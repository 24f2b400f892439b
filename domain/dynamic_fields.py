"""Fields of a dynamic property's descriptor: the descriptor checked when saved, and values checked against it.

The rules themselves live in domain.dynamic_rules; this module applies them field by field and names the keys
of the 422 maps (`descriptor.N.rules.M` when saving a property, the field keys when saving values).
"""

import math
import re
from dataclasses import dataclass
from datetime import datetime

from personas.domain.dynamic_rules import (
    FIELD_TYPES,
    MAX_NUMBER,
    UNKNOWN_FIELD,
    Rule,
    apply_rule,
    check_rules,
    parse_moment,
    say,
)
from personas.domain.errors import Rule as DomainRule  # `Rule` here is a descriptor's rule
from personas.domain.errors import Text

KEY = re.compile(r"[a-z][a-z0-9_]{0,63}")
BAD_KEY = Text("Clave inválida: minúsculas, dígitos y _", "Invalid key: lowercase letters, digits and _")
UNKNOWN_TYPE = Text("Tipo desconocido: {}", "Unknown type: {}")
DUPLICATE_KEY = DomainRule(
    "duplicate_field_key", "Clave repetida en el descriptor: {}", "Duplicate key in descriptor: {}"
)


@dataclass(frozen=True)
class Field:
    key: str
    type: str
    rules: tuple[Rule, ...]
    catalog_id: str | None = None

    def has(self, name: str) -> bool:
        return any(rule.name == name for rule in self.rules)


def check_descriptor(descriptor: list[dict]) -> tuple[list[dict], dict[str, list[str]]]:
    """The descriptor as stored (every field with all six keys), and errors keyed `descriptor.N.<what>`.

    Catalog ids are checked by the caller, which can see the catalogs.
    """
    stored, errors, keys = [], {}, set()
    for n, item in enumerate(descriptor):
        where, key, field_type = f"descriptor.{n}", item.get("key"), item.get("type")
        if not isinstance(key, str) or not KEY.fullmatch(key):
            errors[f"{where}.key"] = [BAD_KEY]
        elif key in keys:
            errors[f"{where}.key"] = [DUPLICATE_KEY.format(key)]
        keys.add(key)
        if field_type not in FIELD_TYPES:
            errors[f"{where}.type"] = [UNKNOWN_TYPE.format(str(field_type)[:30])]
            continue
        rules = list(item.get("rules") or [])
        for m, message in check_rules(rules, field_type)[1].items():
            errors[f"{where}.rules.{m}"] = [message]
        stored.append(
            {
                "title": item.get("title"),
                "type": field_type,
                "key": key,
                "filter_group": item.get("filter_group"),
                "rules": rules,
                "catalog_id": item.get("catalog_id"),
            }
        )
    return stored, errors


def fields_of(descriptor: list[dict]) -> list[Field]:
    """A stored descriptor, ready to check values (it passed check_descriptor when it was saved)."""
    return [
        Field(item["key"], item["type"], check_rules(item["rules"], item["type"])[0], item.get("catalog_id"))
        for item in descriptor
    ]


_TYPE_MESSAGES = {
    "string": ("debe ser texto", "must be a string"),
    "integer": ("debe ser un número entero", "must be an integer"),
    "number": ("debe ser un número", "must be a number"),
    "boolean": ("debe ser true o false", "must be a boolean"),
    "datetime": ("debe ser una fecha ISO-8601", "must be an ISO-8601 date or date-time"),
    "array": ("debe ser una lista de textos, números o booleanos", "must be an array of strings, numbers or booleans"),
}


def _is_number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def coerce(field_type: str, value) -> tuple[bool, object]:
    """Whether `value` is of `field_type`, and the value to keep (a whole float for an integer becomes an int)."""
    if field_type in ("integer", "number"):
        if not _is_number(value) or abs(value) > MAX_NUMBER:
            return False, value
        if field_type == "integer":
            return (True, int(value)) if float(value).is_integer() else (False, value)
        return True, value
    if field_type == "array":
        ok = isinstance(value, list) and all(isinstance(item, str | bool) or _is_number(item) for item in value)
        return ok, value
    if field_type == "boolean":
        return isinstance(value, bool), value
    if field_type == "datetime":
        return parse_moment(value) is not None, value
    return isinstance(value, str), value


def _empty(value) -> bool:
    return value == [] or (isinstance(value, str) and not value.strip())


def check_value(field: Field, present: bool, value, now: datetime) -> tuple[list[str], object]:
    """The messages of every rule `value` breaks (empty when it is fine), and the value to keep."""
    required = field.has("required")
    if not present or value is None:
        if required:
            return [say("required", "es obligatorio", "is required")], None
        if present and not field.has("nullable"):
            return [say("nullable", "no puede ser nulo", "must not be null")], None
        return [], None
    ok, value = coerce(field.type, value)
    if not ok:
        return [say(f"type:{field.type}", *_TYPE_MESSAGES[field.type])], value
    messages = [say("required", "es obligatorio", "is required")] if required and _empty(value) else []
    for rule in field.rules:
        if rule.name not in ("required", "nullable"):
            message = apply_rule(rule, field.type, value, now)
            if message:
                messages.append(message)
    return messages, value


def check_values(fields: list[Field], values: dict, now: datetime) -> tuple[dict, dict[str, list[str]]]:
    """`values` checked against every field: (the values to keep, messages by field key); unknown keys are errors."""
    known = {field.key for field in fields}
    errors = {key: [UNKNOWN_FIELD] for key in values if key not in known}
    kept = {}
    for field in fields:
        messages, value = check_value(field, field.key in values, values.get(field.key), now)
        if messages:
            errors[field.key] = messages
        elif field.key in values:
            kept[field.key] = value
    return kept, errors
