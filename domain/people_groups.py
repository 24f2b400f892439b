"""Use cases for people groups."""

from personas.domain.errors import NotFound, Text


def get_group(uow, group_id: str):
    group = uow.people_groups.get(group_id)
    if group is None:
        raise NotFound(Text("No se encontró el grupo de personas", "People group not found"))
    return group


def create_group(uow, data: dict):
    group = uow.people_groups.new(**data)
    uow.flush()
    return group


def update_group(uow, group_id: str, changes: dict):
    group = get_group(uow, group_id)
    for field, value in changes.items():
        setattr(group, field, value)
    uow.flush()
    return group


def delete_group(uow, group_id: str) -> None:
    """The group goes; its people stay, without a group."""
    uow.people_groups.delete(get_group(uow, group_id))
    uow.flush()
