"""Verification codes sent to a contact's phone or email: only their HMAC is stored."""

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from personas.persistence.models.base import Base, Timestamp, TimestampMixin, UuidStr, new_id


class ContactCode(TimestampMixin, Base):
    __tablename__ = "contact_codes"
    # Code sends are limited per phone or email over the last hour.
    __table_args__ = (Index("ix_contact_codes_channel_destination_created_at", "channel", "destination", "created_at"),)

    id: Mapped[str] = mapped_column(UuidStr, primary_key=True, default=new_id)
    contact_data_id: Mapped[str] = mapped_column(
        ForeignKey("contact_data.id", ondelete="CASCADE"), index=True, nullable=False
    )
    channel: Mapped[str] = mapped_column(String(8), nullable=False)
    # The phone or email the code went to: a code proves only that address.
    destination: Mapped[str] = mapped_column(String(254), nullable=False)
    code_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    expires_at: Mapped[datetime] = mapped_column(Timestamp, nullable=False)
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    consumed_at: Mapped[datetime | None] = mapped_column(Timestamp, nullable=True)
