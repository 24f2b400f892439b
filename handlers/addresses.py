"""Addresses of people."""

from personas.domain import addresses
from personas.handlers.envelope import envelope, paginated
from personas.handlers.runtime import unit_of_work
from personas.handlers.schemas.addresses import address_in, address_out


def list_addresses(person_id=None, page=1, per_page=20, cursor=None):
    with unit_of_work() as uow:
        result = uow.addresses.page(page, per_page, cursor, person_id=person_id)
        return paginated(result, address_out.dump(result.items, many=True))


def create_address(body):
    data = address_in.load(body)
    with unit_of_work() as uow:
        address = addresses.create_address(uow, data)
        result = address_out.dump(address)
        uow.commit()
    return envelope(result), 201


def get_address(id):
    with unit_of_work() as uow:
        return envelope(address_out.dump(addresses.get_address(uow, id)))


def update_address(id, body):
    changes = address_in.load(body)
    with unit_of_work() as uow:
        address = addresses.update_address(uow, id, changes)
        result = address_out.dump(address)
        uow.commit()
    return envelope(result)


def delete_address(id):
    with unit_of_work() as uow:
        addresses.delete_address(uow, id)
        uow.commit()
    return envelope({"id": id})
