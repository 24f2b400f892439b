"""Bank data of a person (`/bank-data`). Account, CLABE and card number are encrypted at rest.

The CLABE's `metadata` is not stored: it is derived from the CLABE when the record is shown, so no
clear copy of the CLABE sits in a JSON column. History stores the three numbers masked.
"""

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from personas.persistence.crypto import EncryptedString
from personas.persistence.models.base import Base, Timestamp, TimestampMixin, UuidStr, new_id

# A Fernet token of up to 20 digits is 120 characters; 255 leaves room.
TOKEN_LENGTH = 255


class BankData(TimestampMixin, Base):
    __tablename__ = "bank_data"
    __table_args__ = (
        Index("ix_bank_data_created_at_id", "created_at", "id"),
        Index("ix_bank_data_person_id_created_at_id", "person_id", "created_at", "id"),
    )
    __history__ = "person_bank_data"
    __history_masked__ = ("account", "clabe", "card_number")

    id: Mapped[str] = mapped_column(UuidStr, primary_key=True, default=new_id)
    person_id: Mapped[str] = mapped_column(ForeignKey("people.id"), index=True, nullable=False)
    bank: Mapped[str] = mapped_column(String(255), nullable=False)
    account: Mapped[str] = mapped_column(EncryptedString(TOKEN_LENGTH), nullable=False)
    clabe: Mapped[str] = mapped_column(EncryptedString(TOKEN_LENGTH), nullable=False)
    card_number: Mapped[str | None] = mapped_column(EncryptedString(TOKEN_LENGTH), nullable=True)
    validated_at: Mapped[datetime | None] = mapped_column(Timestamp, nullable=True)
