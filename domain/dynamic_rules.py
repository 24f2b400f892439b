"""The rule engine of dynamic properties: rules parsed when a property is saved, applied to values.

Everything that can be judged without a value is judged when the property is saved (`check_rules`, through
domain.dynamic_fields.check_descriptor), so a stored property never holds a rule that can only fail later.
Rules use the familiar `name` / `name:argument` form; messages start with the rule (`min:10 — ...`).

Regular expressions run on RE2 (google-re2), not on Python's backtracking `re`: RE2 matches in time linear in
the value whatever the pattern, so a client's pattern cannot stall the service, with no timeout to tune.
Patterns RE2 cannot run in linear time (backreferences, lookarounds) are refused when the property is saved,
and patterns are limited to MAX_PATTERN characters (values to the spec's 5000).
"""

import functools
import math
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import re2
from email_validator import EmailNotValidError, validate_email

from personas.domain.errors import Rule as DomainRule  # `Rule` here is a descriptor's rule
from personas.domain.errors import Text

FIELD_TYPES = ("string", "integer", "number", "boolean", "datetime", "array")
MAX_NUMBER = 1e15
MAX_PATTERN = 500
_TEXT = {"string", "datetime"}
_SIZED = {"string", "array", "integer", "number"}
APPLIES = {
    "required": set(FIELD_TYPES),
    "nullable": set(FIELD_TYPES),
    "min": _SIZED,
    "max": _SIZED,
    "in": set(FIELD_TYPES),
    "regex": _TEXT | {"array"},
    "email": {"string", "array"},
    "date": _TEXT,
    "before": _TEXT,
    "after": _TEXT,
}
NO_ARGUMENT = {"required", "nullable", "email", "date"}
KEYWORD_MOMENTS = {"now", "today", "tomorrow", "yesterday"}
UNKNOWN_FIELD = DomainRule("unknown_property_field", "No es un campo de esta propiedad", "Not a field of this property")
# A rule of a descriptor that cannot be saved.
MALFORMED = DomainRule("invalid_property_rule", "Regla mal formada: {} ({})", "Malformed rule: {} ({})")
UNKNOWN_RULE = DomainRule("invalid_property_rule", "Regla desconocida: {}", "Unknown rule: {}")
RULE_TYPE = DomainRule(
    "invalid_property_rule", "La regla no aplica al tipo {}: {}", "Rule does not apply to type {}: {}"
)
DUPLICATE_RULE = DomainRule("invalid_property_rule", "Regla repetida: {}", "Duplicate rule: {}")
CONTRADICTORY = DomainRule("invalid_property_rule", "Reglas contradictorias: {}", "Contradictory rules: {}")
# A value that breaks a rule of its field: the rule, then why (`min:10 — ...`).
BROKEN = DomainRule("dynamic_value_rule", "{} — {}", "{} — {}")
# Why a rule is malformed.
INVALID_PATTERN = Text("patrón inválido: {}", "invalid pattern: {}")
NEEDS_WHOLE = Text("necesita un número entero de 0 o más", "needs a whole number of at least 0")
NEEDS_NUMBER = Text("necesita un número", "needs a number")
NEEDS_MOMENT = Text(
    "necesita una fecha ISO-8601, o today, tomorrow, yesterday, now",
    "needs an ISO-8601 date, or today, tomorrow, yesterday, now",
)

_INTEGER = re.compile(r"[+-]?\d{1,16}")
_NUMBER = re.compile(r"[+-]?(\d{1,16}(\.\d*)?|\.\d+)([eE][+-]?\d{1,3})?")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?([Zz]|[+-]\d{2}:\d{2})?")
_DELIMITED = re.compile(r"/(.*)/([a-z]*)", re.S)


