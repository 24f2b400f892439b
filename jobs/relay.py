"""The outbox relay: due events become per-channel deliveries, and due deliveries become jobs.

One pass (`tick`), run every second by each worker (and by a thread of the API when there is no
Redis), in two short transactions, each leasing what it takes with one lease token for the pass:
1. pending outbox events -> one `deliveries` row per active channel subscribed to the event and
   started before it, the event marked dispatched, all in one transaction. "Before" compares the
   database's numbering of events (`OutboxEvent.seq`) with the number a channel recorded when created
   or turned back on (`NotificationChannel.events_after`), not the time of this pass: an event still
   waiting for a pass when a channel was created is not the new channel's. Rows are taken with FOR
   UPDATE SKIP LOCKED on MariaDB so several relays share the work (SQLite has one writer; the unique
   (event, channel) key is the last word either way);
2. pending deliveries that are due (`next_attempt_at` passed) and not leased -> the lease, in one
   conditional UPDATE.
Then a `personas.jobs.deliveries.deliver_many(ids, lease)` job per `delivery_batch` leased deliveries, all
enqueued in one round trip when the queue can (`enqueue_many`). If enqueueing fails (Redis down)
nothing is lost: the lease expires and a later pass leases the deliveries again. `RelayLoop` also
waits while the queue already holds enough work (`backlog`), so leases are not taken far ahead of
the workers and left to expire.
"""

import logging
import threading
import uuid
from datetime import timedelta

from sqlalchemy import insert, select, update
from sqlalchemy.exc import DBAPIError, IntegrityError

from personas.persistence.db import BEGIN_OPTION
from personas.persistence.models.base import new_id, utcnow
from personas.persistence.models.deliveries import Delivery
from personas.persistence.models.events import OutboxEvent
from personas.persistence.models.notification_channels import NotificationChannel

log = logging.getLogger("personas.jobs.relay")

BATCH = 200  # rows per transaction of a pass
JOB_BATCH = 25  # deliveries per job (the `delivery_batch` knob)
MAX_QUEUED = 1000  # deliveries waiting in the queue beyond which the loop does not lease more
DELIVER = "personas.jobs.deliveries.deliver_many"


def writer(ctx):
    """A session whose transaction will write: on SQLite it takes the write lock when it begins (waiting
    for it), so reading first and writing later cannot fail half-way with "database is locked"."""
    session = ctx.session_factory()
    options = {BEGIN_OPTION: "IMMEDIATE"}  # other backends ignore it
    if session.get_bind().dialect.name == "mysql":
        # InnoDB's REPEATABLE READ takes gap locks for FOR UPDATE [SKIP LOCKED] up to the end of the
        # index: the API's own outbox INSERTs then deadlocked with the relays (500s under load).
        # READ COMMITTED locks only the rows taken, which is all the relay and the deliveries need.
        options["isolation_level"] = "READ COMMITTED"
    session.connection(execution_options=options)
    return session


def lease_seconds(settings) -> float:
    from personas.jobs.queue import tuning

    return tuning(settings, "delivery_lease", 30.0)


