"""Personal references of people."""

from personas.domain import references
from personas.handlers.envelope import envelope, paginated
from personas.handlers.runtime import unit_of_work
from personas.handlers.schemas.references import reference_in, reference_out


def list_references(person_id=None, page=1, per_page=20, cursor=None):
    with unit_of_work() as uow:
        result = uow.references.page(page, per_page, cursor, person_id=person_id)
        return paginated(result, reference_out.dump(result.items, many=True))


def create_reference(body):
    data = reference_in.load(body)
    with unit_of_work() as uow:
        reference = references.create_reference(uow, data)
        result = reference_out.dump(reference)
        uow.commit()
    return envelope(result), 201


def get_reference(id):
    with unit_of_work() as uow:
        return envelope(reference_out.dump(references.get_reference(uow, id)))


def update_reference(id, body):
    changes = reference_in.load(body)
    with unit_of_work() as uow:
        reference = references.update_reference(uow, id, changes)
        result = reference_out.dump(reference)
        uow.commit()
    return envelope(result)


def delete_reference(id):
    with unit_of_work() as uow:
        references.delete_reference(uow, id)
        uow.commit()
    return envelope({"id": id})
