"""Events: webhooks delivered per second end to end by `ctx.workers` workers, against the receiver's ceiling.

    python -m bench.events [--db sqlite,mariadb] [--rounds N] [--seconds S] [--quick]   (through bench.run)
    python -m bench.events --events N [--db ...] [--rounds N] [--seconds S]           (this module alone)

Per database and round: a fresh database, `personas worker` processes on Redis (ctx.redis_url, or a
throw-away one), one webhook channel to a local receiver, N events written to the outbox in one
transaction, and the time from that write until the receiver holds N distinct webhook-ids and the
database has recorded all N deliveries as delivered (each one a full delivery: relay, RQ job, signed
HTTP POST, outcome recorded). The receiver (tests/integration/receivers.py `serve_counting`, its own
process, asyncio, keep-alive) answers 200 at once and checks nothing. Baseline, in the same round:
that receiver's own ceiling under wrk POSTing a webhook-sized signed-looking body on
ctx.connections connections. The tests' ThreadingHTTPServer receiver's ceiling is measured once per
round too, to show why it is not the one used here. Target: at least 200 events/s.
"""

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import harness  # noqa: E402

TARGET = 200.0
SECRET = "bench-events-secret"
BODY = (
    '{"event":"person_register","resource_id":"00000000-0000-4000-8000-000000000001","resource_name":"person",'
    '"payload":{"id":"00000000-0000-4000-8000-000000000001","name":"Persona 1","national_id":"PESJ880212HDFHLX01",'
    '"email":"persona1@example.com"}}'
)
LUA = f"""wrk.method = "POST"
wrk.body = '{BODY}'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["User-Agent"] = "personas-outbound/1.0"
wrk.headers["webhook-id"] = "0b6b4f0e-3c1a-4b8e-9a55-0f6d5c2b7e11"
wrk.headers["webhook-timestamp"] = "1764123456"
wrk.headers["webhook-signature"] = "v1,K5oZfzN95Z9UVu1EsfQmfVNQhnkZ2pj9o9NDN/H/pI4="
"""


def _stats(url: str) -> dict:
    with urllib.request.urlopen(url + "/stats", timeout=5) as answer:
        return json.loads(answer.read())


def _database(ctx, db: harness.Database, round_no: int) -> str:
    if db.label == "sqlite":
        return f"sqlite:///{ctx.scratch(f'events/sqlite-{round_no}') / 'events.sqlite3'}"
    return harness.fresh_mariadb_database(db.url, f"personas_bench_events_{round_no}")


def _prepare(url: str, receiver_url: str):
    """Schema, one webhook channel to the receiver; the session factory to write events with."""
    from personas.domain import notification_channels as channels
    from personas.persistence import crypto
    from personas.persistence.db import make_engine, make_session_factory
    from personas.persistence.migrate import upgrade
    from personas.persistence.uow import UnitOfWork

    engine = make_engine(url)
    upgrade(engine)
    crypto.use(crypto.build_cipher((), SECRET))
    factory = make_session_factory(engine)
    with UnitOfWork(factory) as uow:
        data = {"name": "bench", "type": "webhook", "active": True, "events": ["person_register"]}
        channels.create_channel(uow, data | {"config": {"url": receiver_url + "/hook"}})
        uow.commit()
    return engine, factory


def _delivered(factory) -> int:
    from sqlalchemy import func, select

    from personas.persistence.models.deliveries import Delivery

    with factory() as session:
        return session.scalar(select(func.count()).select_from(Delivery).where(Delivery.status == "delivered"))


def _workers_up(redis_url: str, count: int, timeout: float = 60) -> None:
    from redis import Redis
    from rq import Worker

    redis = Redis.from_url(redis_url)
    deadline = time.monotonic() + timeout
    while Worker.count(connection=redis) < count and time.monotonic() < deadline:
        time.sleep(0.1)
    redis.close()


