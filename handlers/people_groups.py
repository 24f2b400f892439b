"""People groups."""

from personas.domain import people_groups as groups
from personas.handlers.envelope import envelope, paginated
from personas.handlers.runtime import unit_of_work
from personas.handlers.schemas.people_groups import group_in, group_out


def list_people_groups(page=1, per_page=20, cursor=None):
    with unit_of_work() as uow:
        result = uow.people_groups.page(page, per_page, cursor)
        return paginated(result, group_out.dump(result.items, many=True))


def create_people_group(body):
    data = group_in.load(body)
    with unit_of_work() as uow:
        group = groups.create_group(uow, data)
        uow.commit()
        return envelope(group_out.dump(group)), 201


def get_people_group(id):
    with unit_of_work() as uow:
        return envelope(group_out.dump(groups.get_group(uow, id)))


def update_people_group(id, body):
    data = group_in.load(body)
    with unit_of_work() as uow:
        group = groups.update_group(uow, id, data)
        uow.commit()
        return envelope(group_out.dump(group))


def delete_people_group(id):
    with unit_of_work() as uow:
        groups.delete_group(uow, id)
        uow.commit()
    return envelope({"id": id})
