"""People groups."""

from sqlalchemy import select, update

from personas.persistence.models.people import Person
from personas.persistence.models.people_groups import PeopleGroup
from personas.persistence.repositories.paging import page_of


class PeopleGroupRepository:
    def __init__(self, session):
        self.session = session

    def add(self, group: PeopleGroup) -> PeopleGroup:
        self.session.add(group)
        return group

    def new(self, **fields) -> PeopleGroup:
        return self.add(PeopleGroup(**fields))

    def get(self, group_id: str) -> PeopleGroup | None:
        return self.session.get(PeopleGroup, group_id)

    def page(self, page: int, per_page: int, cursor: str | None = None):
        order = (PeopleGroup.created_at.desc(), PeopleGroup.id.desc())
        return page_of(self.session, select(PeopleGroup), page, per_page, order, cursor)

    def delete(self, group: PeopleGroup) -> None:
        # People keep existing without a group; one UPDATE rather than loading every member.
        self.session.execute(update(Person).where(Person.people_group_id == group.id).values(people_group_id=None))
        self.session.delete(group)
