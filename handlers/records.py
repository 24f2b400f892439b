"""The list, create, get, update and delete operations of a kind of a person's child records
(`personas.domain.records.Kind`): only the schema that reads a body and the view of a record differ."""

from collections.abc import Callable

from personas.domain.records import Kind
from personas.handlers.envelope import envelope, paginated
from personas.handlers.runtime import unit_of_work


def operations(kind: Kind, load: Callable[[dict], dict], view: Callable[[object], dict], created: int = 201) -> tuple:
    """The five operations as Connexion calls them, in that order, for a module to name by operationId;
    `created` is the status of a create (the spec's, which follows the seed's sample)."""

    def list_records(page=1, per_page=20, person_id=None, cursor=None):
        with unit_of_work() as uow:
            result = kind.records(uow).page(page, per_page, cursor, person_id=person_id)
            return paginated(result, [view(record) for record in result.items])

    def create_record(body):
        data = load(body)
        with unit_of_work() as uow:
            record = kind.create(uow, data)
            result = view(record)
            uow.commit()
        return envelope(result), created

    def get_record(id):
        with unit_of_work() as uow:
            return envelope(view(kind.get(uow, id)))

    def update_record(id, body):
        changes = load(body)
        with unit_of_work() as uow:
            record = kind.update(uow, id, changes)
            result = view(record)
            uow.commit()
        return envelope(result)

    def delete_record(id):
        with unit_of_work() as uow:
            kind.delete(uow, id)
            uow.commit()
        return envelope({"id": id})

    return list_records, create_record, get_record, update_record, delete_record
