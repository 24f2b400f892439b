"""Financial data of a person: income, expenses, dependents, free metadata; `KIND` has the use cases."""

from personas.domain.employment_data import BAD_MONEY, cents, is_amount
from personas.domain.errors import Text, ValidationFailed
from personas.domain.records import Kind

NOT_FOUND = Text("No se encontraron los datos financieros", "Financial data not found")

RESOURCE = "person_financial_data"
MONEY_FIELDS = ("monthly_income", "monthly_expenses")
MAX_DEPENDENTS = 100
MAX_METADATA_KEYS = 100

BAD_DEPENDENTS = Text("Debe ser un entero entre 0 y 100", "Must be a whole number from 0 to 100")
BAD_METADATA = Text("Debe ser un objeto de hasta 100 claves", "Must be an object of at most 100 keys")


def clean(values: dict) -> dict:
    """`values` checked (non-negative amounts, whole dependents, an object for metadata), amounts in cents.

    The spec says the same over HTTP; this keeps the rule for callers that do not pass through it.
    """
    errors: dict[str, list[str]] = {}
    for field in MONEY_FIELDS:
        if values.get(field) is not None and not is_amount(values[field]):
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


def _prepare(values: dict, record) -> dict:
    """Checked values; `metadata`, when sent, replaces the previous object (the record's `details`)."""
    return {("details" if k == "metadata" else k): v for k, v in clean(values).items()}


KIND = Kind("financial_data", RESOURCE, NOT_FOUND, _prepare)
