"""Personal references of people."""

from personas.domain import references
from personas.domain.records import get_record
from personas.handlers.envelope import envelope, paginated
from personas.handlers.runtime import unit_of_work
from personas.handlers.schemas.references import reference_in, reference_out
from personas.persistence.models.references import PersonReference


def list_references(person_id=None, page=1, per_page=20, cursor=None):
    with unit_of_work() as uow:
        result = uow.records(PersonReference).page(page, per_page, cursor, person_id=person_id)
        return paginated(result, reference_out.dump(result.items, many=True))


def create_reference(body):
    data = reference_in.load(body)
    with unit_of_work() as uow:
        reference = references.create_reference(uow, PersonReference, data, reference_out.dump)
        result = reference_out.dump(reference)
        uow.commit()
    return envelope(result), 201


def get_reference(id):
    with unit_of_work() as uow:
        return envelope(reference_out.dump(get_record(uow, PersonReference, id, "Reference")))


def update_reference(id, body):
    changes = reference_in.load(body)
    with unit_of_work() as uow:
        reference = references.update_reference(uow, PersonReference, id, changes, reference_out.dump)
        result = reference_out.dump(reference)
        uow.commit()
    return envelope(result)


def delete_reference(id):
    with unit_of_work() as uow:
        references.delete_reference(uow, PersonReference, id, reference_out.dump)
        uow.commit()
    return envelope({"id": id})
