"""Dynamic values: every saved version, one version, and a person's current values
(`list_person_dynamic_values`, `GET /people/{id}/dynamic-values`)."""

from personas.domain import dynamic_properties as dynamic
from personas.handlers.envelope import envelope, paginated
from personas.handlers.runtime import unit_of_work
from personas.handlers.schemas.dynamic_properties import value_out


def list_dynamic_values(page=1, per_page=20, descriptor_id=None, person_id=None, cursor=None):
    with unit_of_work() as uow:
        properties = uow.dynamic_properties
        result = properties.values_page(page, per_page, person_id=person_id, property_id=descriptor_id, cursor=cursor)
        return paginated(result, value_out.dump(result.items, many=True))


def get_dynamic_value(id):
    with unit_of_work() as uow:
        return envelope(value_out.dump(dynamic.get_value(uow, id)))


def list_person_dynamic_values(id, all=False, descriptor_id=None, page=1, per_page=20, cursor=None):  # noqa: A002
    with unit_of_work() as uow:
        result = dynamic.person_values(uow, id.lower(), all, descriptor_id, page, per_page, cursor)
        return paginated(result, value_out.dump(result.items, many=True))
