"""Which database errors a transaction can be run again after, and the runner that does it.

On a Galera cluster every node takes writes; two transactions that change the same rows on two nodes are
certified at commit and one of them is refused with error 1213 (as a deadlock would be), and a lock
wait can time out (1205). Neither leaves anything behind, so the whole unit of work (the request or the
job) is run again, a few times, after a short random pause. A connection lost before COMMIT (a node
killed, a node that left the cluster) is the same case: the transaction died with its connection.

A connection lost *during* COMMIT is different: the transaction may or may not be in. UnitOfWork.commit
finds out on another connection when it can; when it cannot, it raises CommitOutcomeUnknown, which is
never run again (the client retries, with an Idempotency-Key where it matters).
"""

import contextvars
import functools
import io
import logging
import random
import time

from sqlalchemy.exc import DBAPIError

log = logging.getLogger("personas.retry")

LOCK_CONFLICTS = frozenset({1205, 1213})
# Cannot connect (2003), the node cannot serve (1047: not in the primary component; 1053: shutting down).
UNREACHABLE = frozenset({1047, 1053, 2003})
ATTEMPTS = 5

# The commits made by the run in progress: a run that already committed once is not run again, since its
# first part would then be done twice.
_commits: contextvars.ContextVar[list | None] = contextvars.ContextVar("personas_commits", default=None)


def note_commit() -> None:
    commits = _commits.get()
    if commits is not None:
        commits.append(True)


class CommitOutcomeUnknown(Exception):
    """The connection was lost while COMMIT was on its way, and no other connection could tell whether the
    transaction was committed."""


def error_code(exc: BaseException) -> int | None:
    orig = getattr(exc, "orig", None)
    args = getattr(orig, "args", None)
    return args[0] if args and isinstance(args[0], int) else None


def is_conflict(exc: BaseException) -> bool:
    return isinstance(exc, DBAPIError) and error_code(exc) in LOCK_CONFLICTS


def is_unavailable(exc: BaseException) -> bool:
    """The database could not be reached or could not serve: worth trying again soon (503 to a client)."""
    if isinstance(exc, CommitOutcomeUnknown):
        return True
    return isinstance(exc, DBAPIError) and (exc.connection_invalidated or error_code(exc) in UNREACHABLE)


def can_run_again(exc: BaseException) -> bool:
    return is_conflict(exc) or (is_unavailable(exc) and not isinstance(exc, CommitOutcomeUnknown))


def pause(attempt: int) -> float:
    """Seconds to wait before attempt `attempt + 1`: growing, with jitter so that two conflicting
    transactions do not meet again at once."""
    return min(0.4, 0.02 * 2**attempt) * random.uniform(0.5, 1.5)


def _rewind(values) -> None:
    # An uploaded file read by the first attempt is read again from its start by the next one.
    for value in values:
        stream = getattr(value, "stream", value)
        if isinstance(stream, io.IOBase) and stream.seekable():
            stream.seek(0)


def retrying(func, attempts: int = ATTEMPTS):
    """`func` (a handler or a job) run again, whole, after a conflict or a lost connection, up to
    `attempts` times in all; the last error is raised."""

    @functools.wraps(func)
    def run(*args, **kwargs):
        for attempt in range(attempts):
            commits = []
            token = _commits.set(commits)
            try:
                return func(*args, **kwargs)
            except DBAPIError as exc:
                if attempt == attempts - 1 or commits or not can_run_again(exc):
                    raise
                log.info("%s: transaction run again after error %s", func.__qualname__, error_code(exc))
                time.sleep(pause(attempt))
                _rewind([*args, *kwargs.values()])
            finally:
                _commits.reset(token)
        raise AssertionError("unreachable")

    return run
