"""People queries. Deleted people are invisible to every lookup but `get_any`."""

from sqlalchemy import select

from persistence.models.addresses import Address
from persistence.models.bank_data import BankData
from persistence.models.contact_data import ContactData
from persistence.models.employment_data import EmploymentData
from persistence.models.history import HistoryEntry
from persistence.models.people import Person
from persistence.models.references import PersonReference
from persistence.repositories.paging import page_of

# Child tables that count towards a person's profile completeness (domain.identity.RELATED_PROFILE_ITEMS).
PROFILE_TABLES: dict[str, object] = {
    "address": Address,
    "contact_data": ContactData,
    "reference": PersonReference,
    "employment_data": EmploymentData,
    "bank_data": BankData,
}


class PeopleRepository:
    def __init__(self, session):
        self.session = session

    def add(self, person: Person) -> Person:
        self.session.add(person)
        return person

    def new(self, **fields) -> Person:
        return self.add(Person(**fields))

    def _alive(self):
        return select(Person).where(Person.deleted_at.is_(None))

    def get(self, person_id: str) -> Person | None:
        person = self.session.get(Person, person_id)
        return person if person is not None and person.deleted_at is None else None

    def get_any(self, person_id: str) -> Person | None:
        return self.session.get(Person, person_id)

    def by_national_id(self, national_id: str) -> Person | None:
        return self.session.scalars(select(Person).where(Person.active_national_id == national_id)).first()

    def national_id_taken(self, national_id: str, except_id: str | None = None) -> bool:
        stmt = select(Person.id).where(Person.active_national_id == national_id)
        if except_id:
            stmt = stmt.where(Person.id != except_id)
        return self.session.scalars(stmt).first() is not None

    def by_external_id(self, external_id: str) -> Person | None:
        stmt = self._alive().where(Person.external_ref_id == external_id).order_by(Person.created_at.desc())
        return self.session.scalars(stmt).first()

    def by_facetec_id(self, facetec_id: str) -> Person | None:
        stmt = self._alive().where(Person.facetec_ref_id == facetec_id).order_by(Person.created_at.desc())
        return self.session.scalars(stmt).first()

    def by_ids(self, ids: list[str]) -> list[Person]:
        return list(self.session.scalars(self._alive().where(Person.id.in_(ids)).order_by(Person.created_at)))

    def by_external_ids(self, external_ids: list[str]) -> list[Person]:
        stmt = self._alive().where(Person.external_ref_id.in_(external_ids)).order_by(Person.created_at)
        return list(self.session.scalars(stmt))

    def page(self, page: int, per_page: int, people_group_id: str | None = None):
        stmt = self._alive().order_by(Person.created_at.desc(), Person.id.desc())
        if people_group_id:
            stmt = stmt.where(Person.people_group_id == people_group_id)
        return page_of(self.session, stmt, page, per_page)

    def history(self, person_id: str, page: int, per_page: int):
        stmt = (
            select(HistoryEntry)
            .where(HistoryEntry.person_id == person_id)
            .order_by(HistoryEntry.created_at.desc(), HistoryEntry.id.desc())
        )
        return page_of(self.session, stmt, page, per_page)

    def profile_flags(self, person_ids: list[str]) -> dict[str, dict[str, bool]]:
        """Which child records each person has, for `information_percentage`: one query per table."""
        flags = {pid: dict.fromkeys(PROFILE_TABLES, False) for pid in person_ids}
        for name, model in PROFILE_TABLES.items():
            stmt = select(model.person_id).where(model.person_id.in_(person_ids)).distinct()
            for pid in self.session.scalars(stmt):
                flags[pid][name] = True
        return flags
