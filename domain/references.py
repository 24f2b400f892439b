"""Personal references: a relation from the catalog, and the create/update/delete use cases.

Use cases take a unit of work: its `references` repository, and the view `reference` that events carry.
"""

from personas.domain.catalogs import PERSON_RELATIONS, CatalogEntry, by_id
from personas.domain.errors import Rule, Text, ValidationFailed
from personas.domain.records import data_updated, get_record, require_person

NOT_FOUND = Text("No se encontró la referencia", "Reference not found")

RESOURCE = "person_reference"
UNKNOWN_RELATION = Rule("unknown_reference", "No existe person_relation_id: {}", "Unknown person_relation_id: {}")


def relation(relation_id: object) -> CatalogEntry | None:
    """The person-relations catalog entry with that id, or None."""
    return by_id(PERSON_RELATIONS, relation_id)


def relation_view(relation_id: object) -> dict | None:
    """`person_relation` as the seed shows it (system catalogs carry no timestamps)."""
    entry = relation(relation_id)
    if entry is None:
        return None
    return {"id": entry.id, "code": entry.code, "name": entry.name, "created_at": None, "updated_at": None}


def _check(uow, data: dict) -> None:
    """The person and the relation must exist; both problems are reported in one 422."""
    errors: dict[str, list[str]] = {}
    if "person_id" in data:
        try:
            require_person(uow, data["person_id"])
        except ValidationFailed as failed:
            errors.update(failed.errors)
    if "person_relation_id" in data and relation(data["person_relation_id"]) is None:
        errors["person_relation_id"] = [UNKNOWN_RELATION.format(data["person_relation_id"])]
    if errors:
        raise ValidationFailed(errors)


def get_reference(uow, reference_id: str):
    return get_record(uow.references, reference_id, NOT_FOUND)


def create_reference(uow, data: dict):
    """Store a reference of a living person; records `updated_data_to_person`."""
    _check(uow, data)
    reference = uow.references.new(**data)
    uow.flush()
    data_updated(uow, RESOURCE, reference, uow.view("reference", reference))
    return reference


def update_reference(uow, reference_id: str, changes: dict):
    """Partial update: only the fields sent change."""
    reference = get_reference(uow, reference_id)
    # Only what differs is checked and stored: re-sending the same person_id is no move.
    changes = {f: v for f, v in changes.items() if getattr(reference, f) != v}
    if not changes:
        return reference  # nothing changed: no event, as history records nothing either
    _check(uow, changes)
    for field, value in changes.items():
        setattr(reference, field, value)
    uow.flush()
    data_updated(uow, RESOURCE, reference, uow.view("reference", reference))
    return reference


def delete_reference(uow, reference_id: str) -> None:
    """A real delete (history keeps the record); records `updated_data_to_person`."""
    reference = get_reference(uow, reference_id)
    payload = uow.view("reference", reference)
    uow.references.delete(reference)
    uow.flush()
    data_updated(uow, RESOURCE, reference, payload)
