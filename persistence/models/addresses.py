"""Addresses of a person: declared ones and the one read from the INE credential (`source`)."""

from datetime import datetime

from sqlalchemy import Boolean, Double, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from personas.persistence.models.base import Base, Json, Timestamp, TimestampMixin, UuidStr, new_id


class Address(TimestampMixin, Base):
    __tablename__ = "addresses"
    # The list pages by (created_at, id), unfiltered or for one person.
    __table_args__ = (
        Index("ix_addresses_created_at_id", "created_at", "id"),
        Index("ix_addresses_person_id_created_at_id", "person_id", "created_at", "id"),
    )
    __history__ = "address"

    id: Mapped[str] = mapped_column(UuidStr, primary_key=True, default=new_id)
    person_id: Mapped[str] = mapped_column(ForeignKey("people.id"), index=True, nullable=False)
    street: Mapped[str] = mapped_column(String(255), nullable=False)
    ext_num: Mapped[str] = mapped_column(String(50), nullable=False)
    int_num: Mapped[str | None] = mapped_column(String(50), nullable=True)
    # The catalog code ("DF") whatever name the client sent; state_id is its catalog id.
    state: Mapped[str | None] = mapped_column(String(64), nullable=True)
    state_id: Mapped[int | None] = mapped_column(ForeignKey("states.id"), nullable=True)
    city: Mapped[str | None] = mapped_column(String(255), nullable=True)
    municipality: Mapped[str] = mapped_column(String(255), nullable=False)
    colony: Mapped[str] = mapped_column(String(255), nullable=False)
    zip_code: Mapped[str] = mapped_column(String(10), nullable=False)
    references: Mapped[str] = mapped_column(Text, nullable=False)
    # DOUBLE, not FLOAT: MariaDB's FLOAT is single precision and would blur coordinates.
    latitude: Mapped[float | None] = mapped_column(Double, nullable=True)
    longitude: Mapped[float | None] = mapped_column(Double, nullable=True)
    # Free text, as the seed has it; "ine" (any case) marks the address read from the INE credential.
    source: Mapped[str | None] = mapped_column(String(64), nullable=True)
    ownership: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    dwelling_age: Mapped[int | None] = mapped_column(Integer, nullable=True)
    device_coordinates: Mapped[list | None] = mapped_column(Json, nullable=True)
    is_current_address: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    verified_at: Mapped[datetime | None] = mapped_column(Timestamp, nullable=True)
    # `metadata` is taken by SQLAlchemy's declarative base; the column keeps the API's name.
    # The API's `metadata`: SQLAlchemy's declarative base reserves that attribute name.
    details: Mapped[dict | None] = mapped_column("metadata", Json, nullable=True)
