"""Prometheus metrics of the API, and their exposition at `GET /metrics` (admin scope, plain text).

Under `personas serve` every process writes its counters to files in PROMETHEUS_MULTIPROC_DIR (the CLI
sets it before any worker imports prometheus_client), and a scrape, answered by whichever worker, adds
up the files of all of them, and of the `personas worker` processes that share the directory
(jobs.metrics). Without that directory (tests, an app made in-process) this process's registry is served.
The outbox and queue gauges describe state every process shares: they are read once per scrape, by the
process that answers, rather than kept per process where they would go stale.
"""

import glob
import logging
import os

from flask import Response
from prometheus_client import REGISTRY, CollectorRegistry, Counter, Histogram, disable_created_metrics, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector

from personas.handlers.runtime import current
from personas.persistence.models.base import utcnow
from personas.persistence.repositories.events import outbox_backlog

log = logging.getLogger("personas.metrics")

# The classic text format: every Prometheus server reads it (prometheus_client's newer default is 1.0.0).
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
MULTIPROC_DIR = "PROMETHEUS_MULTIPROC_DIR"
UNMATCHED = "unmatched"
# Anything else a client sends as a method is one label value, so that no client can add series at will.
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
# Short requests take milliseconds; exports, imports and outside providers take up to a minute.
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)

# `_created` series would double every counter's output and multiprocess mode does not keep them anyway.
disable_created_metrics()

REQUESTS = Counter(
    "personas_http_requests_total",
    "HTTP requests answered, by method, route template of the spec (unmatched: routed to no operation) and status.",
    ["method", "route", "status"],
)
DURATION = Histogram(
    "personas_http_request_duration_seconds",
    "Seconds from a request's arrival to the end of its answer, by method and route template.",
    ["method", "route"],
    buckets=BUCKETS,
)
IDEMPOTENCY_REPLAYS = Counter(
    "personas_idempotency_replays_total", "Requests answered with the kept answer of an earlier one (Idempotency-Key)."
)
RATE_LIMIT_REFUSALS = Counter(
    "personas_rate_limit_refusals_total",
    "Requests refused with 429 by the per-key limit (group per_key) or by an operation group's own limit.",
    ["group"],
)


class HttpMetrics:
    """Counts one answered request; the labelled children are cached, since `labels()` checks its
    arguments and takes a lock on every call."""

    def __init__(self):
        self._children: dict[tuple[str, str, int], tuple] = {}

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        if method not in METHODS:
            method = "OTHER"
        key = (method, route, status)
        children = self._children.get(key)
        if children is None:
            children = (REQUESTS.labels(method, route, str(status)), DURATION.labels(method, route))
            self._children[key] = children
        children[0].inc()
        children[1].observe(seconds)


class _ProcessFiles:
    """prometheus_client's MultiProcessCollector, over the files that are complete: a process creating its
    file leaves it empty for a moment, and a scrape that met one failed whole (struct.error)."""

    def __init__(self, path: str):
        self.path = path

    def collect(self):
        files = []
        for name in glob.glob(os.path.join(self.path, "*.db")):
            try:
                if os.stat(name).st_size >= 8:  # the used-bytes header
                    files.append(name)
            except FileNotFoundError:
                continue  # removed meanwhile (a dead process's, at a serve's start)
        return MultiProcessCollector.merge(files, accumulate=True)


class _ProcessRegistry:
    """The default registry as one collector of a per-scrape registry (no names to check: no clashes)."""

    def collect(self):
        return REGISTRY.collect()


class _SharedState:
    """Gauges read at scrape time from the database and the queue; one that cannot be read is left out."""

    def __init__(self, runtime):
        self.runtime = runtime

    def collect(self):
        try:
            with self.runtime.session_factory() as session:
                count, oldest = outbox_backlog(session)
        except Exception:  # noqa: BLE001 - the scrape still answers with what the process knows
            log.warning("metrics: the outbox could not be read", exc_info=True)
        else:
            age = max(0.0, (utcnow() - oldest).total_seconds()) if oldest is not None else 0.0
            yield GaugeMetricFamily("personas_outbox_backlog", "Outbox events not dispatched yet.", value=count)
            yield GaugeMetricFamily(
                "personas_outbox_oldest_age_seconds",
                "Seconds since the oldest undispatched outbox event became due (0 when none is waiting).",
                value=age,
            )
        if self.runtime.settings.redis_url and hasattr(self.runtime.jobs, "backlog"):
            try:
                depth = self.runtime.jobs.backlog()
            except Exception:  # noqa: BLE001 - Redis down: the gauge is absent, which alerts can test
                log.warning("metrics: the queue depth could not be read", exc_info=True)
            else:
                yield GaugeMetricFamily("personas_rq_queue_depth", "Jobs waiting in the RQ queue.", value=depth)


def exposition(runtime) -> bytes:
    registry = CollectorRegistry(auto_describe=False)
    # prometheus_client's own setting, which it reads from the environment (personas.telemetry sets it).
    path = os.environ.get(MULTIPROC_DIR)
    if path:
        registry.register(_ProcessFiles(path))
    else:
        registry.register(_ProcessRegistry())
    registry.register(_SharedState(runtime))
    return generate_latest(registry)


def get_metrics():
    # A Response of our own: given a text/* mimetype, Flask would append a second charset.
    return Response(exposition(current()), status=200, content_type=CONTENT_TYPE)