class RuleError(ValueError):
    """A rule that cannot be saved; `message` says why (a Text, in both languages)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Rule:
    text: str
    name: str
    bound: int | float | None = None  # min, max
    options: tuple = ()  # in
    pattern: object = None  # regex: a compiled RE2 pattern
    moment: str | None = None  # before, after: an ISO-8601 date(-time) or a keyword, resolved when checking


def _malformed(text: str, why: Text) -> RuleError:
    return RuleError(MALFORMED.format(text[:60], why))


def parse_moment(text) -> datetime | None:
    """An ISO-8601 date or date-time as an aware UTC datetime (naive means UTC); None if it is not one."""
    if not isinstance(text, str) or not (_DATE.fullmatch(text) or _DATETIME.fullmatch(text)):
        return None
    try:
        moment = datetime.fromisoformat(text.replace("z", "Z").replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _resolve(moment: str, now: datetime) -> datetime:
    if moment in KEYWORD_MOMENTS:
        midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
        shift = {"now": None, "today": 0, "tomorrow": 1, "yesterday": -1}[moment]
        return now if shift is None else midnight + timedelta(days=shift)
    return parse_moment(moment)


def parse_number(text: str, integer: bool) -> int | float | None:
    """A number written as text (a point for decimals), or None; a decimal without point or exponent is an int."""
    if integer:
        return int(text) if _INTEGER.fullmatch(text) else None
    if not _NUMBER.fullmatch(text):
        return None
    value = float(text)
    if not math.isfinite(value) or abs(value) > MAX_NUMBER:
        return None
    return int(value) if value.is_integer() and not re.search(r"[.eE]", text) else value


@functools.lru_cache(maxsize=512)
def compile_pattern(pattern: str):
    """RE2 pattern; raises RuleError for what RE2 refuses (bad syntax, backreferences, lookarounds, size)."""
    options = re2.Options()
    options.log_errors = False
    options.max_mem = 1 << 20  # bounds the compiled program (e.g. nested counted repetitions)
    try:
        return re2.compile(pattern, options)
    except re2.error as exc:
        reason = exc.args[0].decode(errors="replace") if exc.args and isinstance(exc.args[0], bytes) else str(exc)
        raise _malformed(f"regex:{pattern}", INVALID_PATTERN.format(reason[:120])) from None


def _pattern(text: str, arg: str):
    delimited = _DELIMITED.fullmatch(arg)
    if delimited:  # the PCRE form `/pattern/flags` that Laravel users write
        arg, flags = delimited.groups()
        if set(flags) - set("imsu"):
            raise _malformed(text, Text("solo se admiten las opciones i, m, s, u", "flags may only be i, m, s, u"))
        inline = "".join(f for f in "ims" if f in flags)
        arg = f"(?{inline}){arg}" if inline else arg
    if not arg:
        raise _malformed(text, Text("patrón vacío", "empty pattern"))
    if len(arg) > MAX_PATTERN:
        raise _malformed(
            text, Text(f"patrón de más de {MAX_PATTERN} caracteres", f"pattern longer than {MAX_PATTERN} characters")
        )
    return compile_pattern(arg)


def _options(text: str, arg: str, field_type: str) -> tuple:
    options = [option.strip() for option in arg.split(",")]
    if any(not option for option in options):
        raise _malformed(text, Text("opción vacía", "empty option"))
    if field_type in ("integer", "number"):
        parsed = [parse_number(option, field_type == "integer") for option in options]
        if any(value is None for value in parsed):
            raise _malformed(
                text, Text(f"cada opción debe ser un {field_type}", f"every option must be a {field_type}")
            )
        return tuple(parsed)
    if field_type == "boolean":
        if any(option.lower() not in ("true", "false", "1", "0") for option in options):
            raise _malformed(
                text, Text("las opciones deben ser true, false, 1 o 0", "options must be true, false, 1 or 0")
            )
        return tuple(option.lower() in ("true", "1") for option in options)
    return tuple(options)


def parse_rule(text: str, field_type: str) -> Rule:
    """One rule of a field of `field_type`, checked and prepared; RuleError if it is unknown or malformed."""
    raw = text.strip()
    name, colon, arg = raw.partition(":")
    if name not in APPLIES:
        raise RuleError(UNKNOWN_RULE.format(name[:60]))
    if field_type not in APPLIES[name]:
        raise RuleError(RULE_TYPE.format(field_type, name))
    if name in NO_ARGUMENT:
        if colon:
            raise _malformed(raw, Text("no lleva argumento", "takes no argument"))
        return Rule(raw, name)
    if name == "regex":
        return Rule(raw, name, pattern=_pattern(raw, arg))
    arg = arg.strip()
    if not arg:
        raise _malformed(raw, Text("necesita un argumento", "needs an argument"))
    if name in ("min", "max"):
        bound = parse_number(arg, integer=field_type in ("string", "array"))
        if bound is None or (field_type in ("string", "array") and bound < 0):
            whole = field_type in ("string", "array")
            raise _malformed(raw, NEEDS_WHOLE if whole else NEEDS_NUMBER)
        return Rule(raw, name, bound=bound)
    if name == "in":
        return Rule(raw, name, options=_options(raw, arg, field_type))
    if arg.lower() not in KEYWORD_MOMENTS and parse_moment(arg) is None:
        raise _malformed(raw, NEEDS_MOMENT)
    return Rule(raw, name, moment=arg.lower() if arg.lower() in KEYWORD_MOMENTS else arg)


def _contradiction(rules: dict[str, tuple[int, Rule]]) -> tuple[int, str] | None:
    low, high = rules.get("min"), rules.get("max")
    if low and high and low[1].bound > high[1].bound:
        return max(low[0], high[0]), f"{low[1].text} > {high[1].text}"
    after, before = rules.get("after"), rules.get("before")
    fixed = after and before and KEYWORD_MOMENTS.isdisjoint({after[1].moment, before[1].moment})
    if fixed and parse_moment(after[1].moment) >= parse_moment(before[1].moment):
        return max(after[0], before[0]), f"{after[1].text} / {before[1].text}"
    return None


def check_rules(rules: list[str], field_type: str) -> tuple[tuple[Rule, ...], dict[int, str]]:
    """The parsed rules of one field, and an error message per index of a rule that cannot be saved."""
    parsed, errors, seen = [], {}, {}
    for index, text in enumerate(rules):
        try:
            if not isinstance(text, str):
                raise _malformed(str(text), Text("una regla es un texto", "a rule is text"))
            rule = parse_rule(text, field_type)
        except RuleError as exc:
            errors[index] = exc.message
            continue
        if rule.name in seen:
            errors[index] = DUPLICATE_RULE.format(rule.name)
            continue
        seen[rule.name] = (index, rule)
        parsed.append(rule)
    clash = _contradiction(seen)
    if clash:
        errors[clash[0]] = CONTRADICTORY.format(clash[1])
    return tuple(parsed), errors


# --- applying a rule to a value of the field's type ---------------------------------------------------


def say(rule: str, es: str, en: str) -> Text:
    return BROKEN.format(rule, Text(es, en))


def as_text(item) -> str:
    """An array element as text, for `in` and `regex`: true/false, whole numbers without `.0`."""
    if isinstance(item, bool):
        return "true" if item else "false"
    if isinstance(item, float) and item.is_integer():
        return str(int(item))
    return str(item)


def _size(rule: Rule, field_type: str, value) -> str | None:
    amount = len(value) if field_type in ("string", "array") else value
    low = rule.name == "min"
    if (amount >= rule.bound) if low else (amount <= rule.bound):
        return None
    n = rule.text.partition(":")[2].strip()
    es, en = ("al menos", "at least") if low else ("como máximo", "at most")
    unit = {"string": (" caracteres", " characters"), "array": (" elementos", " items")}.get(field_type)
    if unit:
        return say(rule.text, f"debe tener {es} {n}{unit[0]}", f"must have {en} {n}{unit[1]}")
    return say(rule.text, f"debe ser {es} {n}", f"must be {en} {n}")


def _one_of(rule: Rule, field_type: str, value) -> str | None:
    shown = ", ".join(as_text(option) for option in rule.options)
    if field_type == "array":
        if all(as_text(item) in rule.options for item in value):
            return None
        return say(rule.text, f"cada elemento debe ser uno de: {shown}", f"each item must be one of: {shown}")
    # Booleans are kept apart from 1 and 0, which compare equal to them in Python.
    if any(value == option and isinstance(value, bool) == isinstance(option, bool) for option in rule.options):
        return None
    return say(rule.text, f"debe ser uno de: {shown}", f"must be one of: {shown}")


def _email(item) -> bool:
    try:
        validate_email(item, check_deliverability=False)
    except EmailNotValidError:
        return False
    return True


def apply_rule(rule: Rule, field_type: str, value, now: datetime) -> str | None:
    """The message of `rule` broken by `value` (already of the field's type), or None."""
    items = [as_text(item) for item in value] if field_type == "array" else [value]
    if rule.name in ("min", "max"):
        return _size(rule, field_type, value)
    if rule.name == "in":
        return _one_of(rule, field_type, value)
    if rule.name == "regex":
        if all(rule.pattern.search(item) for item in items):
            return None
        return say(rule.text, "no cumple el formato", "does not match the pattern")
    if rule.name == "email":
        if all(isinstance(item, str) and _email(item) for item in (value if field_type == "array" else [value])):
            return None
        return say(rule.text, "debe ser un correo electrónico válido", "must be a valid email address")
    moment = parse_moment(value)
    if rule.name == "date":
        return None if moment else say(rule.text, "debe ser una fecha válida", "must be a valid date")
    bound = _resolve(rule.moment, now)
    if moment and (moment < bound if rule.name == "before" else moment > bound):
        return None
    es, en = ("anterior a", "before") if rule.name == "before" else ("posterior a", "after")
    return say(rule.text, f"debe ser una fecha {es} {rule.moment}", f"must be a date {en} {rule.moment}")
