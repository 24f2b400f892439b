"""The one place that owns queues: RQ on Redis when `settings.redis_url` is set, else in-process.

Jobs are named by dotted path and take ids (`enqueue("personas.jobs.deliveries.deliver", id, lease)`); both
backends call `job(JobContext, *args)`. Through RQ the enqueued function is `personas.jobs.queue.run`, which
runs the job with the JobContext the worker process was started with. Jobs that raise are retried by RQ on
growing intervals (the worker runs the scheduler); deliveries keep their own schedule in the database
instead (see jobs.relay), so a lost Redis job or a killed worker never loses a delivery.
"""

import contextlib
import itertools
import logging
import time

from personas.jobs.runner import InProcessJobs, JobContext, resolve
from personas.persistence.redis_connections import redis_from_url

log = logging.getLogger("personas.jobs.queue")

QUEUE = "personas"
RETRY_INTERVALS = [5, 30, 120, 600]
JOB_TIMEOUT = 120
MAINTENANCE_INTERVAL = 10

# RQ calls `run` by its dotted name, with the arguments it stored in Redis and nothing else: the worker
# process's context can only be found here. `run_worker` sets it once, and a process runs one worker.
_context: JobContext | None = None


def tuning(settings, name: str, default: float) -> float:
    """A knob of the settings; `default` when they lack it (a test's own settings object)."""
    value = getattr(settings, name, None)
    return float(value) if value not in (None, "") else default


def context() -> JobContext:
    """This process's JobContext, set by `run_worker`."""
    if _context is None:
        raise RuntimeError("personas.jobs.queue.run outside a personas worker: no JobContext")
    return _context


def run(name: str, *args):
    """What RQ calls: the named job with this process's context."""
    return resolve(name)(context(), *args)


class RqJobs:
    """Enqueues on Redis; `enqueue` raises when Redis is down (callers that must not fail catch it)."""

    kind = "rq"

    def __init__(self, redis_url: str):
        from rq import Queue

        self.redis = redis_from_url(redis_url, socket_connect_timeout=2, socket_timeout=5)
        self.queue = Queue(QUEUE, connection=self.redis)

    def enqueue(self, name: str, *args):
        from rq import Retry

        resolve(name)  # fail now, in the caller, for a job that does not exist
        return self.queue.enqueue(
            run, name, *args, retry=Retry(max=len(RETRY_INTERVALS), interval=RETRY_INTERVALS), job_timeout=JOB_TIMEOUT
        )

    def enqueue_many(self, name: str, calls: list[tuple]):
        """One job per argument tuple of `calls`, all sent to Redis in one pipeline."""
        from rq import Retry

        resolve(name)
        retry = Retry(max=len(RETRY_INTERVALS), interval=RETRY_INTERVALS)
        datas = [self.queue.prepare_data(run, args=(name, *a), timeout=JOB_TIMEOUT, retry=retry) for a in calls]
        return self.queue.enqueue_many(datas)

    def backlog(self) -> int:
        """Jobs waiting in the queue."""
        return self.queue.count

    def drain(self) -> None:
        """Nothing to wait for: the workers run what is queued on Redis."""

    def close(self) -> None:
        self.redis.close()

    def health(self) -> str:
        try:
            self.redis.ping()
        except Exception:  # noqa: BLE001 - any failure means the queue is not reachable now
            return "error"
        return "ok"


def build_jobs(context: JobContext):
    """The jobs backend for these settings."""
    if context.settings.redis_url:
        return RqJobs(context.settings.redis_url)
    return InProcessJobs(context)


def run_worker(ctx: JobContext, burst: bool = False, name: str | None = None) -> None:
    """A worker process: the outbox relay in a thread, and an RQ worker (with its scheduler) in front.

    `ctx` is the composition root's, whose jobs are on Redis (`ctx.jobs`, an RqJobs)."""
    from redis.exceptions import ConnectionError as RedisConnectionError
    from redis.exceptions import TimeoutError as RedisTimeoutError
    from rq import Queue, SimpleWorker

    from personas.jobs import relay

    global _context
    _context = ctx
    settings, jobs = ctx.settings, ctx.jobs
    interval = tuning(settings, "relay_interval", 1.0)
    loop = relay.RelayLoop(ctx, jobs.enqueue, interval, enqueue_many=jobs.enqueue_many, backlog=jobs.backlog)
    loop.start()
    redis = redis_from_url(settings.redis_url, socket_connect_timeout=2, socket_timeout=10, health_check_interval=5)
    for attempt in itertools.count():
        # A worker that lost Redis comes back under a new name: its old registration may still be there
        # (replicated to the primary Sentinel elected), and RQ refuses a second worker of the same name.
        worker_name = name if attempt == 0 or name is None else f"{name}.{attempt}"
        worker = None
        try:
            # SimpleWorker runs jobs in this process: no fork per job, and the engine stays ours. Its
            # maintenance, which restarts a scheduler that died (as it does when the Redis primary is lost
            # and Sentinel elects another), runs every few seconds instead of every ten minutes.
            worker = SimpleWorker(
                [Queue(QUEUE, connection=redis)],
                connection=redis,
                name=worker_name,
                maintenance_interval=MAINTENANCE_INTERVAL,
            )
            worker.max_connection_wait_time = 2.0  # back within seconds once Redis is
            # RQ handles SIGTERM/SIGINT itself (finishes the job in hand, then returns).
            worker.work(with_scheduler=True, burst=burst, logging_level="WARNING")
            break
        except (RedisConnectionError, RedisTimeoutError) as exc:
            log.warning("redis unreachable (%s); the relay keeps the outbox; retrying in 1 s", exc)
            if worker is not None and worker.scheduler is not None:
                with contextlib.suppress(Exception):  # its forked scheduler would outlive it otherwise
                    worker.stop_scheduler()
            time.sleep(1.0)
    loop.stop()
