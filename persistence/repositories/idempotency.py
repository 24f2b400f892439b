"""Idempotency-Key records: claim a key before its request runs, keep the answer, or give the key back.

Each call is its own short transaction, committed at once: a claim must be visible to every other process
before the request it guards starts. A claim is identified by its `created_at`, so a run whose lease ran
out and was taken over can neither store its answer over the new run's nor delete the new run's row.
"""

from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import IntegrityError, OperationalError

from personas.persistence.db import BEGIN_OPTION
from personas.persistence.models.base import utcnow
from personas.persistence.models.idempotency import IdempotentRequest
from personas.persistence.retry import retrying

_T = IdempotentRequest.__table__
# MySQL/MariaDB: deadlock and lock wait timeout, which concurrent inserts of one key may meet.
_LOCK_CONFLICTS = {1205, 1213}
_ATTEMPTS = 3

CLAIMED, REPLAY, MISMATCH, IN_FLIGHT = "claimed", "replay", "mismatch", "in_flight"


@dataclass(frozen=True)
class Claim:
    """What `claim` found: CLAIMED (with the claim's `claimed_at`), REPLAY (with the kept answer),
    MISMATCH (the key belongs to another request) or IN_FLIGHT (its first request still runs)."""

    outcome: str
    claimed_at: datetime | None = None
    status: int | None = None
    content_type: str | None = None
    body: bytes | None = None


class IdempotentRequests:
    def __init__(self, session_factory, ttl: timedelta = timedelta(hours=24), lease: timedelta = timedelta(minutes=5)):
        self._engine = session_factory.kw["bind"]
        self.ttl = ttl
        self.lease = lease

    @contextmanager
    def _writing(self):
        # IMMEDIATE on SQLite: the look-up and the write that follows it happen under the writer's lock.
        with self._engine.connect() as conn:
            conn.execution_options(**{BEGIN_OPTION: "IMMEDIATE"})
            with conn.begin():
                yield conn

    def claim(self, key_id: str, request_hash: str) -> Claim:
        """Take the key for this request, or say why not. A concurrent claim of the same key ends as IN_FLIGHT
        (or whatever the winner's row says), never as an error."""
        for _ in range(_ATTEMPTS):
            try:
                found = self._claim_once(key_id, request_hash)
            except IntegrityError:
                continue  # another process inserted the key first: look again
            except OperationalError as exc:
                if getattr(exc.orig, "args", (None,))[0] not in _LOCK_CONFLICTS:
                    raise
                continue
            if found is not None:
                return found
        return Claim(IN_FLIGHT)

    def _claim_once(self, key_id: str, request_hash: str) -> Claim | None:
        now = utcnow()
        fresh = {
            "request_hash": request_hash,
            "status": None,
            "content_type": None,
            "body": None,
            "created_at": now,
            "expires_at": now + self.ttl,
        }
        with self._writing() as conn:
            row = conn.execute(select(_T).where(_T.c.id == key_id)).first()
            if row is None:
                conn.execute(insert(_T).values(id=key_id, **fresh))
                return Claim(CLAIMED, claimed_at=now)
            if row.expires_at > now:
                if row.request_hash != request_hash:
                    return Claim(MISMATCH)
                if row.status is not None:
                    return Claim(REPLAY, status=row.status, content_type=row.content_type, body=row.body)
                if row.created_at > now - self.lease:
                    return Claim(IN_FLIGHT)
            # Expired, or a run that outlived its lease (its process died): take it over, unless another
            # request just did (the row then no longer has the created_at read above).
            taken = conn.execute(
                update(_T).where(_T.c.id == key_id, _T.c.created_at == row.created_at).values(**fresh)
            ).rowcount
        return Claim(CLAIMED, claimed_at=now) if taken else None

    def finish(self, key_id: str, claimed_at: datetime, status: int, content_type: str | None, body: bytes) -> bool:
        """Keep the answer of a claimed run; False when the claim was lost meanwhile. Run again after a
        conflict or a lost connection (the UPDATE is conditional, so twice is the same as once)."""
        return retrying(self._finish)(key_id, claimed_at, status, content_type, body)

    def _finish(self, key_id: str, claimed_at: datetime, status: int, content_type: str | None, body: bytes) -> bool:
        with self._writing() as conn:
            return bool(
                conn.execute(
                    update(_T)
                    .where(_T.c.id == key_id, _T.c.created_at == claimed_at, _T.c.status.is_(None))
                    .values(status=status, content_type=(content_type or "")[:128] or None, body=body)
                ).rowcount
            )

    def release(self, key_id: str, claimed_at: datetime) -> None:
        """Give the key back, so that a retry runs the request again (run again like `finish`)."""
        retrying(self._release)(key_id, claimed_at)

    def _release(self, key_id: str, claimed_at: datetime) -> None:
        with self._writing() as conn:
            conn.execute(delete(_T).where(_T.c.id == key_id, _T.c.created_at == claimed_at, _T.c.status.is_(None)))

    def look_up(self, key_id: str) -> IdempotentRequest | None:
        """The unexpired row of a key, if any (an expired one counts as absent)."""
        with self._engine.connect() as conn:
            row = conn.execute(select(_T).where(_T.c.id == key_id, _T.c.expires_at > utcnow())).first()
            conn.rollback()
        return None if row is None else IdempotentRequest(**row._mapping)

    def purge_expired(self) -> int:
        with self._writing() as conn:
            return conn.execute(delete(_T).where(_T.c.expires_at <= utcnow())).rowcount
