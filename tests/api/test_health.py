"""Liveness (`/health`) answers from the process alone; readiness (`/health/ready`) checks the database and
the queue, within a bounded time, and says which part is down."""

import contextlib
import os
import socket
import threading
import time

import pytest

from personas.app import create_app
from personas.config import Settings
from tests.integration.receivers import free_port


@contextlib.contextmanager
def own_app(database_url, redis_url=None):
    """An app of its own (not migrated: its database may be unreachable)."""
    app = create_app(
        Settings(database_url=database_url, redis_url=redis_url, secret_key="test", allowed_hosts=("testserver",)),
        migrate=False,
    )
    try:
        yield app
    finally:
        app.container.close()


@contextlib.contextmanager
def app_on(database_url, redis_url=None):
    """A client of an app of its own (see `own_app`)."""
    with own_app(database_url, redis_url) as app, app.test_client() as http:
        yield http


@contextlib.contextmanager
def silent_server():
    """A loopback port that accepts connections and never says a word (a database node that hangs)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    held, stop = [], threading.Event()

    def accept():
        listener.settimeout(0.2)
        while not stop.is_set():
            with contextlib.suppress(OSError):
                held.append(listener.accept()[0])

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1]
    finally:
        stop.set()
        thread.join(2)
        for conn in [*held, listener]:
            conn.close()


def unreachable_databases(tmp_path):
    return {
        "mysql-nobody-listens": f"mysql+pymysql://personas:personas@127.0.0.1:{free_port()}/personas",
        "sqlite-in-a-removed-folder": f"sqlite:///{tmp_path / 'removed' / 'personas.sqlite3'}",
    }


def test_readiness_is_200_with_each_part_when_the_database_answers(http):
    response = http.get("/api/v1/health/ready")
    assert response.status_code == 200
    assert response.json() == {"success": True, "result": {"status": "ok", "database": "ok", "queue": "in-process"}}
    assert response.headers["cache-control"] == "no-store"  # a cached "ready" would outlive an outage


@pytest.mark.parametrize("kind", ["mysql-nobody-listens", "sqlite-in-a-removed-folder"])
def test_readiness_is_503_naming_the_database_when_it_cannot_be_reached(tmp_path, kind):
    with app_on(unreachable_databases(tmp_path)[kind]) as http:
        response = http.get("/api/v1/health/ready")
    assert response.status_code == 503
    assert response.headers["retry-after"] == "5"
    assert response.json() == {
        "success": False,
        "code": 503,
        "error": "Servicio no listo: database",
        "result": {"status": "degraded", "database": "error", "queue": "in-process"},
    }


def test_liveness_answers_without_the_database(tmp_path):
    with app_on(unreachable_databases(tmp_path)["mysql-nobody-listens"]) as http:
        response = http.get("/api/v1/health")
    assert response.status_code == 200
    assert response.json() == {"success": True, "result": {"status": "ok"}}


def test_liveness_makes_no_database_or_queue_call(tmp_path):
    redis_url = f"redis://127.0.0.1:{free_port()}/0"
    with own_app(f"sqlite:///{tmp_path / 'p.sqlite3'}", redis_url) as app, app.test_client() as http:
        state = app.container
        calls = []
        state.session_factory = lambda *a, **k: calls.append("database")  # anything that asks fails the test
        state.jobs.health = lambda: calls.append("queue")
        assert http.get("/api/v1/health").status_code == 200
    assert calls == []


def test_readiness_is_503_naming_the_queue_when_redis_is_down(tmp_path):
    with app_on(f"sqlite:///{tmp_path / 'p.sqlite3'}", redis_url=f"redis://127.0.0.1:{free_port()}/0") as http:
        response = http.get("/api/v1/health/ready", headers={"Accept-Language": "en"})
        assert http.get("/api/v1/health").status_code == 200
    assert response.status_code == 503 and response.headers["retry-after"] == "5"
    assert response.headers["content-language"] == "en"
    body = response.json()
    assert body["error"] == "Not ready: queue"
    assert body["result"] == {"status": "degraded", "database": "ok", "queue": "error"}


def test_readiness_reports_the_queue_when_redis_answers(tmp_path):
    redis_url = os.environ.get("PERSONAS_TEST_REDIS_URL")
    if not redis_url:
        if os.environ.get("CI") == "true":
            pytest.fail("PERSONAS_TEST_REDIS_URL is not set: Redis is required under CI=true")
        pytest.skip("PERSONAS_TEST_REDIS_URL is not set")
    with app_on(f"sqlite:///{tmp_path / 'p.sqlite3'}", redis_url=redis_url) as http:
        response = http.get("/api/v1/health/ready")
    assert response.status_code == 200
    assert response.json()["result"] == {"status": "ok", "database": "ok", "queue": "ok"}


def test_readiness_gives_up_on_a_database_that_never_answers_within_seconds():
    # With a Redis URL (down too) the app starts no relay thread, which would hang on the database as well.
    database = "mysql+pymysql://personas:personas@127.0.0.1:{}/personas"
    with silent_server() as port, app_on(database.format(port), f"redis://127.0.0.1:{free_port()}/0") as http:
        started = time.monotonic()
        response = http.get("/api/v1/health/ready")
        took = time.monotonic() - started
    assert response.status_code == 503
    assert response.json()["result"] == {"status": "degraded", "database": "error", "queue": "error"}
    assert took < 4, took  # the two checks run side by side, each for 2 s at most


def test_probes_share_the_check_in_progress_and_a_hung_one_answers_down_at_once():
    from personas.handlers.health import Probe, passed

    calls, release = [], threading.Event()

    def slow():
        calls.append(1)
        release.wait(5)

    probe = Probe(slow)
    runs = [probe.begin() for _ in range(5)]
    assert not passed(runs[0], timeout=0.1)  # still running past its time: down
    started = time.monotonic()
    assert not passed(probe.begin(), timeout=0.1) and time.monotonic() - started < 0.05
    release.set()
    assert all(passed(run) for run in runs) and len(calls) == 1
    assert passed(probe.begin()) and len(calls) == 2  # a finished check is not reused
