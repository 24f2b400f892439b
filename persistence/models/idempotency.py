"""Responses kept for Idempotency-Key replays (24 hours)."""

from datetime import datetime

from sqlalchemy import Integer, LargeBinary, String
from sqlalchemy.dialects import mysql
from sqlalchemy.orm import Mapped, mapped_column

from personas.persistence.models.base import Base, Timestamp, utcnow

Blob = LargeBinary().with_variant(mysql.LONGBLOB(), "mysql", "mariadb")


class IdempotentRequest(Base):
    __tablename__ = "idempotent_requests"
    # SHA-256 of the API key id and the client's key: one client's keys never meet another's.
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    request_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    # NULL while the first request is still running.
    status: Mapped[int | None] = mapped_column(Integer, nullable=True)
    content_type: Mapped[str | None] = mapped_column(String(128), nullable=True)
    body: Mapped[bytes | None] = mapped_column(Blob, nullable=True)
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow, nullable=False)
    expires_at: Mapped[datetime] = mapped_column(Timestamp, nullable=False, index=True)
