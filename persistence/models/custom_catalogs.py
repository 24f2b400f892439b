"""Custom catalogs: lists of typed values (`label`, `type`, `value`) that dynamic properties can draw on.

Ids are UUID v4 strings, as the spec gives them; lists go by (created_at, id), hence the indexes. A value is
unique within its catalog; the value itself is JSON of any of six types, so uniqueness is enforced on a digest
of its canonical form (`value_hash`).
"""

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from personas.persistence.models.base import Base, Json, TimestampMixin, UuidStr, new_id


class CustomCatalog(TimestampMixin, Base):
    __tablename__ = "custom_catalogs"
    __table_args__ = (Index("ix_custom_catalogs_created_at_id", "created_at", "id"),)

    id: Mapped[str] = mapped_column(UuidStr, primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(255), nullable=False)
    description: Mapped[str | None] = mapped_column(Text, nullable=True)


class CustomCatalogValue(TimestampMixin, Base):
    __tablename__ = "custom_catalog_values"
    __table_args__ = (
        # Also the index of the foreign key, whose column leads it.
        UniqueConstraint("custom_catalog_id", "value_hash", name="uq_custom_catalog_values_catalog_value"),
        # The list, all catalogs or one, and a catalog's values.
        Index("ix_custom_catalog_values_created_at_id", "created_at", "id"),
        Index("ix_custom_catalog_values_custom_catalog_id_created_at_id", "custom_catalog_id", "created_at", "id"),
    )

    id: Mapped[str] = mapped_column(UuidStr, primary_key=True, default=new_id)
    custom_catalog_id: Mapped[str] = mapped_column(ForeignKey("custom_catalogs.id"), nullable=False)
    label: Mapped[str] = mapped_column(String(255), nullable=False)
    type: Mapped[str] = mapped_column(String(16), nullable=False)
    value: Mapped[object] = mapped_column(Json, nullable=False)
    # SHA-256 of the canonical JSON of `value` (domain.custom_catalogs.value_key).
    value_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    groups: Mapped[list | None] = mapped_column(Json, nullable=True)