def dispatch_events(session, lease_for: timedelta, token: str, limit: int = BATCH) -> list[str]:
    """Fan due outbox events out to deliveries leased with `token`; returns the delivery ids to enqueue."""
    now = utcnow()
    # Ids and names only (no payloads), marked in one UPDATE and fanned out in one multi-row INSERT.
    events = session.execute(
        select(OutboxEvent.id, OutboxEvent.name, OutboxEvent.seq)
        .where(OutboxEvent.state == "pending", OutboxEvent.available_at <= now)
        .order_by(OutboxEvent.available_at, OutboxEvent.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    ).all()
    if not events:
        return []
    session.execute(
        update(OutboxEvent)
        .where(OutboxEvent.id.in_([e.id for e in events]))
        .values(state="dispatched", dispatched_at=now, attempts=OutboxEvent.attempts + 1)
    )
    channels = session.execute(
        select(NotificationChannel.id, NotificationChannel.events, NotificationChannel.events_after).where(
            NotificationChannel.active.is_(True)
        )
    ).all()
    rows = [
        {"id": new_id(), "event_id": event.id, "channel_id": channel.id, "next_attempt_at": now}
        | {"lease": token, "locked_until": now + lease_for, "created_at": now, "updated_at": now}
        for event in events
        for channel in channels
        if event.name in (channel.events or []) and _after(event.seq, channel.events_after)
    ]
    if rows:
        session.execute(insert(Delivery), rows)
    return [row["id"] for row in rows]


def _after(seq: int | None, events_after: int | None) -> bool:
    """Whether an event numbered `seq` was written after the channel started (null: no bound known)."""
    return events_after is None or seq is None or seq > events_after


def lease_due(session, lease_for: timedelta, token: str, limit: int = BATCH) -> list[str]:
    """Lease with `token` the pending deliveries whose time has come and whose last lease has run out."""
    now = utcnow()
    free = (Delivery.locked_until.is_(None)) | (Delivery.locked_until <= now)
    due = list(
        session.scalars(
            select(Delivery.id)
            .where(Delivery.status == "pending", Delivery.next_attempt_at <= now)
            .where(free)
            .order_by(Delivery.next_attempt_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
    )
    if not due:
        return []
    # Conditional, so that of two relays reading the same rows only one leases each; then what we got.
    session.execute(
        update(Delivery)
        .where(Delivery.id.in_(due), Delivery.status == "pending")
        .where(free)
        .values(lease=token, locked_until=now + lease_for)
    )
    return list(session.scalars(select(Delivery.id).where(Delivery.id.in_(due), Delivery.lease == token)))


def batch_size(settings) -> int:
    from personas.jobs.queue import tuning

    return max(1, int(tuning(settings, "delivery_batch", JOB_BATCH)))


def tick(ctx, enqueue, enqueue_many=None) -> int:
    """One relay pass; returns how many deliveries were handed to `enqueue` (or `enqueue_many`) in jobs."""
    lease_for = timedelta(seconds=lease_seconds(ctx.settings))
    jobs = []
    size = batch_size(ctx.settings)
    for step in (dispatch_events, lease_due):
        token = str(uuid.uuid4())
        session = None
        try:
            session = writer(ctx)
            got = step(session, lease_for, token)
            session.commit()
            jobs += [(got[i : i + size], token) for i in range(0, len(got), size)]
        except (IntegrityError, DBAPIError) as exc:
            # Another relay won a race (SQLite's single writer, a duplicate delivery): the next pass retries.
            if session is not None:
                session.rollback()
            log.info("relay pass %s deferred: %s", step.__name__, type(exc).__name__)
        finally:
            if session is not None:
                session.close()
    if not jobs:
        return 0
    try:
        if enqueue_many is not None:
            enqueue_many(DELIVER, jobs)
            return sum(len(ids) for ids, _ in jobs)
        sent = 0
        for ids, token in jobs:
            enqueue(DELIVER, ids, token)
            sent += len(ids)
        return sent
    except Exception as exc:  # noqa: BLE001 - the queue is down: the leases run out and a later pass retries
        log.warning("cannot enqueue deliveries (%s); they wait for their leases to expire", exc)
        return 0


class RelayLoop:
    """Runs `tick` every `interval` seconds in a daemon thread until stopped."""

    def __init__(self, ctx, enqueue, interval: float = 1.0, enqueue_many=None, backlog=None):
        self.ctx, self.enqueue, self.interval = ctx, enqueue, interval
        self.enqueue_many, self.backlog = enqueue_many, backlog
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
                while not self._busy() and not self._stop.is_set():
                    if tick(self.ctx, self.enqueue, self.enqueue_many) < BATCH:
                        break  # a backlog keeps the loop going without waiting
            except Exception:  # noqa: BLE001 - the loop must outlive a bad pass (database briefly down, ...)
                log.exception("relay pass failed")
            self._stop.wait(self.interval)

    def _busy(self) -> bool:
        """Whether the queue already holds enough deliveries for the workers (then leases would only age)."""
        if self.backlog is None:
            return False
        try:
            return self.backlog() * batch_size(self.ctx.settings) >= MAX_QUEUED
        except Exception:  # noqa: BLE001 - the queue is down: the pass finds out and waits
            return False
