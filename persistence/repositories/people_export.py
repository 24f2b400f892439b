"""The export's query: one row per living person created in a range, streamed from a server-side cursor.

Each person carries one address (the newest marked current, else the newest) and its newest contact
data, picked by correlated subqueries on the person_id indexes, so the query never multiplies rows
and nothing has to be gathered in memory.
"""

from collections.abc import Iterator
from datetime import datetime

from sqlalchemy import and_, select
from sqlalchemy.orm import aliased

from personas.domain.people_import import ADDRESS_FIELDS, PERSON_COLUMNS
from personas.persistence.models.addresses import Address
from personas.persistence.models.contact_data import ContactData
from personas.persistence.models.people import Person

STREAM_BATCH = 1000  # rows fetched from the server at a time


def _chosen(model, newest_first) -> object:
    other = aliased(model)
    return (
        select(other.id)
        .where(other.person_id == Person.id)
        .order_by(*newest_first(other), other.created_at.desc(), other.id.desc())
        .limit(1)
        .correlate(Person)
        .scalar_subquery()
    )


def statement(start: datetime | None, end: datetime | None, with_address: bool, with_contact: bool):
    """(id, person columns..., created_at[, address columns][, email, phone]) ordered by creation; a None
    bound leaves that side of the creation range open."""
    columns = [Person.id, *(getattr(Person, c) for c in PERSON_COLUMNS), Person.created_at]
    source = Person.__table__
    if with_address:
        columns += [getattr(Address, f) for f in ADDRESS_FIELDS]
        chosen = _chosen(Address, lambda a: (a.is_current_address.desc(),))
        source = source.outerjoin(Address.__table__, and_(Address.person_id == Person.id, Address.id == chosen))
    if with_contact:
        columns += [ContactData.email, ContactData.phone]
        chosen = _chosen(ContactData, lambda c: ())
        # person_id in the ON clause too: the join is visibly on the person (no cartesian-product warning).
        source = source.outerjoin(
            ContactData.__table__, and_(ContactData.person_id == Person.id, ContactData.id == chosen)
        )
    conditions = [Person.deleted_at.is_(None)]
    if start is not None:
        conditions.append(Person.created_at >= start)
    if end is not None:
        conditions.append(Person.created_at < end)
    return select(*columns).select_from(source).where(*conditions).order_by(Person.created_at, Person.id)


class PeopleExport:
    def __init__(self, session):
        self.session = session

    def rows(
        self, start: datetime | None, end: datetime | None, with_address: bool, with_contact: bool
    ) -> Iterator[tuple]:
        """The rows of `statement`, streamed."""
        stmt = statement(start, end, with_address, with_contact)
        stmt = stmt.execution_options(stream_results=True, yield_per=STREAM_BATCH)
        # yield_per with stream_results: a server-side cursor on MariaDB, fetched STREAM_BATCH rows at a time.
        for row in self.session.execute(stmt):
            yield tuple(row)
