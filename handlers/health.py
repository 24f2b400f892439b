"""Liveness (the process answers) and readiness (its database and queue answer), without auth.

Liveness touches nothing outside the process: an orchestrator that restarts on failed liveness must not
restart every healthy process when the database has a bad minute. Readiness checks the database and, with
Redis, the queue, each within CHECK_TIMEOUT seconds; its operation is marked `x-personas-threaded` in the
spec, so it runs on the worker's thread pool (personas.fastpath) and a slow check never holds up the event loop.
"""

import threading
import time
import weakref

from connexion import context

from personas.domain.errors import Text
from personas.handlers.language import HEADER, answer_headers, negotiate
from personas.handlers.runtime import Runtime, current
from personas.persistence.readiness import database_check

CHECK_TIMEOUT = 2.0
RETRY_AFTER = 5
NOT_READY = Text("Servicio no listo: {}", "Not ready: {}")


class Probe:
    """A check run in a daemon thread of its own and waited for CHECK_TIMEOUT seconds at most.

    Probes that arrive while a check is running share it instead of starting another, so a dependency
    that hangs costs one thread, not one per probe; once the hung check is older than its timeout,
    probes answer "down" at once until it returns.
    """

    def __init__(self, check):
        self.check = check
        self._lock = threading.Lock()
        self._run: dict | None = None

    def _start(self) -> dict:
        run = {"started": time.monotonic(), "done": threading.Event(), "ok": False}

        def target():
            try:
                self.check()
                run["ok"] = True
            except Exception:  # noqa: BLE001 - any failure means "not ready", reported, not raised
                run["ok"] = False
            finally:
                run["done"].set()

        threading.Thread(target=target, name="personas-readiness", daemon=True).start()
        return run

    def begin(self) -> dict:
        """The check in progress, or a new one."""
        with self._lock:
            if self._run is None or self._run["done"].is_set():
                self._run = self._start()
            return self._run


def passed(run: dict, timeout: float = CHECK_TIMEOUT) -> bool:
    # Waited for from the check's own start: checks begun together take the longest one's time, not the sum.
    run["done"].wait(max(0.0, run["started"] + timeout - time.monotonic()))
    return run["done"].is_set() and run["ok"]


def _queue_check(jobs):
    def check() -> None:
        if jobs.health() != "ok":
            raise ConnectionError("the queue does not answer")

    return check


# Each app's probes, for as long as its runtime lives (tests build several apps in one process).
_probes: "weakref.WeakKeyDictionary[Runtime, tuple[Probe, Probe | None]]" = weakref.WeakKeyDictionary()


def _probes_of(runtime: Runtime) -> tuple[Probe, Probe | None]:
    found = _probes.get(runtime)
    if found is None:
        database = Probe(database_check(runtime.settings.database_url, runtime.session_factory))
        queue = Probe(_queue_check(runtime.jobs)) if runtime.settings.redis_url else None
        found = _probes[runtime] = (database, queue)
    return found


def get_health():
    return {"success": True, "result": {"status": "ok"}}


def get_health_ready():
    database, queue = _probes_of(current())
    checks = {"database": database.begin(), "queue": queue.begin() if queue is not None else None}
    parts = {name: "in-process" if run is None else "ok" if passed(run) else "error" for name, run in checks.items()}
    down = [name for name, state in parts.items() if state == "error"]
    if not down:
        return {"success": True, "result": {"status": "ok", **parts}}
    asked = negotiate(context.request.headers.get(HEADER))
    body = {
        "success": False,
        "code": 503,
        "error": NOT_READY.format(", ".join(down)).in_language(asked),
        "result": {"status": "degraded", **parts},
    }
    return body, 503, {"Retry-After": str(RETRY_AFTER), **answer_headers(asked)}
