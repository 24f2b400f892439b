"""Delivery throughput end to end: events written to the outbox -> webhooks received, N workers.

    python bench/events.py [--events 1000] [--workers 2] [--database-url URL]

Starts a throw-away Redis (scripts/redis.sh), a local webhook receiver (200 at once) and `personas
worker` processes, writes the events in one transaction, and times until the receiver has them all
(each signed request is a full delivery: relay, RQ job, HTTP POST, outcome recorded). The default
database is a fresh SQLite file; pass a throw-away MariaDB URL to measure that instead.
"""

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from domain import notification_channels as channels  # noqa: E402
from persistence import crypto  # noqa: E402
from persistence.db import make_engine, make_session_factory  # noqa: E402
from persistence.migrate import upgrade  # noqa: E402
from persistence.models.notification_channels import NotificationChannel  # noqa: E402
from persistence.uow import UnitOfWork  # noqa: E402
from tests.integration.receivers import Receiver, free_port  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="personas-bench-events-"))
    url = args.database_url or f"sqlite:///{folder / 'bench.sqlite3'}"
    engine = make_engine(url)
    upgrade(engine)
    crypto.configure(type("S", (), {"secret_key": "bench", "encryption_keys": ()})())
    factory = make_session_factory(engine)
    redis_dir, port = folder / "redis", free_port()
    redis = subprocess.run(
        ["bash", str(ROOT / "scripts/redis.sh"), "start", str(redis_dir), str(port)], capture_output=True, text=True
    )
    env = {
        **os.environ,
        "PERSONAS_DATABASE_URL": url,
        "PERSONAS_REDIS_URL": redis.stdout.strip(),
        "PERSONAS_SECRET_KEY": "bench",
        "PERSONAS_OUTBOUND_ALLOWLIST": "127.0.0.1",
        "PERSONAS_RELAY_INTERVAL": "0.2",
    }
    workers = []
    try:
        with Receiver() as receiver:
            with UnitOfWork(factory) as uow:
                data = {"name": "b", "type": "webhook", "active": True, "events": ["person_register"]}
                channels.create_channel(uow, NotificationChannel, data | {"config": {"url": receiver.url}})
                uow.commit()
            for _ in range(args.workers):
                workers.append(
                    subprocess.Popen(
                        [sys.executable, "-m", "personas.cli", "worker"], cwd=folder, env=env, stderr=subprocess.DEVNULL
                    )
                )
            time.sleep(3)  # workers up and idle
            started = time.monotonic()
            with UnitOfWork(factory) as uow:
                for n in range(args.events):
                    uow.events.record("person_register", "person", str(n), {"id": str(n), "name": f"P{n}"})
                uow.commit()
            got = receiver.wait_for(args.events, timeout=600)
            elapsed = time.monotonic() - started
        ids = {r["headers"]["webhook-id"] for r in got}
        print(
            f"{len(got)} of {args.events} events delivered ({len(ids)} distinct webhook-ids) by {args.workers} "
            f"workers in {elapsed:.2f} s: {len(got) / elapsed:.0f} events/s end to end ({engine.dialect.name})"
        )
    finally:
        for proc in workers:
            proc.send_signal(signal.SIGTERM)
        for proc in workers:
            proc.wait(15)
        subprocess.run(["bash", str(ROOT / "scripts/redis.sh"), "stop", str(redis_dir)], capture_output=True)


if __name__ == "__main__":
    main()
