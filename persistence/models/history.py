"""Change history of people and their records, written by the listener in persistence.history."""

from datetime import datetime

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from personas.persistence.models.base import Base, Json, Timestamp, UuidStr, new_id, utcnow


class HistoryEntry(Base):
    __tablename__ = "history"
    __table_args__ = (Index("ix_history_person_id_created_at_id", "person_id", "created_at", "id"),)

    id: Mapped[str] = mapped_column(UuidStr, primary_key=True, default=new_id)
    person_id: Mapped[str | None] = mapped_column(UuidStr, nullable=True)
    resource_type: Mapped[str] = mapped_column(String(64), nullable=False)
    resource_id: Mapped[str] = mapped_column(String(64), nullable=False)
    action: Mapped[str] = mapped_column(String(16), nullable=False)
    field: Mapped[str | None] = mapped_column(String(64), nullable=True)
    old_value: Mapped[object | None] = mapped_column(Json, nullable=True)
    new_value: Mapped[object | None] = mapped_column(Json, nullable=True)
    api_key_id: Mapped[str | None] = mapped_column(UuidStr, nullable=True)
    api_key_name: Mapped[str | None] = mapped_column(String(255), nullable=True)
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow, nullable=False)
