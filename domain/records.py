"""Rules shared by every record that belongs to a person."""

from collections.abc import Callable
from dataclasses import dataclass

from personas.domain.errors import NotFound, Rule, Text, ValidationFailed
from personas.domain.ports import Records

UNKNOWN_PERSON = Rule("unknown_person", "No existe la persona", "Unknown person")
PERSON_NOT_FOUND = Text("No se encontró la persona", "Person not found")
RECORD_NOT_FOUND = Text("No se encontró el registro", "Record not found")


def require_person(uow, person_id: str | None, field: str = "person_id"):
    """The living person a record refers to; a missing or deleted one is the client's 422."""
    person = uow.people.get(person_id) if person_id else None
    if person is None:
        raise ValidationFailed({field: [UNKNOWN_PERSON]})
    return person


def living_person(uow, person_id: str):
    """The living person at a person's own URL; an unknown or deleted one is the client's 404."""
    person = uow.people.get(person_id)
    if person is None:
        raise NotFound(PERSON_NOT_FOUND)
    return person


def get_record(records, record_id, missing: Text = RECORD_NOT_FOUND):
    """The record of `records` (a repository of the unit of work) with that id, or NotFound saying `missing`."""
    record = records.get(record_id)
    if record is None:
        raise NotFound(missing)
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


def _as_is(view: dict) -> dict:
    return view


@dataclass(frozen=True)
class Kind:
    """A kind of child record whose use cases differ only in how values are checked and published.

    `name` is its repository on the unit of work and the kind of its view; `resource` names it in
    events; `missing` is the message of its 404. `prepare(values, record)` checks the values of a new
    record (`record` is None) or the changes to `record`, raising ValidationFailed, and returns what is
    stored. `published` turns the record's view into the event payload.
    """

    name: str
    resource: str
    missing: Text
    prepare: Callable[[dict, object | None], dict]
    published: Callable[[dict], dict] = _as_is

    def records(self, uow) -> Records:
        return getattr(uow, self.name)

    def payload(self, uow, record) -> dict:
        return self.published(uow.view(self.name, record))

    def get(self, uow, record_id: str):
        return get_record(self.records(uow), record_id, self.missing)

    def create(self, uow, data: dict):
        """Store a record of a living person; records `updated_data_to_person`."""
        require_person(uow, data.get("person_id"))
        record = self.records(uow).new(**self.prepare(data, None))
        uow.flush()
        data_updated(uow, self.resource, record, self.payload(uow, record))
        return record

    def update(self, uow, record_id: str, changes: dict):
        """Partial update: only the fields sent are checked, and only those that differ are stored."""
        record = self.get(uow, record_id)
        if "person_id" in changes:
            require_person(uow, changes["person_id"])
        changes = self.prepare(changes, record)
        return apply_changes(uow, self.resource, record, changes, lambda r: self.payload(uow, r))

    def delete(self, uow, record_id: str) -> None:
        """A real delete, kept in history; `updated_data_to_person` with the last state."""
        record = self.get(uow, record_id)
        delete_record(uow, self.records(uow), self.resource, record, self.payload(uow, record))
