"""Transactional outbox: each event is a row written in the transaction of the change."""

from datetime import datetime

from sqlalchemy import BigInteger, FetchedValue, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from personas.persistence.models.base import Base, Json, Timestamp, UuidStr, new_id, utcnow


class OutboxEvent(Base):
    __tablename__ = "outbox_events"
    __table_args__ = (Index("ix_outbox_events_state_available_at", "state", "available_at"),)

    # Numbers given by the database in the order rows are written (migration 0015: AUTO_INCREMENT on
    # MariaDB, a trigger on SQLite), never read back after an insert: the relay compares them with the
    # number a channel starts after, which no app process's clock could order reliably.
    __mapper_args__ = {"eager_defaults": False}

    id: Mapped[str] = mapped_column(UuidStr, primary_key=True, default=new_id)
    seq: Mapped[int | None] = mapped_column(BigInteger, server_default=FetchedValue(), unique=True)
    name: Mapped[str] = mapped_column(String(64), nullable=False)
    resource_name: Mapped[str] = mapped_column(String(64), nullable=False)
    resource_id: Mapped[str] = mapped_column(String(64), nullable=False)
    payload: Mapped[dict] = mapped_column(Json, nullable=False)
    # pending -> dispatched (fanned out to channel deliveries by jobs.relay).
    state: Mapped[str] = mapped_column(String(16), nullable=False, default="pending")
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow, nullable=False)
    available_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow, nullable=False)
    dispatched_at: Mapped[datetime | None] = mapped_column(Timestamp, nullable=True)
