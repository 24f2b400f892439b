"""Real Redis, real `personas worker` processes: deliveries end to end, through a Redis outage and a
worker killed with SIGKILL. Each test starts its own throw-away Redis (scripts/redis.sh), since the
outage test stops and starts it; redis-server must be installed (the script installs it with apt).
Timings are kept short with PERSONAS_DELIVERY_RETRY_SCALE, PERSONAS_DELIVERY_LEASE and
PERSONAS_RELAY_INTERVAL."""

import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from standardwebhooks.webhooks import Webhook

from personas.domain import notification_channels as channels
from personas.persistence import crypto
from personas.persistence.db import make_engine, make_session_factory
from personas.persistence.migrate import upgrade
from personas.persistence.models.deliveries import Delivery
from personas.persistence.uow import UnitOfWork
from tests.integration.receivers import Receiver, free_port
from tests.support import person_body

ROOT = Path(__file__).resolve().parents[2]
PERSONAS = [sys.executable, "-m", "personas.cli"]
LEASE = 3


class Redis:
    def __init__(self, folder: Path):
        self.folder, self.port = folder, free_port()

    def start(self) -> str:
        out = subprocess.run(
            ["bash", str(ROOT / "scripts" / "redis.sh"), "start", str(self.folder), str(self.port)],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert out.returncode == 0, out.stderr
        return out.stdout.strip()

    def stop(self) -> None:
        subprocess.run(["bash", str(ROOT / "scripts" / "redis.sh"), "stop", str(self.folder)], timeout=60, check=False)


@pytest.fixture
def redis(tmp_path):
    if not shutil.which("redis-server") and not shutil.which("apt-get"):
        if os.environ.get("CI") == "true":
            pytest.fail("redis-server is required under CI=true")
        pytest.skip("redis-server is not installed")
    server = Redis(tmp_path / "redis")
    server.url = server.start()
    yield server
    server.stop()


@pytest.fixture
def setup(tmp_path, redis):
    url = f"sqlite:///{tmp_path / 'worker.sqlite3'}"
    engine = make_engine(url)
    upgrade(engine)
    # This process's cipher is shared with other tests' apps: put it back afterwards.
    previous = crypto.use(crypto.build_cipher((), "worker-test-secret"))
    env = {
        # Metrics directories are the tests' own choice, never one inherited.
        **{k: v for k, v in os.environ.items() if k != "PROMETHEUS_MULTIPROC_DIR"},
        "PERSONAS_DATABASE_URL": url,
        "PERSONAS_REDIS_URL": redis.url,
        "PERSONAS_SECRET_KEY": "worker-test-secret",
        "PERSONAS_OUTBOUND_ALLOWLIST": "127.0.0.1",
        "PERSONAS_LOCAL_OUTBOX": str(tmp_path / "outbox"),
        "PERSONAS_DELIVERY_RETRY_SCALE": "0.002",
        "PERSONAS_DELIVERY_LEASE": str(LEASE),
        "PERSONAS_RELAY_INTERVAL": "0.2",
    }
    workers: list[subprocess.Popen] = []

    def start_worker() -> subprocess.Popen:
        log = open(tmp_path / f"worker-{len(workers)}.log", "w")  # noqa: SIM115 - closed with the process
        proc = subprocess.Popen(PERSONAS + ["worker"], cwd=tmp_path, env=env, stdout=log, stderr=subprocess.STDOUT)
        workers.append(proc)
        return proc

    yield type("Setup", (), {"factory": make_session_factory(engine), "env": env, "start_worker": start_worker})
    for proc in workers:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
    for proc in workers:
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
    crypto.use(previous)
    engine.dispose()


def webhook(setup, url) -> tuple[str, str]:
    with UnitOfWork(setup.factory) as uow:
        data = {
            "name": "hook",
            "type": "webhook",
            "active": True,
            "events": ["person_register"],
            "config": {"url": url},
        }
        channel, secret = channels.create_channel(uow, data)
        uow.commit()
        return channel.id, secret


def record_events(setup, count: int) -> list[str]:
    ids = []
    with UnitOfWork(setup.factory) as uow:
        for n in range(count):
            resource = f"00000000-0000-4000-8000-{n:012d}"
            uow.events.record("person_register", "person", resource, {"id": resource, "name": f"P{n}"})
        uow.commit()
    from personas.persistence.models.events import OutboxEvent

    with setup.factory() as session:
        ids = [e.id for e in session.query(OutboxEvent)]
    return ids


def statuses(setup, channel_id) -> list[str]:
    with setup.factory() as session:
        return [d.status for d in session.query(Delivery).filter_by(channel_id=channel_id)]


def test_two_workers_deliver_every_event_once_with_valid_signatures(setup):
    with Receiver() as receiver:
        channel_id, secret = webhook(setup, receiver.url)
        setup.start_worker(), setup.start_worker()
        event_ids = record_events(setup, 30)
        requests = receiver.wait_for(30, timeout=30)
        # A batch records its outcomes together once it has sent them all.
        deadline = time.monotonic() + 10
        while statuses(setup, channel_id) != ["delivered"] * 30 and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(0.5)  # a duplicate, if any, would arrive now
    assert sorted(r["headers"]["webhook-id"] for r in receiver.requests) == sorted(event_ids)
    for request in requests:
        Webhook(secret).verify(request["body"], request["headers"])
    assert statuses(setup, channel_id) == ["delivered"] * 30


def test_a_worker_started_after_a_channel_sends_it_only_the_events_written_after_the_channel(setup):
    # No worker runs yet, so no relay: the events written before the channel are still pending when the
    # channel is created, and the worker relays them and the later one together.
    earlier = record_events(setup, 5)
    with Receiver() as receiver:
        channel_id, secret = webhook(setup, receiver.url)
        with UnitOfWork(setup.factory) as uow:
            uow.events.record("person_register", "person", "10000000-0000-4000-8000-000000000000", {"name": "Later"})
            uow.commit()
        from personas.persistence.models.events import OutboxEvent

        with setup.factory() as session:
            later = session.query(OutboxEvent).filter_by(resource_id="10000000-0000-4000-8000-000000000000").one().id
            assert session.query(OutboxEvent).filter_by(state="pending").count() == 6
        setup.start_worker()
        [request] = receiver.wait_for(1, timeout=30)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with setup.factory() as session:
                if session.query(OutboxEvent).filter_by(state="pending").count() == 0:
                    break
            time.sleep(0.1)
        time.sleep(0.5)  # an earlier event, if it were sent, would arrive now
    assert [r["headers"]["webhook-id"] for r in receiver.requests] == [later] and later not in earlier
    Webhook(secret).verify(request["body"], request["headers"])
    assert statuses(setup, channel_id) == ["delivered"]


def test_a_receiver_failing_twice_gets_the_event_on_the_third_attempt_through_the_workers(setup):
    with Receiver([(500, {}, 0), (502, {}, 0)]) as receiver:
        channel_id, secret = webhook(setup, receiver.url)
        setup.start_worker()
        [event_id] = record_events(setup, 1)
        requests = receiver.wait_for(3, timeout=20)
        deadline = time.monotonic() + 5
        while statuses(setup, channel_id) != ["delivered"] and time.monotonic() < deadline:
            time.sleep(0.1)
    assert [r["headers"]["webhook-id"] for r in requests] == [event_id] * 3
    Webhook(secret).verify(requests[2]["body"], requests[2]["headers"])
    assert statuses(setup, channel_id) == ["delivered"]


def _api(setup, tmp_path):
    created = subprocess.run(
        PERSONAS + ["api-keys", "create", "--name", "t"], cwd=tmp_path, env=setup.env, capture_output=True, text=True
    )
    key = created.stdout.strip().splitlines()[-1]
    port = free_port()
    server = subprocess.Popen(
        PERSONAS + ["serve", "--port", str(port)], cwd=tmp_path, env=setup.env, stdout=subprocess.DEVNULL
    )
    base = f"http://127.0.0.1:{port}/api/v1"
    for _ in range(100):
        try:
            urllib.request.urlopen(f"{base}/health", timeout=1)
            break
        except OSError:
            time.sleep(0.1)
    return server, base, key


def _create_person(base, key) -> int:
    request = urllib.request.Request(
        f"{base}/people",
        data=json.dumps(person_body()).encode(),
        headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status


def test_people_created_while_redis_is_down_are_all_delivered_when_it_is_back(setup, redis, tmp_path):
    with Receiver() as receiver:
        webhook(setup, receiver.url)
        setup.start_worker()
        server, base, key = _api(setup, tmp_path)
        try:
            assert _create_person(base, key) == 201
            assert len(receiver.wait_for(1, timeout=15)) == 1
            redis.stop()
            statuses_during_outage = [_create_person(base, key) for _ in range(5)]
            time.sleep(1.5)
            arrived_during_outage = len(receiver.requests)
            redis.start()
            back = time.monotonic()
            requests = receiver.wait_for(6, timeout=30)
            recovery = time.monotonic() - back
        finally:
            server.terminate()
            server.wait(10)
    assert statuses_during_outage == [201] * 5 and arrived_during_outage == 1
    assert len({r["headers"]["webhook-id"] for r in requests}) == 6
    print(f"redis outage: 5 events waited in the outbox, all delivered {recovery:.1f} s after Redis came back")


def test_a_worker_killed_mid_delivery_does_not_lose_it(setup):
    # The receiver holds the first request for 4 s: the worker is killed while it waits for the answer.
    with Receiver([(200, {}, 4.0)]) as receiver:
        channel_id, _ = webhook(setup, receiver.url)
        first = setup.start_worker()
        [event_id] = record_events(setup, 1)
        assert len(receiver.wait_for(1, timeout=15)) == 1
        first.send_signal(signal.SIGKILL)
        killed = time.monotonic()
        first.wait(5)
        setup.start_worker()
        deadline = time.monotonic() + 20
        while statuses(setup, channel_id) != ["delivered"] and time.monotonic() < deadline:
            time.sleep(0.1)
        recovery = time.monotonic() - killed
    assert statuses(setup, channel_id) == ["delivered"]
    assert [r["headers"]["webhook-id"] for r in receiver.requests] == [event_id] * 2
    assert recovery < LEASE + 8
    print(f"killed worker: delivery completed {recovery:.1f} s after SIGKILL (lease {LEASE} s)")


def _scrape(base, key) -> dict[tuple[str, frozenset], float]:
    from prometheus_client.parser import text_string_to_metric_families

    request = urllib.request.Request(f"{base}/metrics", headers={"Authorization": f"Bearer {key}"})
    with urllib.request.urlopen(request, timeout=10) as response:
        text = response.read().decode()
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def test_the_serve_counts_the_deliveries_of_a_worker_sharing_its_metrics_directory(setup, tmp_path):
    setup.env["PERSONAS_METRICS_DIR"] = str(tmp_path / "metrics")  # the worker and the serve alike
    delivered = ("personas_deliveries_total", frozenset({("outcome", "delivered")}))
    with Receiver() as receiver:
        webhook(setup, receiver.url)
        server, base, key = _api(setup, tmp_path)
        try:
            setup.start_worker()
            assert _create_person(base, key) == 201
            receiver.wait_for(1, timeout=15)
            deadline = time.monotonic() + 10
            while (found := _scrape(base, key)).get(delivered, 0) < 1 and time.monotonic() < deadline:
                time.sleep(0.2)
        finally:
            server.terminate()
            server.wait(10)
    assert found[delivered] == 1  # counted by the worker process, served by the API's
    assert ("personas_rq_queue_depth", frozenset()) in found
    assert found[("personas_outbox_backlog", frozenset())] == 0
