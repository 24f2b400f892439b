"""Temporary people: data kept as received, and its promotion to the definitive person.

A temporary person is stored without identity checks; promoting it creates the person with the rules
of `POST /people`, and its employment and bank data with theirs, in the caller's one transaction.
Use cases take a unit of work (its `temporary_people` repository); they never commit.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date

from personas.domain import people
from personas.domain.errors import NotFound, Rule, Text, ValidationFailed

ALREADY_PROMOTED = Rule(
    "already_promoted", "La persona temporal ya fue promovida", "The temporary person was already promoted"
)
# What the new person takes from the temporary one; `person_data` of the request wins over each.
TEMPORARY_NOT_FOUND = Text("No se encontró la persona temporal", "Temporary person not found")
PERSON_FIELDS = (
    "name",
    "first_lastname",
    "second_lastname",
    "national_id",
    "tax_id",
    "birthdate",
    "gender",
    "external_ref_id",
    "facetec_ref_id",
)
RECORDS = ("employment_data", "bank_data")


@dataclass(frozen=True)
class Promotion:
    """A promotion request once loaded: the person's fields and the records to create with it."""

    person: dict
    ignore_curp_validation: bool = False
    employment_data: dict | None = None
    bank_data: dict | None = None


def get_temporary_person(uow, temporary_id: str):
    temporary = uow.temporary_people.get(temporary_id)
    if temporary is None:
        raise NotFound(TEMPORARY_NOT_FOUND)
    return temporary


def create_temporary_person(uow, data: dict):
    """Store the data as sent: CURP and RFC are checked when the person is promoted, not before."""
    temporary = uow.temporary_people.new(**data)
    uow.flush()
    return temporary


def update_temporary_person(uow, temporary_id: str, changes: dict):
    """Partial update: the fields sent replace the stored ones (objects whole, `null` clears)."""
    temporary = get_temporary_person(uow, temporary_id)
    for field, value in changes.items():
        setattr(temporary, field, value)
    uow.flush()
    return temporary


def claim(uow, temporary_id: str):
    """The temporary person to promote, locked until the transaction ends; a promoted one is a 422."""
    temporary = uow.temporary_people.get_for_update(temporary_id)
    if temporary is None:
        raise NotFound(TEMPORARY_NOT_FOUND)
    if temporary.person_id is not None:
        raise ValidationFailed({"id": [ALREADY_PROMOTED]})
    return temporary


def _jsonable(value):
    return value.isoformat() if isinstance(value, date) else value


def promotion_request(temporary, body: Mapping) -> dict:
    """The request as if it had carried everything: temporary fields under `person_data`, records chosen.

    `extra_data` merges the temporary person's, then `person_data.extra_data`, then the body's (the
    later key wins). Employment and bank data come from the body, or from the temporary person when
    the body sends none (an empty object counts as none: it could not create a record).
    """
    sent = dict(body.get("person_data") or {})
    person = {f: _jsonable(getattr(temporary, f)) for f in PERSON_FIELDS if getattr(temporary, f) is not None}
    extras = [temporary.extra_data, sent.pop("extra_data", None), body.get("extra_data")]
    person |= sent
    if any(extra is not None for extra in extras):
        person["extra_data"] = {k: v for extra in extras if extra for k, v in extra.items()}
    request = {"person_data": person}
    for name in RECORDS:
        request[name] = body.get(name) or getattr(temporary, name) or None
    return request


def _prefixed(prefix: str, failed: ValidationFailed) -> ValidationFailed:
    return ValidationFailed({f"{prefix}.{field}": messages for field, messages in failed.errors.items()})


def promote(uow, temporary, promotion: Promotion, create_records: Mapping[str, Callable[[dict], object]]):
    """Create the person, then its employment and bank data, and link both ways; fields named `<part>.<field>`.

    `create_records[name](data)` stores one record with the rules of its own resource. Any broken rule
    raises before the caller commits, so nothing is kept.
    """
    person_fields = promotion.person | {"temporary_ref_id": temporary.id}
    try:
        person = people.create_person(uow, person_fields, promotion.ignore_curp_validation)
    except ValidationFailed as failed:
        raise _prefixed("person_data", failed) from None
    errors: dict[str, list[str]] = {}
    for name in RECORDS:
        data = getattr(promotion, name)
        if not data:
            continue
        try:
            create_records[name](data | {"person_id": person.id})
        except ValidationFailed as failed:
            errors |= _prefixed(name, failed).errors
    if errors:
        raise ValidationFailed(errors)
    temporary.person_id = person.id
    uow.flush()
    return person
