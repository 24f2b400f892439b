"""Biometric results of a person (FaceTec liveness, enrollment and face matches)."""

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from personas.persistence.models.base import Base, Json, Timestamp, TimestampMixin, UuidStr, new_id


class Biometric(TimestampMixin, Base):
    __tablename__ = "biometrics"
    __table_args__ = (
        Index("ix_biometrics_created_at_id", "created_at", "id"),
        Index("ix_biometrics_person_id_created_at_id", "person_id", "created_at", "id"),
    )
    __history__ = "biometric"

    id: Mapped[str] = mapped_column(UuidStr, primary_key=True, default=new_id)
    person_id: Mapped[str] = mapped_column(ForeignKey("people.id"), index=True, nullable=False)
    # The integer of domain.biometrics.TYPES (0 LIVENESS ... 4 FACE_MATCH_ID), as the seed stores it.
    type: Mapped[int] = mapped_column(Integer, nullable=False)
    facetec_id: Mapped[str | None] = mapped_column(String(255), nullable=True)
    execution_date: Mapped[datetime | None] = mapped_column(Timestamp, nullable=True)
    # `metadata` is taken by SQLAlchemy's declarative base; the column keeps the API's name.
    # The API's `metadata`: SQLAlchemy's declarative base reserves that attribute name.
    details: Mapped[dict | None] = mapped_column("metadata", Json, nullable=True)
