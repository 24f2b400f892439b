"""Rules shared by every record that belongs to a person."""

from collections.abc import Callable

from personas.domain.errors import NotFound, ValidationFailed

UNKNOWN_PERSON = "No existe la persona / Unknown person"


def require_person(uow, person_id: str | None, field: str = "person_id"):
    """The living person a record refers to; a missing or deleted one is the client's 422."""
    person = uow.people.get(person_id) if person_id else None
    if person is None:
        raise ValidationFailed({field: [UNKNOWN_PERSON]})
    return person


def get_record(records, record_id, label: str = "Record"):
    """The record of `records` (a repository of the unit of work) with that id, or NotFound."""
    record = records.get(record_id)
    if record is None:
        raise NotFound(f"{label} not found")
    return record


def data_updated(uow, resource_name: str, record, payload: dict) -> None:
    """`updated_data_to_person`: a child record of a person was created or changed."""
    uow.events.record("updated_data_to_person", resource_name, str(record.id), payload)


def apply_changes(uow, resource_name: str, record, changes: dict, payload: Callable[[object], dict]):
    """Store the fields that differ; `updated_data_to_person` only when something did."""
    changed = {k: v for k, v in changes.items() if getattr(record, k) != v}
    for field, value in changed.items():
        setattr(record, field, value)
    uow.flush()
    if changed:
        data_updated(uow, resource_name, record, payload(record))
    return record


def delete_record(uow, records, resource_name: str, record, payload: dict) -> None:
    """A real delete (history keeps the record); `updated_data_to_person` with its last state."""
    records.delete(record)
    uow.flush()
    data_updated(uow, resource_name, record, payload)
