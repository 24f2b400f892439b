"""Employment data of a person: ranges of the seed and the create/update/delete use cases."""

from collections.abc import Callable
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from personas.domain.errors import ValidationFailed
from personas.domain.records import apply_changes, data_updated, delete_record, get_record, require_person

RESOURCE = "person_employment_data"
MONEY_FIELDS = ("gross_salary", "net_salary")
MAX_MONEY = Decimal("1000000000000")
MAX_SENIORITY = 100

TERMINATION_BEFORE_HIRING = (
    "La fecha de baja no puede ser anterior a la de contratación / termination_date is before hiring_date"
)
BAD_MONEY = "Debe ser un monto entre 0 y 10^12 / Must be an amount from 0 to 10^12"
BAD_SENIORITY = "Debe ser un entero entre 0 y 100 / Must be a whole number from 0 to 100"
BAD_DATE = "Fecha inválida / Not a valid date"


def cents(value) -> Decimal:
    """An amount as stored: a Decimal rounded to cents (the columns are NUMERIC(18, 2) on both backends)."""
    return Decimal(str(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def clean(values: dict) -> dict:
    """`values` checked (ranges and types of the seed) with amounts rounded to cents.

    The spec says the same over HTTP; promoting a temporary person reaches this without passing
    through it.
    """
    errors: dict[str, list[str]] = {}
    for field in MONEY_FIELDS:
        value = values.get(field)
        if value is not None and not (
            isinstance(value, int | float | Decimal) and not isinstance(value, bool) and 0 <= value <= MAX_MONEY
        ):
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


def create_employment_data(uow, records, data: dict, present: Callable[[object], dict]):
    """Store a person's employment data; fires `updated_data_to_person`."""
    require_person(uow, data.get("person_id"))
    data = clean(data)
    check_period(data.get("hiring_date"), data.get("termination_date"))
    record = records.new(**data)
    uow.flush()
    data_updated(uow, RESOURCE, record, present(record))
    return record


def get_employment_data(uow, records, record_id: str):
    return get_record(uow, records.model, record_id, "Employment data")


def update_employment_data(uow, records, record_id: str, changes: dict, present: Callable[[object], dict]):
    """Partial update; the period is checked on the resulting record, so either date may change alone."""
    record = get_employment_data(uow, records, record_id)
    if "person_id" in changes:
        require_person(uow, changes["person_id"])
    changes = clean(changes)
    check_period(
        changes.get("hiring_date", record.hiring_date), changes.get("termination_date", record.termination_date)
    )
    return apply_changes(uow, RESOURCE, record, changes, present)


def delete_employment_data(uow, records, record_id: str, present: Callable[[object], dict]) -> None:
    """A real delete, kept in history; fires `updated_data_to_person` with the last state."""
    record = get_employment_data(uow, records, record_id)
    delete_record(uow, records, RESOURCE, record, present(record))
