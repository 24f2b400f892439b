"""API keys: only a SHA-256 digest of each key is stored."""

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from personas.persistence.models.base import Base, Timestamp, UuidStr, new_id, utcnow


class ApiKey(Base):
    __tablename__ = "api_keys"
    id: Mapped[str] = mapped_column(UuidStr, primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(255), nullable=False)
    prefix: Mapped[str] = mapped_column(String(16), nullable=False)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow, nullable=False)
    revoked_at: Mapped[datetime | None] = mapped_column(Timestamp, nullable=True)
    # Comma-separated scopes; NULL grants all of them (keys made before scopes existed).
    scopes: Mapped[str | None] = mapped_column(String(64), nullable=True)
    expires_at: Mapped[datetime | None] = mapped_column(Timestamp, nullable=True)
