"""Dynamic properties, and saving a person's values for one of them."""

from personas.domain import dynamic_properties as dynamic
from personas.handlers.envelope import envelope, paginated
from personas.handlers.runtime import unit_of_work
from personas.handlers.schemas.dynamic_properties import property_in, property_out, value_out, values_in


def list_dynamic_properties(page=1, per_page=20, cursor=None):
    with unit_of_work() as uow:
        result = uow.dynamic_properties.properties_page(page, per_page, cursor)
        return paginated(result, property_out.dump(result.items, many=True))


def create_dynamic_property(body):
    data = property_in.load(body)
    with unit_of_work() as uow:
        prop = dynamic.create_property(uow, data)
        uow.commit()
        return envelope(property_out.dump(prop)), 201


def get_dynamic_property(id):
    with unit_of_work() as uow:
        return envelope(property_out.dump(dynamic.get_property(uow, id)))


def update_dynamic_property(id, body):
    data = property_in.load(body)
    with unit_of_work() as uow:
        prop = dynamic.update_property(uow, id, data)
        uow.commit()
        return envelope(property_out.dump(prop))


def save_dynamic_property_values(id, body):
    data = values_in.load(body)
    with unit_of_work() as uow:
        record = dynamic.save_values(uow, id, data)
        uow.commit()
        return envelope(value_out.dump(record)), 201
