"""Deliveries: one row per (event, channel), the source of truth of what was sent and what is due."""

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from personas.persistence.models.base import Base, Timestamp, UuidStr, new_id, utcnow
from personas.persistence.models.events import OutboxEvent
from personas.persistence.models.notification_channels import NotificationChannel


class Delivery(Base):
    __tablename__ = "deliveries"
    # One delivery per event and channel, whatever relays race: the database refuses a second.
    __table_args__ = (
        UniqueConstraint("event_id", "channel_id", name="uq_deliveries_event_id_channel_id"),
        Index("ix_deliveries_status_next_attempt_at", "status", "next_attempt_at"),
        Index("ix_deliveries_channel_id_created_at", "channel_id", "created_at"),
    )

    id: Mapped[str] = mapped_column(UuidStr, primary_key=True, default=new_id)
    event_id: Mapped[str] = mapped_column(ForeignKey("outbox_events.id"), nullable=False)
    channel_id: Mapped[str] = mapped_column(ForeignKey("notification_channels.id", ondelete="CASCADE"), nullable=False)
    # pending -> delivered | failed
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="pending")
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    last_status_code: Mapped[int | None] = mapped_column(Integer, nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    next_attempt_at: Mapped[datetime | None] = mapped_column(Timestamp, nullable=True, default=utcnow)
    delivered_at: Mapped[datetime | None] = mapped_column(Timestamp, nullable=True)
    # A lease: the token of the one job allowed to send now, until `locked_until`. A job killed
    # mid-send leaves a lease that expires, and the relay hands the delivery to a new job.
    lease: Mapped[str | None] = mapped_column(String(36), nullable=True)
    locked_until: Mapped[datetime | None] = mapped_column(Timestamp, nullable=True)
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow, onupdate=utcnow, nullable=False)

    event: Mapped[OutboxEvent] = relationship(lazy="joined")
    channel: Mapped[NotificationChannel] = relationship(lazy="joined")
