"""Dynamic properties (a named descriptor of typed fields with rules) and the people's values for them.

Values are versions: each save is a new row, `version` counting 1, 2, ... per person and property.
They are the person's data, so they are tracked in the person's history (`__history__`).
"""

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from personas.persistence.models.base import Base, Json, TimestampMixin, UuidStr, new_id


class DynamicProperty(TimestampMixin, Base):
    __tablename__ = "dynamic_properties"

    id: Mapped[str] = mapped_column(UuidStr, primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(255), nullable=False)
    description: Mapped[str | None] = mapped_column(Text, nullable=True)
    # Slug of `name`, unique.
    key: Mapped[str] = mapped_column(String(255), nullable=False, unique=True)
    # The fields, normalised: key, title, type, filter_group, rules, catalog_id.
    descriptor: Mapped[list] = mapped_column(Json, nullable=False)


class DynamicValue(TimestampMixin, Base):
    __tablename__ = "dynamic_values"
    __table_args__ = (
        # Also the backstop against two saves taking the same version number.
        UniqueConstraint(
            "person_id", "dynamic_property_id", "version", name="uq_dynamic_values_person_property_version"
        ),
        # The lists, newest first, unfiltered or for one person.
        Index("ix_dynamic_values_created_at_version_id", "created_at", "version", "id"),
        Index("ix_dynamic_values_person_id_created_at", "person_id", "created_at", "version", "id"),
    )
    __history__ = "dynamic_value"

    id: Mapped[str] = mapped_column(UuidStr, primary_key=True, default=new_id)
    # Indexed by the unique constraint above, whose first column it is.
    person_id: Mapped[str] = mapped_column(ForeignKey("people.id"), nullable=False)
    dynamic_property_id: Mapped[str] = mapped_column(ForeignKey("dynamic_properties.id"), nullable=False, index=True)
    # `values` is a reserved word in SQL; the column has a plain name.
    values: Mapped[dict] = mapped_column("field_values", Json, nullable=False)
    version: Mapped[int] = mapped_column(Integer, nullable=False)

    dynamic_property: Mapped[DynamicProperty] = relationship(lazy="joined")
