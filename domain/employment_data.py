"""Employment data of a person: ranges of the seed and the period; `KIND` has the use cases."""

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from personas.domain.errors import Rule, Text, ValidationFailed
from personas.domain.records import Kind

NOT_FOUND = Text("No se encontraron los datos laborales", "Employment data not found")

RESOURCE = "person_employment_data"
MONEY_FIELDS = ("gross_salary", "net_salary")
MAX_MONEY = Decimal("1000000000000")
MAX_SENIORITY = 100

TERMINATION_BEFORE_HIRING = Rule(
    "termination_before_hiring",
    "La fecha de baja no puede ser anterior a la de contratación",
    "termination_date is before hiring_date",
)
BAD_MONEY = Text("Debe ser un monto entre 0 y 10^12", "Must be an amount from 0 to 10^12")
BAD_SENIORITY = Text("Debe ser un entero entre 0 y 100", "Must be a whole number from 0 to 100")
BAD_DATE = Text("Fecha inválida", "Not a valid date")


def cents(value) -> Decimal:
    """An amount as stored: a Decimal rounded to cents (the columns are NUMERIC(18, 2) on both backends)."""
    return Decimal(str(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def is_amount(value) -> bool:
    """A number (not a boolean) from 0 to MAX_MONEY."""
    return isinstance(value, int | float | Decimal) and not isinstance(value, bool) and 0 <= value <= MAX_MONEY


def clean(values: dict) -> dict:
    """`values` checked (ranges and types of the seed) with amounts rounded to cents.

    The spec says the same over HTTP; promoting a temporary person reaches this without passing
    through it.
    """
    errors: dict[str, list[str]] = {}
    for field in MONEY_FIELDS:
        if values.get(field) is not None and not is_amount(values[field]):
            errors[field] = [BAD_MONEY]
    seniority = values.get("seniority")
    if seniority is not None and not (
        isinstance(seniority, int) and not isinstance(seniority, bool) and 0 <= seniority <= MAX_SENIORITY
    ):
        errors["seniority"] = [BAD_SENIORITY]
    for field in ("hiring_date", "termination_date"):
        if values.get(field) is not None and not isinstance(values[field], date):
            errors[field] = [BAD_DATE]
    if errors:
        raise ValidationFailed(errors)
    return {k: cents(v) if k in MONEY_FIELDS and v is not None else v for k, v in values.items()}


def check_period(hiring: date | None, termination: date | None) -> None:
    """A termination date, when both are known, is not before the hiring date."""
    if hiring is not None and termination is not None and termination < hiring:
        raise ValidationFailed({"termination_date": [TERMINATION_BEFORE_HIRING]})


def _prepare(values: dict, record) -> dict:
    """Checked values; the period is checked as the record will be, so either date may change alone."""
    values = clean(values)
    check_period(
        values.get("hiring_date", getattr(record, "hiring_date", None)),
        values.get("termination_date", getattr(record, "termination_date", None)),
    )
    return values


KIND = Kind("employment_data", RESOURCE, NOT_FOUND, _prepare)
