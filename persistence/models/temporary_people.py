"""Temporary people: data received before the definitive person exists, kept as sent until promoted."""

import json
from datetime import date

from sqlalchemy import Date, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from personas.persistence.crypto import EncryptedString
from personas.persistence.models.base import Base, Json, TimestampMixin, UuidStr, new_id


class EncryptedJson(EncryptedString):
    """A JSON value stored as one Fernet token; an `EncryptedString`, so `crypto.rotate` re-encrypts it too."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value, dialect):
        return None if value is None else super().process_bind_param(json.dumps(value, ensure_ascii=False), dialect)

    def process_result_value(self, value, dialect):
        return None if value is None else json.loads(super().process_result_value(value, dialect))


class TemporaryPerson(TimestampMixin, Base):
    __tablename__ = "temporary_people"
    __table_args__ = (Index("ix_temporary_people_created_at_id", "created_at", "id"),)
    # No `__history__`: a temporary person is not a person's record; the person it becomes has its own
    # history from its creation, which carries `temporary_ref_id`.

    id: Mapped[str] = mapped_column(UuidStr, primary_key=True, default=new_id)
    facetec_ref_id: Mapped[str | None] = mapped_column(String(255), nullable=True)
    external_ref_id: Mapped[str | None] = mapped_column(String(255), nullable=True)
    callback_url: Mapped[str | None] = mapped_column(String(2048), nullable=True)
    name: Mapped[str | None] = mapped_column(String(255), nullable=True)
    first_lastname: Mapped[str | None] = mapped_column(String(255), nullable=True)
    second_lastname: Mapped[str | None] = mapped_column(String(255), nullable=True)
    national_id: Mapped[str | None] = mapped_column(String(18), nullable=True)
    tax_id: Mapped[str | None] = mapped_column(String(13), nullable=True)
    birthdate: Mapped[date | None] = mapped_column(Date, nullable=True)
    gender: Mapped[str | None] = mapped_column(String(6), nullable=True)
    extra_data: Mapped[dict | None] = mapped_column(Json, nullable=True)
    # Account, CLABE and card number: personal financial data, encrypted at rest as in `bank_data`.
    bank_data: Mapped[dict | None] = mapped_column(EncryptedJson, nullable=True)
    employment_data: Mapped[dict | None] = mapped_column(Json, nullable=True)
    # The person created by the promotion; unique, so one temporary person never becomes two people.
    person_id: Mapped[str | None] = mapped_column(ForeignKey("people.id"), unique=True, nullable=True)
