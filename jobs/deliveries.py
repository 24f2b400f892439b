"""The delivery jobs: send events to channels, then record the attempts.

`deliver_many(ctx, delivery_ids, lease)` takes a batch leased together by the relay (one lease
token for the batch) and is safe to run twice: it claims, in one transaction, the deliveries that
still carry its lease (a stale job, e.g. RQ re-running an abandoned one after the relay has
re-leased them, finds another token and does nothing), sends outside any transaction, one after
the other over one outgoing-call session (keep-alive connections per receiver), and records every
outcome in one transaction, each only if the lease is still its own. A delivery is marked delivered
only after its own 2xx (or the SMTP server's accept); a failure schedules the next attempt on
domain.webhooks.RETRY_SCHEDULE (scaled by the `delivery_retry_scale` knob, for tests) or marks the
delivery failed, and a channel failing for longer than DEACTIVATE_AFTER is deactivated. A batch
stops sending once half its lease is spent and hands the rest back to the relay at once, so a slow
receiver never outlives the lease. A job killed mid-batch records nothing: its lease runs out and
the batch is sent again, with the same webhook-ids (at least once).

`deliver(ctx, delivery_id, lease)` is the same for one delivery (manual redelivery).
"""

import logging
import time
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import lazyload

from personas.domain import webhooks
from personas.jobs import metrics, senders
from personas.jobs.queue import tuning
from personas.jobs.relay import lease_seconds, writer
from personas.persistence import crypto
from personas.persistence.models.base import utcnow
from personas.persistence.models.deliveries import Delivery
from personas.persistence.models.notification_channels import NotificationChannel

log = logging.getLogger("personas.jobs.deliveries")

INACTIVE = senders.Outcome(False, None, "channel is inactive", refused=True)
RECORD_TRIES = 3


def _message(delivery: Delivery, channel: NotificationChannel) -> senders.Message:
    event = delivery.event
    return senders.Message(
        event_id=event.id,
        event=event.name,
        resource_id=event.resource_id,
        resource_name=event.resource_name,
        payload=event.payload,
        channel_type=channel.type,
        config=dict(channel.config or {}),
        secret=channel.secret,
    )


def _claim(ctx, delivery_ids: list[str], lease: str) -> dict[str, senders.Message | None]:
    """The batch's deliveries still leased to it, renewed: id -> message (None: its channel is inactive)."""
    now = utcnow()
    mine = (Delivery.id.in_(delivery_ids), Delivery.lease == lease, Delivery.status == "pending")
    with writer(ctx) as session:
        renewed = now + timedelta(seconds=lease_seconds(ctx.settings))
        session.execute(update(Delivery).where(*mine).values(locked_until=renewed))
        # The event joined; each channel read (and its secret decrypted) once for the batch.
        found = {d.id: d for d in session.scalars(select(Delivery).where(*mine).options(lazyload(Delivery.channel)))}
        ids = {d.channel_id for d in found.values()}
        channels = {
            c.id: c for c in session.scalars(select(NotificationChannel).where(NotificationChannel.id.in_(ids)))
        }
        claimed = {}
        for delivery_id in delivery_ids:
            if delivery_id in found:
                channel = channels[found[delivery_id].channel_id]
                claimed[delivery_id] = _message(found[delivery_id], channel) if channel.active else None
        session.commit()
    return claimed


def _apply(delivery: Delivery, channel: NotificationChannel, outcome: senders.Outcome, now, scale, final) -> None:
    delivery.attempts += 1
    delivery.last_status_code, delivery.last_error = outcome.status_code, outcome.error
    delivery.lease = delivery.locked_until = None
    retry_after = webhooks.retry_after_seconds(outcome.retry_after, now)
    upcoming = None if final else webhooks.next_attempt(delivery.attempts, now, retry_after, scale)
    delivery.next_attempt_at = upcoming
    delivery.status = "pending" if upcoming else "failed"
    channel.failing_since = channel.failing_since or now
    if channel.active and now - channel.failing_since >= webhooks.DEACTIVATE_AFTER * scale:
        channel.active, channel.deactivated_at = False, now
        log.warning("channel %s deactivated: failing since %s", channel.id, channel.failing_since)


