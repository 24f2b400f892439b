"""Personal references of a person: someone to call, and how they are related."""

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from personas.persistence.models.base import Base, TimestampMixin, UuidStr, new_id


class PersonReference(TimestampMixin, Base):
    # Not "references": that is a reserved word in MariaDB.
    __tablename__ = "person_references"
    __table_args__ = (
        Index("ix_person_references_created_at_id", "created_at", "id"),
        Index("ix_person_references_person_id_created_at_id", "person_id", "created_at", "id"),
    )
    __history__ = "person_reference"

    id: Mapped[str] = mapped_column(UuidStr, primary_key=True, default=new_id)
    person_id: Mapped[str] = mapped_column(ForeignKey("people.id"), index=True, nullable=False)
    name: Mapped[str] = mapped_column(String(255), nullable=False)
    phone: Mapped[str] = mapped_column(String(32), nullable=False)
    person_relation_id: Mapped[int] = mapped_column(ForeignKey("person_relations.id"), nullable=False)
