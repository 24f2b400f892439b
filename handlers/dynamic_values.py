"""Dynamic values: every saved version, one version, and a person's current values.

`list_person_dynamic_values` serves `GET /people/{id}/dynamic-values`, routed to handlers.people, which
delegates here.
"""

from personas.domain import dynamic_properties as dynamic
from personas.handlers.envelope import envelope, paginated
from personas.handlers.runtime import unit_of_work
from personas.handlers.schemas.dynamic_properties import value_out
from personas.persistence.repositories.dynamic_properties import DynamicPropertyRepository


def list_dynamic_values(page=1, per_page=20, descriptor_id=None, person_id=None, cursor=None):
    with unit_of_work() as uow:
        store = uow.repository(DynamicPropertyRepository)
        result = store.values_page(page, per_page, person_id=person_id, property_id=descriptor_id, cursor=cursor)
        return paginated(result, value_out.dump(result.items, many=True))


def get_dynamic_value(id):
    with unit_of_work() as uow:
        return envelope(value_out.dump(dynamic.get_value(uow.repository(DynamicPropertyRepository), id)))


def list_person_dynamic_values(id, all=False, descriptor_id=None, page=1, per_page=20, cursor=None):  # noqa: A002
    with unit_of_work() as uow:
        store = uow.repository(DynamicPropertyRepository)
        result = dynamic.person_values(uow, store, id.lower(), all, descriptor_id, page, per_page, cursor)
        return paginated(result, value_out.dump(result.items, many=True))