def _record(ctx, lease: str, outcomes: dict, unsent: list[str]) -> dict[str, str]:
    """Outcomes (id -> (outcome, final)) in one transaction; `unsent` handed back to the relay unattempted.

    Every write is conditional on the lease still being this batch's: a delivery deleted or re-leased
    to another job meanwhile is left to that job, which records its own attempt.
    """
    if not outcomes and not unsent:
        return {}
    now = utcnow()
    scale = tuning(ctx.settings, "delivery_retry_scale", 1.0)
    mine = (Delivery.lease == lease, Delivery.status == "pending")
    statuses, channel_of = {}, {}
    with writer(ctx) as session:
        # Failures (rare): row by row, each with its schedule and its channel's failing clock.
        failed = [i for i, (outcome, _final) in outcomes.items() if not outcome.ok]
        if failed:
            rows = session.scalars(
                select(Delivery)
                .where(Delivery.id.in_(failed), *mine)
                .options(lazyload("*"))
                .order_by(Delivery.id)
                .with_for_update()
            )
            for delivery in rows:
                channel_of[delivery.id] = delivery.channel_id
                outcome, final = outcomes[delivery.id]
                _apply(delivery, session.get(NotificationChannel, delivery.channel_id), outcome, now, scale, final)
                statuses[delivery.id] = delivery.status
            session.flush()
        # Successes: the rows still ours (locked), then one UPDATE per status code.
        succeeded = {i: outcome.status_code for i, (outcome, _final) in outcomes.items() if outcome.ok}
        ours = {}
        if succeeded:
            found = session.execute(
                select(Delivery.id, Delivery.channel_id)
                .where(Delivery.id.in_(succeeded), *mine)
                .order_by(Delivery.id)
                .with_for_update()
            )
            ours = {row.id: row.channel_id for row in found}
            channel_of |= ours
        by_code: dict[int | None, list[str]] = {}
        for delivery_id in ours:
            by_code.setdefault(succeeded[delivery_id], []).append(delivery_id)
            statuses[delivery_id] = "delivered"
        for code, ids in by_code.items():
            values = dict(status="delivered", last_status_code=code, last_error=None, delivered_at=now)
            values |= dict(next_attempt_at=None, lease=None, locked_until=None, attempts=Delivery.attempts + 1)
            session.execute(update(Delivery).where(Delivery.id.in_(ids), *mine).values(**values))
        # A channel whose last attempt in this batch succeeded is no longer failing.
        last_ok = {channel_of[i]: outcome.ok for i, (outcome, _final) in outcomes.items() if i in channel_of}
        recovered = [channel_id for channel_id, ok in last_ok.items() if ok]
        if recovered:
            # Read first (no lock) and write only a channel that was failing: an UPDATE locks the row even
            # when it changes nothing, and the relay's inserts lock it too (MariaDB's FK check): deadlocks.
            failing = NotificationChannel.failing_since.isnot(None)
            wanted = NotificationChannel.id.in_(recovered)
            if session.scalars(select(NotificationChannel.id).where(wanted, failing)).first() is not None:
                session.execute(update(NotificationChannel).where(wanted, failing).values(failing_since=None))
        if unsent:
            session.execute(
                update(Delivery).where(Delivery.id.in_(unsent), *mine).values(lease=None, locked_until=None)
            )
        session.commit()
    return statuses


def _metric_outcome(outcome: senders.Outcome, status: str) -> str:
    if status == "delivered":
        return metrics.DELIVERED
    if outcome.refused:
        return metrics.REFUSED
    return metrics.GAVE_UP if status == "failed" else metrics.FAILED


def deliver_many(ctx, delivery_ids: list[str], lease: str) -> dict[str, str]:
    """Send a leased batch once; returns the new status of each delivery this job recorded."""
    if not crypto.is_configured():
        crypto.configure(ctx.settings)  # the channel secret is encrypted at rest
    claimed = _claim(ctx, list(delivery_ids), lease)
    budget = time.monotonic() + lease_seconds(ctx.settings) / 2
    outcomes, unsent = {}, []
    with senders.session(ctx.settings) as http:
        for delivery_id, message in claimed.items():
            if message is None:
                outcomes[delivery_id] = (INACTIVE, True)
            elif time.monotonic() > budget:
                unsent.append(delivery_id)
            else:
                outcome = senders.send(message, ctx.settings, http, ctx.providers.get("email"))
                if not outcome.ok:
                    log.info("delivery %s failed: %s", delivery_id, outcome.error)
                outcomes[delivery_id] = (outcome, False)
    for attempt in range(RECORD_TRIES):
        try:
            statuses = _record(ctx, lease, outcomes, unsent)
        except OperationalError as exc:  # a deadlock or a busy database: the sends are done, record again
            if attempt == RECORD_TRIES - 1:
                raise  # RQ retries the job: the batch is sent again, with the same webhook-ids
            log.info("recording a batch failed (%s); trying again", exc.orig)
            time.sleep(0.05 * (attempt + 1))
            continue
        # Counted once recorded, and only what this job recorded (a delivery re-leased meanwhile is not).
        metrics.count_deliveries(_metric_outcome(outcomes[i][0], status) for i, status in statuses.items())
        return statuses
    return {}


def deliver(ctx, delivery_id: str, lease: str) -> str | None:
    """Send one delivery once; returns its new status, or None when this job had nothing to do."""
    return deliver_many(ctx, [delivery_id], lease).get(delivery_id)