def deliver_round(ctx, url: str, redis_url: str, receiver_url: str, events: int, folder: Path) -> dict:
    """One round: events/s end to end, and the workers' CPU per delivery."""
    import psutil

    from personas.persistence.uow import UnitOfWork

    engine, factory = _prepare(url, receiver_url)
    env = {
        **os.environ,
        "PERSONAS_DATABASE_URL": url,
        # One key drives the whole load: the limiter still counts every request, it just never refuses.
        "PERSONAS_RATE_LIMIT": "1000000000/minute",
        "PERSONAS_REDIS_URL": redis_url,
        "PERSONAS_SECRET_KEY": SECRET,
        "PERSONAS_OUTBOUND_ALLOWLIST": "127.0.0.1",
        "PERSONAS_RELAY_INTERVAL": str(ctx.options.get("relay_interval", 0.2)),
        "PYTHONPATH": str(ROOT),
    }
    procs = []
    try:
        for n in range(ctx.workers):
            log = open(folder / f"worker-{n}.log", "w")  # noqa: SIM115 - closed with the process
            procs.append(
                subprocess.Popen(
                    [harness.PYTHON, "-m", "personas.cli", "worker"],
                    cwd=folder,
                    env=env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            )
        _workers_up(redis_url, ctx.workers)
        cpu_before = sum(sum(psutil.Process(p.pid).cpu_times()[:2]) for p in procs)
        before = _stats(receiver_url)
        started = time.monotonic()
        with UnitOfWork(factory) as uow:
            for n in range(events):
                resource = f"00000000-0000-4000-8000-{n:012d}"
                uow.events.record("person_register", "person", resource, {"id": resource, "name": f"Persona {n}"})
            uow.commit()
        deadline = started + max(120, events / 5)
        while time.monotonic() < deadline:
            now = _stats(receiver_url)
            if now["ids"] - before["ids"] >= events and _delivered(factory) >= events:
                break
            time.sleep(0.05)
        elapsed = time.monotonic() - started
        cpu = sum(sum(psutil.Process(p.pid).cpu_times()[:2]) for p in procs) - cpu_before
        now, done = _stats(receiver_url), _delivered(factory)
    finally:
        for proc in procs:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in procs:
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
        engine.dispose()
    if done < events:
        raise RuntimeError(f"only {done} of {events} deliveries recorded as delivered in {elapsed:.0f} s")
    return {
        "eps": events / elapsed,
        "duplicates": (now["requests"] - before["requests"]) - (now["ids"] - before["ids"]),
        "cpu_ms": cpu * 1000 / events,
    }


def _threading_ceiling(ctx, script: Path) -> float:
    from tests.integration.receivers import Receiver

    with Receiver() as receiver:
        return harness.wrk(receiver.url, ctx.seconds, ctx.connections, script)["rps"]


def run(ctx: harness.Context) -> list[dict]:
    events = int(ctx.options.get("events", 500 if ctx.options.get("quick") else 2000))
    folder = ctx.scratch("events")
    script = folder / "webhook.lua"
    script.write_text(LUA)
    own_redis = None
    redis_url = ctx.redis_url
    if not redis_url:
        own_redis = ctx.scratch("events-redis")
        redis_url = harness.start_redis(own_redis)
    port = harness.free_port()
    receiver = harness.Server([harness.PYTHON, "-m", "tests.integration.receivers", str(port)], port, health="/stats")
    rows = []
    try:
        receiver.wait()
        for db in ctx.databases:
            rounds = []
            for round_no in range(ctx.rounds):
                ceiling = harness.wrk(receiver.url + "/hook", ctx.seconds, ctx.connections, script)
                if ceiling["non_2xx"] or ceiling["socket_errors"]:
                    raise RuntimeError(f"the receiver's baseline had errors: {ceiling}")
                threaded = _threading_ceiling(ctx, script)
                url = _database(ctx, db, round_no)
                got = deliver_round(ctx, url, redis_url, receiver.url, events, ctx.scratch(f"events/run-{round_no}"))
                rounds.append({**got, "ceiling": ceiling["rps"], "threaded": threaded})
                print(f"events {db.label} round {round_no + 1}: {rounds[-1]}", file=sys.stderr, flush=True)
            eps = harness.median(r["eps"] for r in rounds)
            ceiling = harness.median(r["ceiling"] for r in rounds)
            rows.append(
                {
                    "bench": "events",
                    "db": db.label,
                    "case": f"{events} webhooks, {ctx.workers} workers",
                    "events_per_s": round(eps, 1),
                    "baseline_receiver_rps": round(ceiling, 1),
                    "ratio": harness.ratio(eps, ceiling),
                    "target_met": eps >= TARGET,
                    "threading_receiver_rps": round(harness.median(r["threaded"] for r in rounds), 1),
                    "worker_cpu_ms_per_event": round(harness.median(r["cpu_ms"] for r in rounds), 2),
                    "duplicates": max(r["duplicates"] for r in rounds),
                }
            )
    finally:
        receiver.stop()
        if own_redis:
            harness.stop_redis(own_redis)
    return rows


def _alone(argv=None) -> None:
    """Without bench/run.py: the same options, this module only."""
    import argparse
    import tempfile

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default="sqlite,mariadb")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--events", type=int)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--mariadb-url", help="a running MariaDB server to use instead of starting one")
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="personas-bench-events-"))
    labels = args.db.split(",")
    databases, mariadb = [], None
    if "sqlite" in labels:
        databases.append(harness.Database("sqlite", ""))
    if "mariadb" in labels and args.mariadb_url:
        databases.append(harness.Database("mariadb", args.mariadb_url))
    elif "mariadb" in labels:
        mariadb = work / "mariadb"
        databases.append(harness.Database("mariadb", harness.start_mariadb(mariadb)))
    options = {"quick": args.quick} | ({"events": args.events} if args.events else {})
    rounds, seconds = (1, 3) if args.quick else (args.rounds, args.seconds)
    ctx = harness.Context(work=work, databases=databases, rounds=rounds, seconds=seconds, options=options)
    try:
        rows = run(ctx)
    finally:
        if mariadb:
            harness.stop_mariadb(mariadb)
    harness.report("events", rows, {"events": options.get("events"), "workers": ctx.workers})


if __name__ == "__main__":
    try:
        from bench.run import main
    except ImportError:
        main = None
    if main is None or "--events" in sys.argv:  # --events is this module's own option
        _alone()
    else:
        main(["--only", "events", *sys.argv[1:]])
