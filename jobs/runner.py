"""Where background jobs run: in a thread pool of this process when no Redis is configured.

Jobs are named by their dotted path and take ids, never objects, so the same call goes through RQ
(jobs.queue) unchanged. Each job gets a `JobContext` as first argument.
"""

import importlib
import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from personas.persistence.uow import UnitOfWork

log = logging.getLogger("personas.jobs")


@dataclass(eq=False)
class JobContext:
    """What a job gets from the composition root (personas.bootstrap) of its process."""

    settings: object
    session_factory: object
    # The file storage the settings name.
    storage: object = None
    # The published representation of records (`views(kind, record)`), for the events a job records; the
    # handlers own it, and this layer may not import them.
    views: Callable[[str, object], dict] | None = None
    # This process's jobs backend, for jobs that start others.
    jobs: object = None
    # The outside services by name, as the composition root built them (personas.providers).
    providers: dict = field(default_factory=dict)

    def unit_of_work(self, actor: dict | None = None, readonly: bool = False) -> UnitOfWork:
        return UnitOfWork(self.session_factory, actor=actor, readonly=readonly, views=self.views, jobs=self.jobs)


def resolve(name: str):
    module, _, func = name.rpartition(".")
    return getattr(importlib.import_module(module), func)


# Jobs whose dotted name starts with a lane's prefix run on that lane's own threads. A delivery batch
# waits on its receivers (up to half its lease for a silent one), and the relay hands out several at
# once: on shared threads they would queue a validation run or a file's processing behind them.
LANES = {"personas.jobs.deliveries.": 2}


class InProcessJobs:
    """Runs jobs on small thread pools (one shared, one per lane), retrying failures with a growing delay.

    A retry waits on a timer, not in a pool thread, so failing jobs never hold up the others.
    """

    kind = "in-process"

    def __init__(
        self, context: JobContext, workers: int = 4, retries: int = 3, backoff: float = 1.0, lanes: dict = LANES
    ):
        self.context = context
        self.retries = retries
        self.backoff = backoff
        self.pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="personas-job")
        self.lanes = {
            prefix: ThreadPoolExecutor(max_workers=size, thread_name_prefix=f"personas-job-{prefix.split('.')[-2]}")
            for prefix, size in lanes.items()
        }

    def _pool(self, name: str) -> ThreadPoolExecutor:
        return next((pool for prefix, pool in self.lanes.items() if name.startswith(prefix)), self.pool)

    def enqueue(self, name: str, *args):
        resolve(name)  # fail now, in the request, for a job that does not exist
        return self._pool(name).submit(self._run, name, args, 0)

    def _run(self, name: str, args: tuple, attempt: int):
        try:
            return resolve(name)(self.context, *args)
        except Exception:  # noqa: BLE001 - a job failure must not kill the pool; it is logged and retried
            log.exception("job %s%r failed (attempt %d)", name, args, attempt + 1)
            if attempt < self.retries:
                timer = threading.Timer(self.backoff * 2**attempt, self._resubmit, (name, args, attempt + 1))
                timer.daemon = True
                timer.start()
        return None

    def _resubmit(self, name: str, args: tuple, attempt: int) -> None:
        try:
            self._pool(name).submit(self._run, name, args, attempt)
        except RuntimeError:  # closed meanwhile: the job is dropped, as an in-process job is at shutdown
            log.warning("job %s%r dropped: the job runner is closed", name, args)

    def health(self) -> str:
        return self.kind

    def drain(self) -> None:
        """Run the jobs already queued, then stop: for a command whose process ends with its work."""
        for pool in (self.pool, *self.lanes.values()):
            pool.shutdown(wait=True)

    def close(self) -> None:
        for pool in (self.pool, *self.lanes.values()):
            pool.shutdown(wait=False, cancel_futures=True)
