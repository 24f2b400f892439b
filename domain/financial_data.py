"""Financial data of a person: income, expenses, dependents, free metadata; create/update/delete."""

from collections.abc import Callable
from decimal import Decimal

from personas.domain.employment_data import MAX_MONEY, cents
from personas.domain.errors import ValidationFailed
from personas.domain.records import apply_changes, data_updated, delete_record, get_record, require_person

RESOURCE = "person_financial_data"
MONEY_FIELDS = ("monthly_income", "monthly_expenses")
MAX_DEPENDENTS = 100
MAX_METADATA_KEYS = 100

BAD_MONEY = "Debe ser un monto entre 0 y 10^12 / Must be an amount from 0 to 10^12"
BAD_DEPENDENTS = "Debe ser un entero entre 0 y 100 / Must be a whole number from 0 to 100"
BAD_METADATA = "Debe ser un objeto de hasta 100 claves / Must be an object of at most 100 keys"


def _amount(value) -> bool:
    return isinstance(value, int | float | Decimal) and not isinstance(value, bool) and 0 <= value <= MAX_MONEY


def clean(values: dict) -> dict:
    """`values` checked (non-negative amounts, whole dependents, an object for metadata), amounts in cents.

    The spec says the same over HTTP; this keeps the rule for callers that do not pass through it.
    """
    errors: dict[str, list[str]] = {}
    for field in MONEY_FIELDS:
        if values.get(field) is not None and not _amount(values[field]):
            errors[field] = [BAD_MONEY]
    dependents = values.get("dependents")
    if dependents is not None and not (
        isinstance(dependents, int) and not isinstance(dependents, bool) and 0 <= dependents <= MAX_DEPENDENTS
    ):
        errors["dependents"] = [BAD_DEPENDENTS]
    metadata = values.get("metadata")
    if metadata is not None and not (isinstance(metadata, dict) and len(metadata) <= MAX_METADATA_KEYS):
        errors["metadata"] = [BAD_METADATA]
    if errors:
        raise ValidationFailed(errors)
    return {k: cents(v) if k in MONEY_FIELDS and v is not None else v for k, v in values.items()}


def create_financial_data(uow, records, data: dict, present: Callable[[object], dict]):
    """Store a person's financial data; fires `updated_data_to_person`."""
    require_person(uow, data.get("person_id"))
    record = records.new(**_columns(clean(data)))
    uow.flush()
    data_updated(uow, RESOURCE, record, present(record))
    return record


def get_financial_data(uow, records, record_id: str):
    return get_record(uow, records.model, record_id, "Financial data")


def update_financial_data(uow, records, record_id: str, changes: dict, present: Callable[[object], dict]):
    """Partial update; `metadata`, when sent, replaces the previous object."""
    record = get_financial_data(uow, records, record_id)
    if "person_id" in changes:
        require_person(uow, changes["person_id"])
    return apply_changes(uow, RESOURCE, record, _columns(clean(changes)), present)


def delete_financial_data(uow, records, record_id: str, present: Callable[[object], dict]) -> None:
    """A real delete, kept in history; fires `updated_data_to_person` with the last state."""
    record = get_financial_data(uow, records, record_id)
    delete_record(uow, records, RESOURCE, record, present(record))


def _columns(values: dict) -> dict:
    # `metadata` is reserved by SQLAlchemy's declarative base; the record keeps it as `metadata_`.
    return {("metadata_" if k == "metadata" else k): v for k, v in values.items()}
