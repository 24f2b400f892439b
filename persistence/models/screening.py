"""Watch lists loaded by operators (OFAC SDN, the UN consolidated list, CSV lists such as the UIF's), their
entries, and the reviews of screening matches.

A list is replaced whole when it is loaded again: its entries are deleted and inserted in the transaction
that updates the list's row, so a screening reads either the old version or the new one. An entry's `digest`
changes when its content does; a review that cleared a match holds the digest it saw, so the same entry,
changed, is judged again.
"""

from datetime import datetime

from sqlalchemy import Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from personas.persistence.models.base import Base, Json, Timestamp, UuidStr, new_id, utcnow


class WatchList(Base):
    __tablename__ = "watch_lists"

    id: Mapped[str] = mapped_column(UuidStr, primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    format: Mapped[str] = mapped_column(String(32), nullable=False)
    source: Mapped[str | None] = mapped_column(String(255), nullable=True)
    version: Mapped[str | None] = mapped_column(String(255), nullable=True)
    entries: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    # Changes with every load, so a process's index of the list knows when it is stale.
    load_id: Mapped[str] = mapped_column(UuidStr, nullable=False, default=new_id)
    loaded_at: Mapped[datetime] = mapped_column(Timestamp, nullable=False, default=utcnow)


class WatchListEntry(Base):
    __tablename__ = "watch_list_entries"
    __table_args__ = (UniqueConstraint("watch_list_id", "entry_id", name="uq_watch_list_entries_list_entry"),)

    id: Mapped[str] = mapped_column(UuidStr, primary_key=True, default=new_id)
    watch_list_id: Mapped[str] = mapped_column(ForeignKey("watch_lists.id", ondelete="CASCADE"), nullable=False)
    entry_id: Mapped[str] = mapped_column(String(64), nullable=False)
    names: Mapped[list] = mapped_column(Json, nullable=False)
    curp: Mapped[str | None] = mapped_column(String(18), nullable=True, index=True)
    rfc: Mapped[str | None] = mapped_column(String(13), nullable=True, index=True)
    kind: Mapped[str] = mapped_column(String(16), nullable=False, default="individual")
    digest: Mapped[str] = mapped_column(String(64), nullable=False)


class ScreeningReview(Base):
    """An analyst's decision on one screening match of a person: tracked in the person's history."""

    __tablename__ = "screening_reviews"
    __history__ = "screening_review"
    __table_args__ = (
        Index("ix_screening_reviews_person_id_list_entry", "person_id", "list_name", "entry_id"),
        Index("ix_screening_reviews_validation_result_id", "validation_result_id"),
    )

    id: Mapped[str] = mapped_column(UuidStr, primary_key=True, default=new_id)
    validation_result_id: Mapped[str] = mapped_column(ForeignKey("validation_results.id"), nullable=False)
    person_id: Mapped[str] = mapped_column(UuidStr, nullable=False)
    list_name: Mapped[str] = mapped_column(String(64), nullable=False)
    entry_id: Mapped[str] = mapped_column(String(64), nullable=False)
    entry_digest: Mapped[str] = mapped_column(String(64), nullable=False)
    matched_name: Mapped[str | None] = mapped_column(Text, nullable=True)
    score: Mapped[float | None] = mapped_column(Float, nullable=True)
    decision: Mapped[str] = mapped_column(String(16), nullable=False)
    reason: Mapped[str] = mapped_column(Text, nullable=False)
    api_key_id: Mapped[str | None] = mapped_column(UuidStr, nullable=True)
    api_key_name: Mapped[str | None] = mapped_column(String(255), nullable=True)
    created_at: Mapped[datetime] = mapped_column(Timestamp, nullable=False, default=utcnow)
