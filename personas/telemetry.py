"""Where the processes of one machine keep their Prometheus counters (prometheus_client's multiprocess mode).

prometheus_client decides when it is first imported whether its values live in files, so
PROMETHEUS_MULTIPROC_DIR must be in the environment before that, in every process: the CLI calls `prepare`
before it starts uvicorn (whose worker processes inherit the environment) or the RQ worker.

- PROMETHEUS_MULTIPROC_DIR set by the operator: used as it is, and its upkeep is the operator's.
- PERSONAS_METRICS_DIR (`Settings.metrics_dir`, passed as `shared_dir`): a directory that `personas serve`
  and the `personas worker` processes of the same machine share, so that /metrics adds the workers'
  deliveries to the API's counts. `serve` removes at start the files of processes that are gone
  (Prometheus reads the drop as a counter reset).
- neither: `serve` uses a fresh private directory, removed when it stops; a worker keeps its counters in
  its own memory, since nothing could scrape them.
"""

import atexit
import contextlib
import os
import re
import shutil
import signal
import tempfile
from collections.abc import Callable

MULTIPROC_DIR = "PROMETHEUS_MULTIPROC_DIR"
_PID_FILE = re.compile(r"_(\d+)\.db$")  # prometheus_client names each process's files <kind>_<pid>.db


def _nothing() -> None:
    return None


def prepare(serving: bool, shared_dir: str | None = None) -> Callable[[], None]:
    """Set PROMETHEUS_MULTIPROC_DIR for this process and its children when the operator has not; returns
    what to do when the command ends.

    PROMETHEUS_MULTIPROC_DIR is prometheus_client's own setting, which it reads from the environment
    itself: it is looked up and set there, not in the settings."""
    if os.environ.get(MULTIPROC_DIR):
        return _nothing
    if shared_dir:
        os.makedirs(shared_dir, mode=0o700, exist_ok=True)
        if serving:
            _remove_dead(shared_dir)
        os.environ[MULTIPROC_DIR] = shared_dir
        return _nothing
    if not serving:
        return _nothing
    private = tempfile.mkdtemp(prefix="personas-metrics-")
    os.environ[MULTIPROC_DIR] = private
    return lambda: shutil.rmtree(private, ignore_errors=True)


def on_exit(action: Callable[[], None]) -> None:
    """Run `action` when this process ends, SIGTERM included: uvicorn, once shut down, raises again the
    SIGTERM it caught, and its default action ends the process without running atexit hooks."""
    atexit.register(action)
    previous = signal.getsignal(signal.SIGTERM)

    def terminated(signum, frame):
        action()
        if callable(previous):
            previous(signum, frame)
            return
        signal.signal(signum, previous)
        signal.raise_signal(signum)  # the exit status the supervisor expects of a SIGTERM

    signal.signal(signal.SIGTERM, terminated)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process: alive
    return True


def _remove_dead(path: str) -> None:
    for name in os.listdir(path):
        found = _PID_FILE.search(name)
        if found and not _alive(int(found.group(1))):
            with contextlib.suppress(FileNotFoundError):
                os.remove(os.path.join(path, name))


def mark_dead_at_exit() -> None:
    """In multiprocess mode, do prometheus_client's bookkeeping for this process when it exits normally
    (a killed process leaves its files; its counters still count, as they should)."""
    path = os.environ.get(MULTIPROC_DIR)
    if path:
        atexit.register(_mark_dead, os.getpid(), path)


def _mark_dead(pid: int, path: str) -> None:
    if os.getpid() != pid:
        return  # a forked child that inherited the hook
    from prometheus_client import multiprocess

    with contextlib.suppress(OSError):
        multiprocess.mark_process_dead(pid, path)
