"""Temporary people: the generic record queries, plus a locking read for promotion."""

from personas.persistence.models.temporary_people import TemporaryPerson
from personas.persistence.repositories.records import RecordRepository


class TemporaryPeopleRepository(RecordRepository):
    def __init__(self, session):
        super().__init__(session, TemporaryPerson)

    def get_for_update(self, temporary_id: str) -> TemporaryPerson | None:
        """Read and lock the row (SELECT ... FOR UPDATE on MariaDB), so two promotions cannot both pass."""
        return self.session.get(TemporaryPerson, temporary_id, with_for_update=True, populate_existing=True)
