"""Custom catalogs: lists of typed values (`label`, `type`, `value`) that dynamic properties can draw on.

Ids are integers, as the spec gives them. A value is unique within its catalog; the value itself is
JSON of any of six types, so uniqueness is enforced on a digest of its canonical form (`value_hash`).
"""

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from personas.persistence.models.base import Base, Json, TimestampMixin


class CustomCatalog(TimestampMixin, Base):
    __tablename__ = "custom_catalogs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(255), nullable=False)
    description: Mapped[str | None] = mapped_column(Text, nullable=True)


class CustomCatalogValue(TimestampMixin, Base):
    __tablename__ = "custom_catalog_values"
    __table_args__ = (
        UniqueConstraint("custom_catalog_id", "value_hash", name="uq_custom_catalog_values_catalog_value"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    custom_catalog_id: Mapped[int] = mapped_column(ForeignKey("custom_catalogs.id"), nullable=False, index=True)
    label: Mapped[str] = mapped_column(String(255), nullable=False)
    type: Mapped[str] = mapped_column(String(16), nullable=False)
    value: Mapped[object] = mapped_column(Json, nullable=False)
    # SHA-256 of the canonical JSON of `value` (domain.custom_catalogs.value_key).
    value_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    groups: Mapped[list | None] = mapped_column(Json, nullable=True)
