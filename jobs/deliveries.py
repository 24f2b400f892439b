"""The delivery job: send one event to one channel, then record the attempt.

`deliver(ctx, delivery_id, lease)` is safe to run twice: it first claims the delivery with its
lease token (a stale job, e.g. RQ re-running an abandoned one after the relay has re-leased the
delivery, finds another token and does nothing), sends outside any transaction, and records the
outcome only if the lease is still its own. Success is only a 2xx (or the SMTP server's accept);
a failure schedules the next attempt on domain.webhooks.RETRY_SCHEDULE (scaled by the
`delivery_retry_scale` knob, for tests) or marks the delivery failed, and a channel failing for
longer than DEACTIVATE_AFTER is deactivated.
"""

import logging
from datetime import timedelta

from sqlalchemy import select, update

from domain import webhooks
from jobs import senders
from jobs.queue import tuning
from jobs.relay import lease_seconds
from persistence import crypto
from persistence.models.base import utcnow
from persistence.models.deliveries import Delivery
from persistence.models.notification_channels import NotificationChannel

log = logging.getLogger("personas.jobs.deliveries")


def _claim(ctx, delivery_id: str, lease: str) -> senders.Message | None:
    now = utcnow()
    with ctx.session_factory() as session:
        claimed = session.execute(
            update(Delivery)
            .where(Delivery.id == delivery_id, Delivery.lease == lease, Delivery.status == "pending")
            .values(locked_until=now + timedelta(seconds=lease_seconds(ctx.settings)))
        ).rowcount
        if claimed != 1:
            session.rollback()
            return None
        delivery = session.get(Delivery, delivery_id)
        event, channel = delivery.event, delivery.channel
        message = senders.Message(
            event_id=event.id,
            event=event.name,
            resource_id=event.resource_id,
            resource_name=event.resource_name,
            payload=event.payload,
            channel_type=channel.type,
            config=dict(channel.config or {}),
            secret=channel.secret,
        )
        active = channel.active
        session.commit()
    return message if active else _drop_inactive(ctx, delivery_id, lease)


def _drop_inactive(ctx, delivery_id: str, lease: str) -> None:
    _record(ctx, delivery_id, lease, senders.Outcome(False, None, "channel is inactive"), final=True)
    return None


def _record(ctx, delivery_id: str, lease: str, outcome: senders.Outcome, final: bool = False) -> str | None:
    now = utcnow()
    scale = tuning(ctx.settings, "delivery_retry_scale", 1.0)
    with ctx.session_factory() as session:
        delivery = session.scalars(select(Delivery).where(Delivery.id == delivery_id).with_for_update()).first()
        if delivery is None or delivery.lease != lease:
            return None  # deleted, or re-leased to another job meanwhile: that job records its own attempt
        channel = session.get(NotificationChannel, delivery.channel_id)
        delivery.attempts += 1
        delivery.last_status_code, delivery.last_error = outcome.status_code, outcome.error
        delivery.lease = delivery.locked_until = None
        if outcome.ok:
            delivery.status, delivery.delivered_at, delivery.next_attempt_at = "delivered", now, None
            channel.failing_since = None
        else:
            retry_after = webhooks.retry_after_seconds(outcome.retry_after, now)
            upcoming = None if final else webhooks.next_attempt(delivery.attempts, now, retry_after, scale)
            delivery.next_attempt_at = upcoming
            delivery.status = "pending" if upcoming else "failed"
            channel.failing_since = channel.failing_since or now
            if channel.active and now - channel.failing_since >= webhooks.DEACTIVATE_AFTER * scale:
                channel.active, channel.deactivated_at = False, now
                log.warning("channel %s deactivated: failing since %s", channel.id, channel.failing_since)
        session.commit()
        return delivery.status


def deliver(ctx, delivery_id: str, lease: str) -> str | None:
    """Send the delivery once; returns its new status, or None when this job had nothing to do."""
    if not crypto.is_configured():
        crypto.configure(ctx.settings)  # the channel secret is encrypted at rest
    message = _claim(ctx, delivery_id, lease)
    if message is None:
        return None
    outcome = senders.send(message, ctx.settings)
    if not outcome.ok:
        log.info("delivery %s failed: %s", delivery_id, outcome.error)
    return _record(ctx, delivery_id, lease, outcome)
