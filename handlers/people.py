"""People: CRUD, soft delete and restore, lookups, upsert by national id, history."""

from personas.domain import people
from personas.domain.errors import NotFound
from personas.domain.records import PERSON_NOT_FOUND
from personas.handlers.envelope import envelope, paginated
from personas.handlers.runtime import current, read_unit, unit_of_work
from personas.handlers.schemas.addresses import address_out
from personas.handlers.schemas.contact_data import contact_out
from personas.handlers.schemas.people import history_out, load_person
from personas.handlers.schemas.references import reference_out


def list_people(page=1, per_page=20, people_group_id=None, cursor=None):
    with read_unit() as uow:
        result = uow.people.page(page, per_page, people_group_id, cursor)
        return paginated(result, people.views(uow, result.items))


def create_person(body):
    data, ignore = load_person(body)
    with unit_of_work() as uow:
        result = people.register(uow, data, ignore)
        uow.commit()
    return envelope(result), 201


def get_person(id):
    with read_unit() as uow:
        return envelope(people.view(uow, people.read_person(uow, id)))


def update_person(id, body):
    data, ignore = load_person(body)
    with unit_of_work() as uow:
        person = people.update_person(uow, people.get_person(uow, id), data, ignore)
        result = people.view(uow, person)
        uow.commit()
    return envelope(result)


def delete_person(id):
    with unit_of_work() as uow:
        people.delete_person(uow, people.get_person(uow, id))
        uow.commit()
    return envelope({"id": id})


def restore_person(id):
    with unit_of_work() as uow:
        person = people.restore_person(uow, id)
        result = people.view(uow, person)
        uow.commit()
    return envelope(result)


def get_person_history(id, page=1, per_page=20, cursor=None):
    with unit_of_work() as uow:
        if uow.people.get_any(id) is None:
            raise NotFound(PERSON_NOT_FOUND)
        result = uow.people.history(id, page, per_page, cursor)
        return paginated(result, history_out.dump(result.items, many=True))


def search_people_by_ids(body):
    with unit_of_work() as uow:
        return envelope(people.views(uow, uow.people.by_ids(body["ids"])))


def search_people_by_external_ids(body):
    with unit_of_work() as uow:
        return envelope(people.views(uow, uow.people.by_external_ids(body["external_ref_id"])))


def create_person_from_curp(body):
    data = people.from_registry(current().providers["curp_registry"], body["curp"])
    with unit_of_work() as uow:
        result = people.register(uow, data)
        uow.commit()
    return envelope(result), 201


def _found(person):
    if person is None:
        raise NotFound(PERSON_NOT_FOUND)
    return person


def get_person_by_external_id(external_id):
    with unit_of_work() as uow:
        return envelope(people.view(uow, _found(uow.people.by_external_id(external_id))))


def get_person_by_external_id_alt(externalId):  # noqa: N803 - the seed's parameter name
    return get_person_by_external_id(externalId)


def get_person_by_facetec_id(facetec_id):
    with unit_of_work() as uow:
        return envelope(people.view(uow, _found(uow.people.by_facetec_id(facetec_id))))


def get_person_by_national_id(national_id):
    with unit_of_work() as uow:
        person = _found(uow.people.by_national_id(national_id.strip().upper()))
        return envelope(_detail(uow, person))


def upsert_person_by_national_id(body):
    data, ignore = load_person(body)
    with unit_of_work() as uow:
        person, created = people.upsert_by_national_id(uow, data, ignore)
        result = _detail(uow, person)
        uow.commit()
    return envelope(result), 201 if created else 200


def _detail(uow, person) -> dict:
    """The person with its addresses, contact data and references, as the national-id operations return it."""
    return people.view(uow, person) | {
        "addresses": address_out.dump(uow.addresses.for_person(person.id), many=True),
        "contact_data": contact_out.dump(uow.contact_data.for_person(person.id), many=True),
        "references": reference_out.dump(uow.references.for_person(person.id), many=True),
    }
