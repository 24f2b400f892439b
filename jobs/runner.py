"""Where background jobs run: in a thread pool of this process when no Redis is configured.

Jobs are named by their dotted path and take ids, never objects, so the same call can later go
through RQ (the events issue) unchanged. Each job gets a `JobContext` as first argument.
"""

import importlib
import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

log = logging.getLogger("personas.jobs")


@dataclass
class JobContext:
    settings: object
    session_factory: object


def resolve(name: str):
    module, _, func = name.rpartition(".")
    return getattr(importlib.import_module(module), func)


class InProcessJobs:
    """Runs jobs on a small thread pool, retrying failures with a growing delay.

    A retry waits on a timer, not in a pool thread, so failing jobs never hold up the others.
    """

    kind = "in-process"

    def __init__(self, context: JobContext, workers: int = 4, retries: int = 3, backoff: float = 1.0):
        self.context = context
        self.retries = retries
        self.backoff = backoff
        self.pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="personas-job")

    def enqueue(self, name: str, *args):
        resolve(name)  # fail now, in the request, for a job that does not exist
        return self.pool.submit(self._run, name, args, 0)

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
            self.pool.submit(self._run, name, args, attempt)
        except RuntimeError:  # closed meanwhile: the job is dropped, as an in-process job is at shutdown
            log.warning("job %s%r dropped: the job runner is closed", name, args)

    def health(self) -> str:
        return self.kind

    def close(self) -> None:
        self.pool.shutdown(wait=False, cancel_futures=True)
