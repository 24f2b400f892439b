"""A person's contact data: one email and one mobile phone, each confirmed by a code."""

from sqlalchemy import Boolean, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from personas.persistence.models.base import Base, TimestampMixin, UuidStr, new_id
from personas.persistence.models.contact_codes import ContactCode


class ContactData(TimestampMixin, Base):
    __tablename__ = "contact_data"
    __table_args__ = (
        Index("ix_contact_data_created_at_id", "created_at", "id"),
        Index("ix_contact_data_person_id_created_at_id", "person_id", "created_at", "id"),
    )
    __history__ = "person_contact"

    id: Mapped[str] = mapped_column(UuidStr, primary_key=True, default=new_id)
    person_id: Mapped[str] = mapped_column(ForeignKey("people.id"), index=True, nullable=False)
    # Normalised by domain.contact_data: email as email-validator writes it, phone in E.164 ("+525591038054").
    email: Mapped[str | None] = mapped_column(String(254), nullable=True)
    phone: Mapped[str | None] = mapped_column(String(32), nullable=True)
    email_confirmation: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    sms_confirmation: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    # The database deletes codes with their contact (ON DELETE CASCADE); the ORM need not load them to do it.
    codes: Mapped[list[ContactCode]] = relationship(
        ContactCode, cascade="all, delete-orphan", passive_deletes=True, order_by=ContactCode.created_at
    )
