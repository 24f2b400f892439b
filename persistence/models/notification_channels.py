"""Notification channels: where events are delivered (webhook, Slack, email)."""

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, String
from sqlalchemy.orm import Mapped, mapped_column

from personas.persistence.crypto import EncryptedString
from personas.persistence.models.base import Base, Json, Timestamp, TimestampMixin, UuidStr, new_id


class NotificationChannel(TimestampMixin, Base):
    __tablename__ = "notification_channels"

    id: Mapped[str] = mapped_column(UuidStr, primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(255), nullable=False)
    type: Mapped[str] = mapped_column(String(16), nullable=False)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    events: Mapped[list] = mapped_column(Json, nullable=False)
    # The config without the webhook secret, which is kept encrypted apart and never shown again.
    config: Mapped[dict] = mapped_column(Json, nullable=False)
    secret: Mapped[str | None] = mapped_column(EncryptedString(512), nullable=True)
    # Set at the first failed attempt of a run of failures, cleared by a success: a channel failing
    # for days is deactivated (active false, deactivated_at set).
    failing_since: Mapped[datetime | None] = mapped_column(Timestamp, nullable=True)
    deactivated_at: Mapped[datetime | None] = mapped_column(Timestamp, nullable=True)
    # The outbox sequence number (`OutboxEvent.seq`) when the channel was created or turned back on: it
    # receives only later events. Null (channels older than the number) receives every event.
    events_after: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
