"""Use cases for people: create, update, upsert, delete, restore, and the view the API and events share.

Functions take a unit of work (`uow`) with repositories; they never commit.
"""

import uuid
from datetime import UTC, date, datetime

from personas.domain import catalogs, validations
from personas.domain.errors import Conflict, DuplicateKey, NotFound, Rule, Text, Unavailable, ValidationFailed
from personas.domain.identity import (
    age,
    check_person_identity,
    curp_nationality,
    information_percentage,
    parse_curp,
)
from personas.domain.providers.registry import CurpNotInRegistry, RegistryUnavailable
from personas.domain.records import PERSON_NOT_FOUND, living_person
from personas.domain.timestamps import iso

DUPLICATE = Rule(
    "duplicate_national_id", "Ya existe una persona con esta CURP", "A person with this national_id already exists"
)
UNKNOWN_REFERENCE = Rule("unknown_reference", "No existe {}: {}", "Unknown {}: {}")
NOT_DELETED = Rule("person_not_deleted", "La persona no está eliminada", "The person is not deleted")
IDENTITY_FIELDS = ("national_id", "birthdate", "gender", "entity_of_birth", "state_id")


def _today() -> date:
    return datetime.now(UTC).date()


def _check_references(uow, data: dict) -> None:
    """Catalog ids and the group must exist: a dangling reference is the client's 422."""
    errors = {}
    for field, finder in (
        ("nationality_id", lambda v: catalogs.by_id(catalogs.NATIONALITIES, v)),
        ("state_id", catalogs.state_by_id),
        ("marital_status_id", lambda v: catalogs.by_id(catalogs.MARITAL_STATUSES, v)),
        ("people_group_id", uow.people_groups.get),
    ):
        value = data.get(field)
        if value is not None and finder(value) is None:
            errors[field] = [UNKNOWN_REFERENCE.format(field, value)]
    if errors:
        raise ValidationFailed(errors)


# The person at a person's own URL: a living one, or 404.
get_person = living_person


def read_person(uow, person_id: str):
    """The living person at its URL, read-only (for `view`), or 404."""
    person = uow.people.read(person_id)
    if person is None:
        raise NotFound(PERSON_NOT_FOUND)
    return person


def _new_person(data: dict, ignore_curp_validation: bool) -> dict:
    """A new person's fields after the identity rules, with the nationality its CURP implies when none
    is sent (one that is sent stands: a Mexican by birth may hold another nationality too)."""
    data = check_person_identity(data, ignore_curp_validation, _today())
    if data.get("nationality_id") is None:
        data["nationality_id"] = curp_nationality(data.get("national_id"))
    return data


def create_person(uow, data: dict, ignore_curp_validation: bool = False):
    """Create a person after the identity rules; records `person_register`."""
    return _create(uow, data, ignore_curp_validation)[0]


def register(uow, data: dict, ignore_curp_validation: bool = False) -> dict:
    """`create_person`, answering the new person's view: the payload of its `person_register` event."""
    return _create(uow, data, ignore_curp_validation)[1]


def _create(uow, data: dict, ignore_curp_validation: bool):
    data = _new_person(data, ignore_curp_validation)
    _check_references(uow, data)
    if uow.people.national_id_taken(data["national_id"]):
        raise Conflict({"national_id": [DUPLICATE]})
    row = {"id": str(uuid.uuid4()), "active_national_id": data["national_id"], **data}
    try:
        # The row, its history entry and its event go in as three statements, not an ORM flush: a create
        # is the hottest write, and the person is only shown afterwards (a read-only record).
        (person,) = uow.people.insert_new([row])
    except DuplicateKey:
        raise Conflict({"national_id": [DUPLICATE]}) from None  # taken by another writer meanwhile
    # A person just created has no records yet: no need to query for them.
    shown = view(uow, person, {})
    uow.events.record("person_register", "person", person.id, shown)
    validations.start_auto_validations(uow, person.id, "person_created")
    return person, shown


def check_new_person(uow, data: dict, ignore_curp_validation: bool = False) -> dict:
    """What `create_person` would store, after the same rules but the duplicate check (the caller's)."""
    data = _new_person(data, ignore_curp_validation)
    _check_references(uow, data)
    return data


def create_checked_people(uow, checked: list[dict]) -> list:
    """Store many people at once, each checked by `check_new_person` and known not to be taken.

    As `create_person` does for one: history (written by the repository with the rows) and
    `person_register` for each, auto validations; but the rows go to the database in bulk.
    Returns the people as plain records (not tracked by the unit of work).
    """
    rows = [{"id": str(uuid.uuid4()), "active_national_id": d["national_id"], **d} for d in checked]
    created = uow.people.insert_new(rows)
    # A person just created has no records yet: no need to query for them.
    uow.people.record_events("person_register", [(p.id, view(uow, p, {})) for p in created])
    for person in created:
        # Which validations start depends on the trigger alone, not on the person: when none does
        # for the first, none does for the others (same transaction), and their queries are saved.
        if not validations.start_auto_validations(uow, person.id, "person_created"):
            break
    return created


NOT_IN_REGISTRY = Rule(
    "curp_not_in_registry", "El registro de CURP no conoce esta CURP", "The CURP registry does not know this CURP"
)
INACTIVE_IN_REGISTRY = Rule(
    "curp_inactive", "El registro de CURP da de baja esta CURP: {}", "The CURP registry lists this CURP as inactive: {}"
)
REGISTRY_DOWN = Text(
    "El registro de CURP no responde por ahora; reintente", "The CURP registry does not answer for now; retry"
)


