"""The outbox relay: due events become per-channel deliveries, and due deliveries become jobs.

One pass (`tick`), run every second by each worker (and by a thread of the API when there is no
Redis), in two short transactions:
1. pending outbox events -> one `deliveries` row per active channel subscribed to the event, the
   event marked dispatched, all in one transaction; rows are taken with FOR UPDATE SKIP LOCKED on
   MariaDB so several relays share the work (SQLite has one writer; the unique (event, channel)
   key is the last word either way);
2. pending deliveries that are due (`next_attempt_at` passed) and not leased -> a new lease token.
Then a `jobs.deliveries.deliver(id, lease)` job per leased delivery. If enqueueing fails (Redis
down) nothing is lost: the lease expires and a later pass leases the delivery again.
"""

import logging
import threading
import uuid
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.exc import DBAPIError, IntegrityError

from persistence.models.base import utcnow
from persistence.models.deliveries import Delivery
from persistence.models.events import OutboxEvent
from persistence.models.notification_channels import NotificationChannel

log = logging.getLogger("personas.jobs.relay")

BATCH = 200
DELIVER = "jobs.deliveries.deliver"


def lease_seconds(settings) -> float:
    from jobs.queue import tuning

    return tuning(settings, "delivery_lease", 30.0)


def dispatch_events(session, lease_for: timedelta, limit: int = BATCH) -> list[tuple[str, str]]:
    """Fan due outbox events out to deliveries; returns the (delivery id, lease) pairs to enqueue."""
    now = utcnow()
    events = list(
        session.scalars(
            select(OutboxEvent)
            .where(OutboxEvent.state == "pending", OutboxEvent.available_at <= now)
            .order_by(OutboxEvent.available_at, OutboxEvent.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
    )
    if not events:
        return []
    channels = list(session.scalars(select(NotificationChannel).where(NotificationChannel.active.is_(True))))
    leased = []
    for event in events:
        event.state, event.dispatched_at = "dispatched", now
        event.attempts += 1
        for channel in channels:
            if event.name in (channel.events or []):
                token = str(uuid.uuid4())
                delivery = Delivery(event_id=event.id, channel_id=channel.id, next_attempt_at=now)
                delivery.lease, delivery.locked_until = token, now + lease_for
                session.add(delivery)
                leased.append((delivery, token))
    session.flush()
    return [(delivery.id, token) for delivery, token in leased]


def lease_due(session, lease_for: timedelta, limit: int = BATCH) -> list[tuple[str, str]]:
    """Lease pending deliveries whose time has come and whose last lease (if any) has run out."""
    now = utcnow()
    due = list(
        session.scalars(
            select(Delivery.id)
            .where(Delivery.status == "pending", Delivery.next_attempt_at <= now)
            .where((Delivery.locked_until.is_(None)) | (Delivery.locked_until <= now))
            .order_by(Delivery.next_attempt_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
    )
    leased = []
    for delivery_id in due:
        token = str(uuid.uuid4())
        # Conditional, so that of two relays reading the same row (SQLite) only one leases it.
        taken = session.execute(
            update(Delivery)
            .where(Delivery.id == delivery_id, Delivery.status == "pending")
            .where((Delivery.locked_until.is_(None)) | (Delivery.locked_until <= now))
            .values(lease=token, locked_until=now + lease_for)
        ).rowcount
        if taken == 1:
            leased.append((delivery_id, token))
    return leased


def tick(ctx, enqueue) -> int:
    """One relay pass; returns how many delivery jobs were handed to `enqueue`."""
    lease_for = timedelta(seconds=lease_seconds(ctx.settings))
    leased = []
    for step in (dispatch_events, lease_due):
        session = ctx.session_factory()
        try:
            got = step(session, lease_for)
            session.commit()
            leased += got
        except (IntegrityError, DBAPIError) as exc:
            # Another relay won a race (SQLite's single writer, a duplicate delivery): the next pass retries.
            session.rollback()
            log.info("relay pass %s deferred: %s", step.__name__, type(exc).__name__)
        finally:
            session.close()
    sent = 0
    for delivery_id, token in leased:
        try:
            enqueue(DELIVER, delivery_id, token)
            sent += 1
        except Exception as exc:  # noqa: BLE001 - the queue is down: the lease runs out and a later pass retries
            log.warning("cannot enqueue delivery %s (%s); it waits for its lease to expire", delivery_id, exc)
            break
    return sent


class RelayLoop:
    """Runs `tick` every `interval` seconds in a daemon thread until stopped."""

    def __init__(self, ctx, enqueue, interval: float = 1.0):
        self.ctx, self.enqueue, self.interval = ctx, enqueue, interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="personas-relay", daemon=True)

    def start(self) -> "RelayLoop":
        self._thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join(timeout)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                while tick(self.ctx, self.enqueue) >= BATCH and not self._stop.is_set():
                    pass  # a backlog: keep going without waiting
            except Exception:  # noqa: BLE001 - the loop must outlive a bad pass (database briefly down, ...)
                log.exception("relay pass failed")
            self._stop.wait(self.interval)
