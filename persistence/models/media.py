"""Files (media) attached to a model: a person or one of its records, as the seed's media rows."""

from sqlalchemy import BigInteger, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from personas.persistence.models.base import Base, Json, TimestampMixin, UuidStr, new_id


class Media(TimestampMixin, Base):
    __tablename__ = "media"
    __table_args__ = (Index("ix_media_owner", "model_type", "model_id", "collection_name"),)

    # The seed's media id is an integer; the API addresses a media by its uuid.
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    uuid: Mapped[str] = mapped_column(UuidStr, unique=True, default=new_id, nullable=False)
    model_type: Mapped[str] = mapped_column(String(64), nullable=False)
    model_id: Mapped[str] = mapped_column(UuidStr, nullable=False)
    collection_name: Mapped[str] = mapped_column(String(255), nullable=False)
    name: Mapped[str] = mapped_column(String(255), nullable=False)
    # The client's name, cleaned; shown and sent in Content-Disposition, never used as a path.
    file_name: Mapped[str] = mapped_column(String(255), nullable=False)
    mime_type: Mapped[str | None] = mapped_column(String(255), nullable=True)
    disk: Mapped[str] = mapped_column(String(32), nullable=False)
    size: Mapped[int] = mapped_column(BigInteger, nullable=False)
    custom_properties: Mapped[dict | None] = mapped_column(Json, nullable=True)
    order_column: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # Where the bytes are in the storage: built from the uuid only.
    storage_key: Mapped[str] = mapped_column(String(512), nullable=False)


# The API's `model` names and their tables.
OWNER_TABLES = {
    "address": "addresses",
    "person": "people",
    "person_contact": "contact_data",
    "person_reference": "person_references",
    "validation": "validations",
    "person_financial_data": "financial_data",
    "person_employment_data": "employment_data",
    "person_bank_data": "bank_data",
}