def from_registry(registry, curp: str) -> dict:
    """A new person's fields from the CURP registry's record of `curp` (called before any transaction is
    open: the registry may take seconds to answer). Never a nameless person: an unknown or inactive CURP
    is the client's 422, a registry that does not answer a 503."""
    info = parse_curp(curp, _today())
    try:
        record = registry.lookup(info.curp)
    except CurpNotInRegistry:
        raise ValidationFailed({"curp": [NOT_IN_REGISTRY]}) from None
    except RegistryUnavailable as down:
        raise Unavailable(REGISTRY_DOWN, down.retry_after) from down
    if record.status != "active":
        raise ValidationFailed({"curp": [INACTIVE_IN_REGISTRY.format(record.status_detail or record.status)]})
    names = {"name": record.name, "first_lastname": record.first_lastname}
    return {"national_id": info.curp, **names, "second_lastname": record.second_lastname or ""}


def update_person(uow, person, changes: dict, ignore_curp_validation: bool = False):
    """Partial update: only the fields sent change; identity is checked on the resulting person."""
    if "national_id" in changes and changes["national_id"] != person.national_id:
        # A new CURP derives its own fields again, unless the request sends them.
        merged = {f: changes.get(f) for f in IDENTITY_FIELDS} | {"tax_id": changes.get("tax_id")}
    else:
        merged = {f: changes.get(f, getattr(person, f)) for f in IDENTITY_FIELDS}
        merged["tax_id"] = changes.get("tax_id")
        if not ignore_curp_validation and not _identity_touched(changes):
            ignore_curp_validation = True  # stored identity was checked when saved; do not re-judge it
    checked = check_person_identity(merged, ignore_curp_validation, _today())
    result = dict(changes)
    for field in IDENTITY_FIELDS:
        if field in changes or checked.get(field) != getattr(person, field):
            result[field] = checked.get(field)
    if changes.get("tax_id") is not None:
        result["tax_id"] = checked["tax_id"]
    _check_references(uow, result)
    national_id = result.get("national_id", person.national_id)
    if national_id != person.national_id and uow.people.national_id_taken(national_id, except_id=person.id):
        raise Conflict({"national_id": [DUPLICATE]})
    for field, value in result.items():
        setattr(person, field, value)
    person.active_national_id = person.national_id
    uow.flush()
    validations.start_auto_validations(uow, person.id, "person_updated")
    return person


def _identity_touched(changes: dict) -> bool:
    return any(f in changes for f in IDENTITY_FIELDS)


def upsert_by_national_id(uow, data: dict, ignore_curp_validation: bool = False):
    """Update the living person with this national_id, or create one; returns (person, created)."""
    nid = str(data["national_id"]).strip().upper()
    existing = uow.people.by_national_id(nid)
    if existing is None:
        return create_person(uow, data, ignore_curp_validation), True
    changes = {k: v for k, v in data.items() if k != "national_id"}
    return update_person(uow, existing, changes, ignore_curp_validation), False


def delete_person(uow, person) -> None:
    """Soft delete: the person leaves lists and lookups and frees its national_id."""
    person.deleted_at = datetime.now(UTC).replace(tzinfo=None)
    person.active_national_id = None
    uow.flush()


def restore_person(uow, person_id: str):
    """Bring a soft-deleted person back; records `person_restore`."""
    person = uow.people.get_any(person_id)
    if person is None:
        raise NotFound(PERSON_NOT_FOUND)
    if person.deleted_at is None:
        raise ValidationFailed({"id": [NOT_DELETED]})
    if uow.people.national_id_taken(person.national_id):
        raise Conflict({"national_id": [DUPLICATE]})
    person.deleted_at = None
    person.active_national_id = person.national_id
    uow.flush()
    uow.events.record("person_restore", "person", person.id, view(uow, person))
    return person


def _catalog(entry, with_country: bool) -> dict | None:
    if entry is None:
        return None
    out = {"id": entry.id, "code": entry.code, "name": entry.name}
    if with_country:
        out["country"] = entry.country
    return out | {"created_at": None, "updated_at": None}


PERSON_FIELDS = (
    "id",
    "national_id",
    "name",
    "first_lastname",
    "second_lastname",
    "gender",
    "tax_id",
    "nationality_id",
    "state_id",
    "entity_of_birth",
    "external_ref_id",
    "facetec_ref_id",
    "marital_status_id",
    "people_group_id",
    "extra_data",
    "temporary_ref_id",
)


def view(uow, person, flags: dict | None = None) -> dict:
    """The person as the API shows it (and events carry it), computed fields included."""
    if flags is None:
        flags = uow.people.profile_flags([person.id])[person.id]
    out = {f: getattr(person, f) for f in PERSON_FIELDS}
    born = person.birthdate
    out["birthdate"] = None if born is None else f"{born.isoformat()}T00:00:00Z"
    out["biometrics"] = person.biometrics_summary
    out["addresses_similarity"] = person.addresses_similarity
    out["created_at"] = iso(person.created_at)
    out["updated_at"] = iso(person.updated_at)
    out["age"] = age(born, _today())
    # The fields just read (a birthdate written as text is as present as the date it was).
    out["information_percentage"] = information_percentage(out, flags)
    out["marital_status"] = _catalog(catalogs.by_id(catalogs.MARITAL_STATUSES, person.marital_status_id), False)
    out["nationality"] = _catalog(catalogs.by_id(catalogs.NATIONALITIES, person.nationality_id), True)
    out["curp_nationality_id"] = curp_nationality(person.national_id)
    out["state"] = _catalog(catalogs.state_by_id(person.state_id), True)
    return out


def views(uow, people: list) -> list[dict]:
    """Views of many people with one profile query per child table, not per person."""
    flags = uow.people.profile_flags([p.id for p in people])
    return [view(uow, p, flags[p.id]) for p in people]
