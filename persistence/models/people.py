"""People: the main resource. Soft-deleted through `deleted_at`."""

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from personas.persistence.models.base import Base, Json, Timestamp, TimestampMixin, UuidStr, new_id


class Person(TimestampMixin, Base):
    __tablename__ = "people"
    __table_args__ = (
        Index("ix_people_created_at_id", "created_at", "id"),
        # The list: living people newest first, all of them or one group's (covering: the keys hold the id).
        Index("ix_people_alive_created_at_id", "deleted_at", "created_at", "id"),
        Index("ix_people_group_alive_created_at_id", "people_group_id", "deleted_at", "created_at", "id"),
        Index("ix_people_external_ref_id", "external_ref_id"),
        Index("ix_people_facetec_ref_id", "facetec_ref_id"),
        Index("ix_people_national_id", "national_id"),
    )
    __history__ = "person"

    id: Mapped[str] = mapped_column(UuidStr, primary_key=True, default=new_id)
    national_id: Mapped[str] = mapped_column(String(18), nullable=False)
    # Equal to national_id while the person is not deleted, NULL after: a plain unique index then
    # enforces "unique among people that are not deleted" on SQLite and MariaDB alike.
    active_national_id: Mapped[str | None] = mapped_column(String(18), unique=True, nullable=True)
    name: Mapped[str] = mapped_column(String(255), nullable=False, default="")
    first_lastname: Mapped[str] = mapped_column(String(255), nullable=False, default="")
    second_lastname: Mapped[str] = mapped_column(String(255), nullable=False, default="")
    birthdate: Mapped[date | None] = mapped_column(Date, nullable=True)
    gender: Mapped[str | None] = mapped_column(String(6), nullable=True)
    tax_id: Mapped[str | None] = mapped_column(String(13), nullable=True)
    nationality_id: Mapped[int | None] = mapped_column(ForeignKey("nationalities.id"), nullable=True)
    state_id: Mapped[int | None] = mapped_column(ForeignKey("states.id"), nullable=True)
    entity_of_birth: Mapped[str | None] = mapped_column(String(255), nullable=True)
    external_ref_id: Mapped[str | None] = mapped_column(String(255), nullable=True)
    facetec_ref_id: Mapped[str | None] = mapped_column(String(255), nullable=True)
    marital_status_id: Mapped[int | None] = mapped_column(ForeignKey("marital_statuses.id"), nullable=True)
    people_group_id: Mapped[str | None] = mapped_column(
        ForeignKey("people_groups.id", ondelete="SET NULL"), nullable=True
    )
    extra_data: Mapped[dict | None] = mapped_column(Json, nullable=True)
    temporary_ref_id: Mapped[str | None] = mapped_column(UuidStr, nullable=True)
    biometrics_summary: Mapped[dict | None] = mapped_column(Json, nullable=True)
    addresses_similarity: Mapped[dict | None] = mapped_column(Json, nullable=True)
    deleted_at: Mapped[datetime | None] = mapped_column(Timestamp, nullable=True)
