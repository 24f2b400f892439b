"""Verification codes sent to a contact's phone or email: only their HMAC is stored."""

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, select, update
from sqlalchemy.orm import Mapped, mapped_column, object_session

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

    def count_attempt(self, limit: int) -> bool:
        """Adds one attempt in SQL unless `limit` attempts are already counted; False when refused.

        `attempts = attempts + 1 ... WHERE attempts < limit` runs in the database (and locks the row
        on MariaDB), so guesses sent in parallel each count, and exactly `limit` of them get through
        however many arrive at once: a stale value read in Python could let more past.
        """
        session = object_session(self)
        table = type(self)
        stmt = (
            update(table)
            .where(table.id == self.id, table.attempts < limit)
            .values(attempts=table.attempts + 1)
            .execution_options(synchronize_session=False)
        )
        counted = session.execute(stmt).rowcount == 1
        session.refresh(self, ["attempts"])
        return counted

    @classmethod
    def sent_since(cls, anchor, channel: str, destination: str, since: datetime) -> list[datetime]:
        """When codes went to `destination` after `since`, oldest first, whichever contact they were for.

        `anchor` is any record loaded in the session to query with.
        """
        stmt = (
            select(cls.created_at)
            .where(cls.channel == channel, cls.destination == destination, cls.created_at > since)
            .order_by(cls.created_at)
        )
        return list(object_session(anchor).scalars(stmt))
