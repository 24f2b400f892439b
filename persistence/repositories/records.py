"""A generic repository for records that belong to a person (addresses, contact data, ...)."""

from sqlalchemy import select

from personas.persistence.repositories.paging import page_of


class RecordRepository:
    def __init__(self, session, model):
        self.session = session
        self.model = model

    def add(self, record):
        self.session.add(record)
        return record

    def new(self, **fields):
        return self.add(self.model(**fields))

    def get(self, record_id):
        return self.session.get(self.model, record_id)

    def delete(self, record) -> None:
        self.session.delete(record)

    def page(self, page: int, per_page: int, cursor: str | None = None, **filters):
        """Newest first, filtered by equality on the given columns (None filters are ignored)."""
        stmt = select(self.model)
        for column, value in filters.items():
            if value is not None:
                stmt = stmt.where(getattr(self.model, column) == value)
        order = (self.model.created_at.desc(), self.model.id.desc())
        return page_of(self.session, stmt, page, per_page, order, cursor)

    def for_person(self, person_id: str) -> list:
        stmt = select(self.model).where(self.model.person_id == person_id)
        return list(self.session.scalars(stmt.order_by(self.model.created_at, self.model.id)))
