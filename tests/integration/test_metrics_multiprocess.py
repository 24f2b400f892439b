"""`personas serve --workers 2`: each worker process writes its own counters, and /metrics, answered by
either, adds up both (prometheus_client's multiprocess mode, set up by the CLI: personas/telemetry.py)."""

import os
import threading
import time
import urllib.request
from pathlib import Path

import pytest
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.parser import text_string_to_metric_families

from personas.telemetry import MULTIPROC_DIR, prepare
from tests.security.served import served

ROUTE = "/api/v1/catalogs/states"


@pytest.fixture(autouse=True)
def _environment_put_back(monkeypatch):
    # `prepare` sets PROMETHEUS_MULTIPROC_DIR in this process's environment itself. Recorded here first,
    # the variable is unset again after each test: the services later tests start inherit the environment,
    # and would otherwise all count into one leftover directory.
    monkeypatch.setenv(MULTIPROC_DIR, "")
    monkeypatch.delenv(MULTIPROC_DIR)


def _get(url: str, key: str) -> bytes:
    # A connection per request: the kernel hands each one to whichever worker accepts first.
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {key}", "Connection": "close"})
    with urllib.request.urlopen(request, timeout=30) as response:
        assert response.status == 200
        return response.read()


def _per_process(folder: Path) -> dict[str, float]:
    """Requests to ROUTE counted in each process's own file."""
    counts = {}
    for path in folder.glob("counter_*.db"):
        for family in MultiProcessCollector.merge([str(path)], accumulate=True):
            for sample in family.samples:
                if sample.name == "personas_http_requests_total" and sample.labels.get("route") == ROUTE:
                    counts[path.stem] = counts.get(path.stem, 0.0) + sample.value
    return counts


def _scraped(base: str, key: str) -> float:
    text = _get(f"{base}/metrics", key).decode()
    return sum(
        sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == "personas_http_requests_total" and sample.labels.get("route") == ROUTE
    )


def test_metrics_add_up_the_requests_served_by_both_workers(tmp_path):
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    sent, lock = [0], threading.Lock()
    with served(tmp_path / "service", f"sqlite:///{tmp_path / 'm.sqlite3'}", 2, {"TMPDIR": str(scratch)}) as service:
        [folder] = list(scratch.glob("personas-metrics-*"))  # the serve's private directory

        def burst():
            for _ in range(10):
                _get(service.base + "/catalogs/states", service.key)
                with lock:
                    sent[0] += 1

        deadline = time.monotonic() + 60
        while len([n for n in _per_process(folder).values() if n > 0]) < 2:
            assert time.monotonic() < deadline, "one worker answered every request"
            threads = [threading.Thread(target=burst) for _ in range(4)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
        # A worker counts a request once its answer is sent: the last ones may land a moment later.
        while (total := _scraped(service.base, service.key)) < sent[0] and time.monotonic() < deadline:
            time.sleep(0.1)
        assert total == sent[0] == sum(_per_process(folder).values())
    assert not folder.exists()  # removed when the serve stopped


def test_a_single_process_serve_removes_its_directory_on_sigterm_too(tmp_path):
    # With one worker uvicorn runs in the serve process and, once shut down, raises SIGTERM again.
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    with served(tmp_path / "service", f"sqlite:///{tmp_path / 'm.sqlite3'}", 1, {"TMPDIR": str(scratch)}) as service:
        [folder] = list(scratch.glob("personas-metrics-*"))
        _get(service.base + "/catalogs/states", service.key)
        assert _scraped(service.base, service.key) == 1
    assert not folder.exists()


def test_a_shared_directory_keeps_the_files_of_live_processes_and_drops_the_dead_ones(tmp_path, monkeypatch):
    shared = tmp_path / "metrics"
    shared.mkdir()
    dead = 2**22 + 12345  # above the kernel's default pid_max: no such process
    for name in (f"counter_{os.getpid()}.db", f"counter_{dead}.db", f"histogram_{dead}.db", "notes.txt"):
        (shared / name).write_bytes(b"")
    monkeypatch.delenv(MULTIPROC_DIR, raising=False)
    prepare(serving=False, shared_dir=str(shared))
    assert os.environ[MULTIPROC_DIR] == str(shared) and len(list(shared.iterdir())) == 4  # a worker removes nothing
    monkeypatch.delenv(MULTIPROC_DIR)
    prepare(serving=True, shared_dir=str(shared))()
    assert sorted(p.name for p in shared.iterdir()) == [f"counter_{os.getpid()}.db", "notes.txt"]


def test_the_operators_directory_is_used_as_it_is_and_a_lone_worker_gets_none(tmp_path, monkeypatch):
    monkeypatch.setenv(MULTIPROC_DIR, str(tmp_path))
    prepare(serving=True, shared_dir=str(tmp_path / "ignored"))()
    assert os.environ[MULTIPROC_DIR] == str(tmp_path) and not (tmp_path / "ignored").exists()
    monkeypatch.delenv(MULTIPROC_DIR)
    prepare(serving=False)
    assert MULTIPROC_DIR not in os.environ
    done = prepare(serving=True)
    private = Path(os.environ[MULTIPROC_DIR])
    assert private.is_dir() and not list(private.iterdir())
    done()
    assert not private.exists()


def test_a_scrape_passes_over_a_file_a_process_is_still_creating(tmp_path, monkeypatch):
    from prometheus_client.mmap_dict import MmapedDict, mmap_key

    from personas.handlers.metrics import exposition

    written = MmapedDict(str(tmp_path / "counter_101.db"))
    labels = ("GET", ROUTE, "200")
    key = mmap_key("personas_http_requests", "personas_http_requests_total", ("method", "route", "status"), labels, "")
    written.write_value(key, 3.0, 0.0)
    written.close()
    (tmp_path / "counter_102.db").write_bytes(b"")  # opened, not sized yet
    monkeypatch.setenv(MULTIPROC_DIR, str(tmp_path))
    quiet = type("Runtime", (), {"settings": type("S", (), {"redis_url": None}), "session_factory": None})
    text = exposition(quiet).decode()
    assert f'personas_http_requests_total{{method="GET",route="{ROUTE}",status="200"}} 3.0' in text
