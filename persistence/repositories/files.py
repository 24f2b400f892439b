"""Media rows and temporary files: the generic record queries, plus who may own a media and what expired."""

from datetime import datetime

from sqlalchemy import select

from personas.persistence.models.base import Base
from personas.persistence.models.media import OWNER_TABLES, Media
from personas.persistence.models.temporary_files import TemporaryFile
from personas.persistence.repositories.records import RecordRepository


def _model_of(table: str):
    for mapper in Base.registry.mappers:
        if getattr(mapper.class_, "__tablename__", None) == table:
            return mapper.class_
    return None


class MediaRepository(RecordRepository):
    def __init__(self, session):
        super().__init__(session, Media)

    def owner_exists(self, model: str, model_id: str) -> bool:
        """Whether the record that the API's `model` name and `model_id` point at is stored."""
        table = OWNER_TABLES.get(model)
        cls = None if table is None else _model_of(table)
        return cls is not None and self.session.get(cls, model_id) is not None


class TemporaryFileRepository(RecordRepository):
    def __init__(self, session):
        super().__init__(session, TemporaryFile)

    def expired(self, now: datetime, limit: int) -> list[TemporaryFile]:
        """Up to `limit` temporary files whose `expires_at` has passed, the oldest first."""
        stmt = select(TemporaryFile).where(TemporaryFile.expires_at < now).order_by(TemporaryFile.expires_at)
        return list(self.session.scalars(stmt.limit(limit)))
