"""The distributed run: two `personas serve` and two `personas worker` processes on the Galera cluster and the
Sentinel Redis, 32 clients of load, faults injected phase after phase, checks after each phase and at the end.

`Scenario.run()` records everything in plain attributes (attempts, ledger, phases, faults, checks); the tests
assert on them, and `tests.cluster.report` turns them into the run's report. Nothing is asserted here:
a phase or a check that cannot run records why, and the test that depends on it fails with that.
"""

import os
import re
import signal
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC
from pathlib import Path

import httpx

from personas.domain.notification_channels import EVENTS
from tests.cluster.harness import (
    ClusterControl,
    ClusterEnv,
    Database,
    Serve,
    WebhookReceiver,
    Worker,
    cli,
    decode,
    free_port,
    hidden,
    hosts_of,
    rotated,
    service_env,
)
from tests.cluster.load import Load, Target
from tests.support import new_curp

PHASES = ("steady", "galera-node", "redis-primary", "worker", "serve-sigterm", "final")
FAULT_PHASES = {"galera-node": "galera", "redis-primary": "redis", "worker": "worker", "serve-sigterm": "serve"}
ALL_EVENTS = list(EVENTS)
CHANNELS = {
    "/hooks/all": ALL_EVENTS,
    "/hooks/register": ["person_register", "person_restore"],
}


def _seconds(env, name: str, default: float) -> float:
    value = env.get(name)
    return float(value) if value not in (None, "") else default


@dataclass
class Config:
    clients: int = 32
    steady: float = 15.0  # the first phase (the last lasts 2/3 of it)
    hold: float = 10.0  # how long a fault lasts before it is repaired
    after: float = 5.0  # load after a repair, before the phase's checks
    event_wait: float = 60.0  # bound on waiting for a phase's events at the receiver
    drain: float = 60.0  # bound on waiting for the outbox to empty at the end
    budget: float = 30.0  # a client's retry budget for one operation
    faults: frozenset = frozenset(FAULT_PHASES.values())

    @classmethod
    def from_env(cls, env=os.environ) -> "Config":
        scale = _seconds(env, "PERSONAS_CLUSTER_SCALE", 1.0)
        faults = env.get("PERSONAS_CLUSTER_FAULTS")
        chosen = frozenset(f.strip() for f in faults.split(",") if f.strip()) if faults is not None else None
        return cls(
            clients=int(env.get("PERSONAS_CLUSTER_CLIENTS") or 32),
            steady=15.0 * scale,
            hold=10.0 * scale,
            after=5.0 * scale,
            event_wait=_seconds(env, "PERSONAS_CLUSTER_EVENT_WAIT", 60.0),
            drain=_seconds(env, "PERSONAS_CLUSTER_DRAIN", 60.0),
            faults=chosen if chosen is not None else cls.faults,
        )


@dataclass
class Fault:
    kind: str
    what: str
    phase: str
    injected_at: float | None = None
    repair_started: float | None = None
    repaired_at: float | None = None
    error: str | None = None
    skipped: str | None = None
    notes: dict = field(default_factory=dict)


@dataclass
class Phase:
    name: str
    start: float
    fault_end: float | None = None  # the end of the load part (the checks follow)
    end: float | None = None
    errors: list = field(default_factory=list)
    checks: dict = field(default_factory=dict)


class Scenario:
    def __init__(self, cluster: ClusterEnv, folder: Path, config: Config):
        self.cluster, self.folder, self.config = cluster, folder, config
        self.control = ClusterControl(cluster.directory)
        self.db = Database(cluster.node_urls)
        self.receiver = WebhookReceiver()
        self.url_a = cluster.database_url
        self.url_b = rotated(cluster.database_url, 1)
        self.worker_urls = (cluster.database_url, rotated(cluster.database_url, 2))
        if os.environ.get("PERSONAS_CLUSTER_SINGLE_NODE") == "1" and len(cluster.node_urls) >= 3:
            # For diagnosis only, while the service cannot take a URL with several hosts: each process on one
            # node (A on 1, B on 2, the workers on 1 and 3), no failover. The multi-host test fails then.
            nodes = cluster.node_urls
            self.url_a, self.url_b, self.worker_urls = nodes[0], nodes[1], (nodes[0], nodes[2])
        self.serves: dict[str, Serve] = {}
        self.workers: list[Worker] = []
        self.key = self.read_key = None
        self.hot_id: str | None = None
        self.channels: dict[str, dict] = {}  # path -> {"id", "secret", "events"}
        self.baseline_events: set[str] = set()
        self.load: Load | None = None
        self.phases: list[Phase] = []
        self.faults: list[Fault] = []
        self.monitor: list[tuple] = []  # (time, process, path, status)
        self._monitor_stop = threading.Event()
        self.started = time.time()
        self.setup_done: float | None = None
        self.finished: float | None = None
        self.final: dict = {}
        self.stuck_clients: list[str] = []
        self.client_errors: list[str] = []
        self.confirmed_pairs: set[tuple[str, str]] = set()
        self.events: dict[str, tuple[str, float, str, str]] = {}  # id -> (name, created, resource_id, state)
        self.cluster_status: str = ""
        self.alive_at_end: dict[str, bool] = {}
        self.strays: dict[str, list[str]] = {}  # processes left by earlier starts, killed at the end
        self.report: dict = {}

    # -- setup -----------------------------------------------------------------------------------------------

    def env(self, database_url: str, machine: str | None = None) -> dict:
        """A process's environment; processes of one `machine` share their metrics (PERSONAS_METRICS_DIR) as a
        serve and a worker on one host would: serve A with worker 1, serve B with worker 2."""
        extra = {"PERSONAS_METRICS_DIR": str(self.folder / f"metrics-{machine}")} if machine else {}
        return service_env(self.folder, database_url, self.cluster.redis_url, extra)

    def setup(self) -> None:
        self.receiver.start()
        self.cluster_status = self.control.status() if not self.control.available() else ""
        env = self.env(self.url_a)
        made = cli(self.folder, env, "api-keys", "create", "--name", "cluster-suite")
        self.key = made.strip().splitlines()[-1]
        made = cli(self.folder, env, "api-keys", "create", "--name", "cluster-suite-read", "--scopes", "read")
        self.read_key = made.strip().splitlines()[-1]
        # One after the other: each runs the migrations when it starts.
        for name, url in (("A", self.url_a), ("B", self.url_b)):
            serve = Serve(f"serve-{name}", free_port(), self.env(url, name), self.folder)
            self.serves[name] = serve
            serve.start()
            serve.wait_serving()
        for number, (url, machine) in enumerate(zip(self.worker_urls, ("A", "B"), strict=True), start=1):
            worker = Worker(f"worker-{number}", self.env(url, machine), self.folder)
            self.workers.append(worker)
            worker.start()
        for worker in self.workers:
            worker.wait_started()
        self._channels()
        self.baseline_events = {row[0] for row in self.db.query("SELECT id FROM outbox_events")}
        hot = {"national_id": new_curp(), "name": "Hot", "first_lastname": "López", "second_lastname": "Díaz"}
        made = self._admin("POST", "/people", hot)
        if made.status_code != 201:
            raise RuntimeError(f"POST /people (the hot person) answered {made.status_code}: {made.text[:500]}")
        self.hot_id = made.json()["result"]["id"]
        threading.Thread(target=self._watch, name="ready-monitor", daemon=True).start()
        self.setup_done = time.time()

    def _admin(self, method: str, path: str, body=None, serve: str = "A", key: str | None = None) -> httpx.Response:
        headers = {"Authorization": f"Bearer {key or self.key}"}
        with httpx.Client(timeout=30) as http:
            return http.request(method, self.serves[serve].base + path, json=body, headers=headers)

    def _channels(self) -> None:
        """The suite's two webhook channels; channels left by an earlier run on this database are deleted
        (they would point at a receiver that is gone)."""
        listed = self._admin("GET", "/notification-channels?per_page=100")
        if listed.status_code != 200:
            raise RuntimeError(f"GET /notification-channels answered {listed.status_code}: {listed.text[:500]}")
        for old in listed.json()["result"]:  # an array, as the seed has it (the page is in `pagination`)
            self._admin("DELETE", f"/notification-channels/{old['id']}")
        for path, events in CHANNELS.items():
            body = {
                "name": f"cluster-suite {path}",
                "type": "webhook",
                "active": True,
                "events": events,
                "config": {"url": self.receiver.base + path},
            }
            made = self._admin("POST", "/notification-channels", body)
            if made.status_code != 201:
                raise RuntimeError(f"POST /notification-channels answered {made.status_code}: {made.text[:500]}")
            result = made.json()["result"]
            self.channels[path] = {"id": result["id"], "secret": result["config"]["secret"], "events": events}

    def _watch(self) -> None:
        """GET /health/ready and /health on both processes every half second, for recovery times. Samples are
        timed by their answer: a probe in flight when a fault began belongs to the fault's phase."""
        while not self._monitor_stop.is_set():
            for name, serve in list(self.serves.items()):
                for path in ("/health/ready", "/health"):
                    status = serve.health(path, key=self.key, timeout=5)
                    self.monitor.append((time.time(), name, path, status))  # when the answer (or timeout) came
            self._monitor_stop.wait(0.5)

    # -- the run ---------------------------------------------------------------------------------------------

    def run(self) -> None:
        self.setup()
        targets = [Target(name, serve.base) for name, serve in self.serves.items()]
        self.load = Load(targets, self.key, clients=self.config.clients, budget=self.config.budget, hot_id=self.hot_id)
        self.load.start()
        for name in PHASES:
            phase = Phase(name, time.time())
            self.phases.append(phase)
            try:
                getattr(self, "_phase_" + name.replace("-", "_"))(phase)
            except Exception as exc:  # noqa: BLE001 - recorded; the checks still run
                phase.errors.append(f"{type(exc).__name__}: {exc}")
            phase.fault_end = time.time()
            try:
                self.check_phase(phase)
            except Exception as exc:  # noqa: BLE001
                phase.errors.append(f"phase checks failed: {type(exc).__name__}: {exc}")
            phase.end = time.time()
        self.stuck_clients = self.load.finish(timeout=self.config.budget + 30)
        self.dump_attempts()
        self.client_errors = [f"{c.name}: {c.error!r}" for c in self.load.clients if c.error is not None]
        try:
            self.final_checks()
        except Exception as exc:  # noqa: BLE001 - the tests that need the missing figures fail with it
            self.final.setdefault("errors", []).append(f"final checks: {type(exc).__name__}: {exc}")
        finally:
            self.alive_at_end = {p.name: p.alive() for p in [*self.serves.values(), *self.workers]}
            self.finished = time.time()

    def _hold(self, seconds: float) -> None:
        """Let the load run for `seconds` (the clients keep working meanwhile)."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.load and not any(c.is_alive() for c in self.load.clients):
                raise RuntimeError("every client thread has ended: " + "; ".join(self.client_errors_now()))
            time.sleep(min(0.5, max(0.0, deadline - time.monotonic())))

    def client_errors_now(self) -> list[str]:
        return [f"{c.name}: {c.error!r}" for c in self.load.clients if c.error is not None][:5]

    def _fault(self, kind: str, what: str, phase: Phase) -> Fault | None:
        fault = Fault(kind, what, phase.name)
        self.faults.append(fault)
        if kind not in self.config.faults:
            fault.skipped = f"not in PERSONAS_CLUSTER_FAULTS ({','.join(sorted(self.config.faults))})"
            return None
        if kind in ("galera", "redis"):
            why = self.control.available()
            if why:
                fault.error = f"cannot inject: {why}"
                return None
        return fault

    def _phase_steady(self, phase: Phase) -> None:
        self._hold(self.config.steady)

    def _phase_final(self, phase: Phase) -> None:
        self._hold(self.config.steady * 2 / 3)

    def _phase_galera_node(self, phase: Phase) -> None:
        first = hosts_of(self.url_a)[0]
        node = self.cluster.node_of(first) or 1
        fault = self._fault("galera", f"SIGKILL Galera node {node} ({first}, the first host of serve A's URL)", phase)
        if fault is None:
            self._hold(self.config.steady / 2)
            return
        fault.notes["node"] = node
        began = time.time()
        try:
            self.control.kill_node(node)
        except Exception as exc:  # noqa: BLE001
            fault.error = f"kill-node: {exc}"
            return
        # From when the command returned: the node is surely dead then (requests before may have been served).
        fault.injected_at = time.time()
        fault.notes["command_s"] = round(fault.injected_at - began, 3)
        self.db.down.add(node)
        self._hold(self.config.hold)
        fault.repair_started = time.time()
        try:
            self.control.start_node(node)
            fault.repaired_at = time.time()
            self.db.down.discard(node)
        except Exception as exc:  # noqa: BLE001
            fault.error = f"start-node: {exc}"
        self._hold(self.config.after)

    def _phase_redis_primary(self, phase: Phase) -> None:
        fault = self._fault("redis", "SIGKILL the Redis primary (Sentinel elects the replica)", phase)
        if fault is None:
            self._hold(self.config.steady / 2)
            return
        began = time.time()
        try:
            port = self.control.kill_redis_primary()
        except Exception as exc:  # noqa: BLE001
            fault.error = f"kill-redis-primary: {exc}"
            return
        fault.injected_at = time.time()
        fault.notes["command_s"] = round(fault.injected_at - began, 3)
        fault.notes["killed_port"] = port
        self._hold(self.config.hold)
        fault.repair_started = time.time()
        try:
            self.control.start_redis(port)
            fault.repaired_at = time.time()
        except Exception as exc:  # noqa: BLE001
            fault.error = f"start-redis {port}: {exc}"
        self._hold(self.config.after)

    def _phase_worker(self, phase: Phase) -> None:
        worker = self.workers[0]
        fault = self._fault("worker", f"SIGKILL `personas worker` {worker.name} (restarted after the hold)", phase)
        if fault is None:
            self._hold(self.config.steady / 2)
            return
        fault.injected_at = time.time()
        worker.signal(signal.SIGKILL)
        fault.notes["exit_code"] = worker.wait(10)
        self._hold(self.config.hold + 5)  # longer than the delivery lease (10 s): its leases expire meanwhile
        fault.repair_started = time.time()
        try:
            worker.start()
            worker.wait_started()
            fault.repaired_at = time.time()
        except Exception as exc:  # noqa: BLE001
            fault.error = f"restart: {exc}"
        self._hold(self.config.after)

    def _phase_serve_sigterm(self, phase: Phase) -> None:
        serve = self.serves["B"]
        fault = self._fault("serve", f"SIGTERM `personas serve` B (port {serve.port}), then start it again", phase)
        if fault is None:
            self._hold(self.config.steady / 2)
            return
        self._hold(2.0)
        fault.injected_at = time.time()
        serve.signal(signal.SIGTERM)
        code = serve.wait(30)
        fault.notes["exit_code"] = code
        fault.notes["exited_at"] = time.time()
        if code is None:
            fault.error = "serve B did not exit within 30 s of SIGTERM (killed)"
            serve.kill_group()
        fault.repair_started = time.time()
        try:
            serve.start()
            serve.wait_serving()
            fault.repaired_at = time.time()
        except Exception as exc:  # noqa: BLE001
            fault.error = f"restart: {exc}"
        self._hold(self.config.after)

    # -- checks ----------------------------------------------------------------------------------------------

    def _http(self) -> httpx.Client:
        return httpx.Client(timeout=30, headers={"Authorization": f"Bearer {self.key}"})

    def _search(self, http: httpx.Client, serve: Serve, ids: list[str]) -> tuple[set[str], list[str]]:
        """The ids that POST /people/search/ids finds on `serve`, and the errors met."""
        found, errors = set(), []
        for i in range(0, len(ids), 100):
            part = ids[i : i + 100]
            for attempt in range(3):  # a 503 or a dropped connection is tried again, twice
                try:
                    got = http.post(serve.base + "/people/search/ids", json={"ids": part})
                except httpx.HTTPError as exc:
                    problem = f"{serve.name}: {type(exc).__name__}: {exc}"
                else:
                    if got.status_code == 200:
                        result = got.json()["result"]
                        items = result["data"] if isinstance(result, dict) and "data" in result else result
                        found |= {p["id"] for p in items}
                        break
                    problem = f"{serve.name}: search answered {got.status_code}: {got.text[:200]}"
                if attempt == 2:
                    errors.append(problem)
                time.sleep(0.5)
        return found, errors

    def _get_status(self, http: httpx.Client, serve: Serve, person_id: str) -> tuple[int | None, dict | None]:
        for _ in range(3):
            try:
                got = http.get(f"{serve.base}/people/{person_id}")
            except httpx.HTTPError:
                time.sleep(0.5)
                continue
            if got.status_code == 503:
                time.sleep(0.5)
                continue
            return got.status_code, (got.json() if got.status_code == 200 else None)
        return None, None

    def check_phase(self, phase: Phase) -> None:
        """While the load goes on: the people created in this phase are found through both processes, and
        every event recorded so far has reached every channel subscribed to it (bounded wait)."""
        checks = phase.checks
        began = time.monotonic()
        acked = [p for p in self.load.ledger.snapshot() if p.acked_at and phase.start <= p.acked_at]
        checks["acked_creates"] = len(acked)
        ids = [p.id for p in acked if not p.delete_tried]

        def search(name):
            with self._http() as http:
                return name, *self._search(http, self.serves[name], ids)

        problems = []
        with ThreadPoolExecutor(2) as pool:
            searched = list(pool.map(search, list(self.serves)))
        with self._http() as http:
            for name, found, errors in searched:
                checks[f"search_errors_{name}"] = errors
                for person_id in sorted(set(ids) - found):
                    status, _ = self._get_status(http, self.serves[name], person_id)
                    if status != 200:
                        problems.append((name, person_id, status))
        # A client may have deleted one of them since the list was taken: a 404 is then expected.
        people = {p.id: p for p in acked}
        problems = [(name, pid, status) for name, pid, status in problems if not people[pid].delete_tried]
        rows = {r[0]: r for r in self.db.query_in("SELECT id, deleted_at FROM people WHERE id IN %s", ids)}
        checks["not_readable"] = [
            {
                "process": name,
                "person": pid,
                "status": status,
                "in_database": pid in rows,
                "deleted_at": str(rows[pid][1]) if pid in rows else None,
            }
            for name, pid, status in problems
        ]
        checks["read_check_s"] = round(time.monotonic() - began, 2)
        # Events.
        self._load_events()
        pending = self._expected_pairs() - self.confirmed_pairs
        checks["events_expected_so_far"] = len(self._expected_pairs())
        started = time.monotonic()
        while True:
            received = self.receiver.received_pairs()
            missing = {pair for pair in pending if pair not in received}
            self.confirmed_pairs |= pending - missing
            if not missing or time.monotonic() - started > self.config.event_wait:
                break
            time.sleep(0.5)
        checks["events_wait_s"] = round(time.monotonic() - started, 2)
        checks["events_missing"] = self._diagnose(missing)

    def _load_events(self) -> None:
        rows = self.db.query("SELECT id, name, created_at, resource_id, state FROM outbox_events")
        for event_id, name, created, resource_id, state in rows:
            if event_id not in self.baseline_events:
                self.events[event_id] = (name, created.replace(tzinfo=UTC).timestamp(), resource_id, state)

    def _expected_pairs(self) -> set[tuple[str, str]]:
        return {
            (path, event_id)
            for event_id, (name, *_rest) in self.events.items()
            for path, channel in self.channels.items()
            if name in channel["events"]
        }

    def _diagnose(self, missing: set[tuple[str, str]], limit: int = 20) -> list[dict]:
        """What the database says of events that did not arrive: the outbox row and the delivery."""
        if not missing:
            return []
        by_channel = {c["id"]: path for path, c in self.channels.items()}
        shown = sorted(missing)[:limit]
        rows = self.db.query_in(
            "SELECT event_id, channel_id, status, attempts, last_status_code, last_error, next_attempt_at, "
            "locked_until FROM deliveries WHERE event_id IN %s",
            [e for _, e in shown],
        )
        deliveries = {(by_channel.get(r[1]), r[0]): r for r in rows}
        out = []
        for path, event_id in shown:
            name, created, _resource, state = self.events.get(event_id, ("?", 0.0, "?", "?"))
            d = deliveries.get((path, event_id))
            out.append(
                {
                    "channel": path,
                    "event": event_id,
                    "name": name,
                    "created": round(created, 3),
                    "outbox_state": state,
                    "delivery": None
                    if d is None
                    else {
                        "status": d[2],
                        "attempts": d[3],
                        "last_status_code": d[4],
                        "last_error": (d[5] or "")[:200],
                        "next_attempt_at": str(d[6]),
                        "locked_until": str(d[7]),
                    },
                }
            )
        if len(missing) > limit:
            out.append({"more": len(missing) - limit})
        return out

    def final_checks(self) -> None:
        final = self.final
        # 1. Drain: the outbox and the deliveries to our channels empty, every expected event received.
        started = time.monotonic()
        channel_ids = [c["id"] for c in self.channels.values()]
        while True:
            pending_events = self.db.query("SELECT COUNT(*) FROM outbox_events WHERE state = 'pending'")[0][0]
            pending_deliveries = self.db.query_in(
                "SELECT COUNT(*) FROM deliveries WHERE status = 'pending' AND channel_id IN %s", channel_ids
            )[0][0]
            self._load_events()
            received = self.receiver.received_pairs()
            missing = self._expected_pairs() - set(received)
            if (not pending_events and not pending_deliveries and not missing) or (
                time.monotonic() - started > self.config.drain
            ):
                break
            time.sleep(1.0)
        final["drain_s"] = round(time.monotonic() - started, 2)
        final["outbox_pending"] = pending_events
        final["deliveries_pending"] = pending_deliveries
        final["events_missing"] = self._diagnose(missing)
        final["events_missing_count"] = len(missing)
        final["events_expected"] = len(self._expected_pairs())
        final["events_in_db"] = len(self.events)
        failed = self.db.query_in(
            "SELECT COUNT(*) FROM deliveries WHERE status = 'failed' AND channel_id IN %s", channel_ids
        )
        final["deliveries_failed"] = failed[0][0]
        for check in (self._check_received, self._check_writes, self._check_metrics):
            try:
                check()
            except Exception as exc:  # noqa: BLE001 - one check's failure does not hide the others' figures
                final.setdefault("errors", []).append(f"{check.__name__}: {type(exc).__name__}: {exc}")

    def _check_received(self) -> None:
        """Duplicates, phantoms (received, not in the database) and signatures of what the receiver got."""
        from personas.domain.webhooks import sign

        final = self.final
        requests = self.receiver.snapshot()
        final["webhooks_received"] = len(requests)
        counts: dict[tuple[str, str], list[dict]] = {}
        for r in requests:
            counts.setdefault((r["path"], r["webhook_id"]), []).append(r)
        final["webhooks_distinct"] = len(counts)
        redelivered = {k: v for k, v in counts.items() if len(v) > 1}
        final["redelivered_same_id"] = sum(len(v) - 1 for v in redelivered.values())
        final["redelivered_with_other_body"] = [
            {"channel": path, "webhook_id": wid}
            for (path, wid), v in redelivered.items()
            if len({decode(x).__repr__() for x in v}) > 1
        ]
        # The same person registered twice (two webhook-ids for one person_register): a duplicate event.
        registered: dict[tuple[str, str], set[str]] = {}
        for (path, wid), v in counts.items():
            doc = decode(v[0])
            if doc.get("event") == "person_register":
                registered.setdefault((path, doc.get("resource_id")), set()).add(wid)
        final["duplicate_events"] = [
            {"channel": path, "person": person, "webhook_ids": sorted(ids)}
            for (path, person), ids in registered.items()
            if len(ids) > 1
        ]
        ids = sorted({wid for _, wid in counts if wid})
        known = {r[0] for r in self.db.query_in("SELECT id FROM outbox_events WHERE id IN %s", ids)}
        final["phantom"] = [wid for wid in ids if wid not in known][:20]
        final["phantom_count"] = len([wid for wid in ids if wid not in known])
        final["webhooks_unknown_channel"] = len([r for r in requests if r["path"] not in self.channels])
        bad = []
        for r in requests:
            channel = self.channels.get(r["path"])
            headers = r["headers"]
            if channel is None or not r["webhook_id"]:
                continue
            try:
                expected = sign(channel["secret"], r["webhook_id"], int(headers["webhook-timestamp"]), r["body"])
            except (KeyError, ValueError) as exc:
                bad.append({"webhook_id": r["webhook_id"], "error": f"{type(exc).__name__}: {exc}"})
                continue
            if expected not in headers.get("webhook-signature", "").split():
                bad.append({"webhook_id": r["webhook_id"], "error": "signature does not match"})
        final["bad_signatures"] = bad[:20]
        final["bad_signature_count"] = len(bad)
        # Events that arrived although recorded before this run (left pending by an earlier one).
        final["earlier_events_received"] = len([wid for wid in ids if wid in self.baseline_events])

    def _check_writes(self) -> None:
        """Acknowledged writes are in the database and readable through both processes; retried creates made
        one person; retried child creates one record."""
        final = self.final
        people = self.load.ledger.snapshot()
        acked = [p for p in people if p.id]
        final["people_attempted"] = len(people)
        final["people_acked"] = len(acked)
        rows = {
            r[0]: r
            for r in self.db.query_in(
                "SELECT id, deleted_at, name, national_id FROM people WHERE id IN %s", [p.id for p in acked]
            )
        }
        lost, wrong_name, unreadable, stale = [], [], [], []

        def read(person):
            with self._http() as http:
                return person, {name: self._get_status(http, serve, person.id) for name, serve in self.serves.items()}

        with ThreadPoolExecutor(16) as pool:
            reads = list(pool.map(read, acked))
        for person, got in reads:
            row = rows.get(person.id)
            if row is None:
                lost.append({"person": person.id, "national_id": person.national_id, "what": "row missing"})
                continue
            deleted = row[1] is not None
            for name, (status, data) in got.items():
                expected = {"alive": {200}, "deleted": {404}, "unknown": {200, 404}}[person.state]
                if status not in expected:
                    unreadable.append(
                        {
                            "process": name,
                            "person": person.id,
                            "status": status,
                            "state": person.state,
                            "deleted_in_db": deleted,
                        }
                    )
                elif status == 200:
                    allowed = {person.acked_name, *person.unacked_names}
                    if data["result"]["name"] not in allowed:
                        wrong_name.append(
                            {
                                "process": name,
                                "person": person.id,
                                "got": data["result"]["name"],
                                "acked": person.acked_name,
                            }
                        )
            if person.state == "alive" and deleted:
                lost.append({"person": person.id, "what": "acknowledged alive, deleted in the database"})
            if row[2] not in {person.acked_name, *person.unacked_names}:
                lost.append({"person": person.id, "what": f"name {row[2]!r}, acknowledged {person.acked_name!r}"})
            stale += [
                {"process": t, "op": op, "status": s, "at": round(at, 3), "request_id": rid, "person": person.id}
                for t, op, s, at, rid in person.stale_reads
            ]
        # The hot person: readable through both, its name one of those sent.
        final["hot"] = {}
        with self._http() as http:
            for name, serve in self.serves.items():
                status, data = self._get_status(http, serve, self.hot_id)
                got = data["result"]["name"] if data else None
                final["hot"][name] = {"status": status, "name": got, "sent": got in self.load.hot_names}
        # Child records acknowledged.
        address_ids = [a for p in acked for a in p.addresses]
        contact_ids = [c for p in acked for c in p.contacts]
        found_addresses = {r[0] for r in self.db.query_in("SELECT id FROM addresses WHERE id IN %s", address_ids)}
        found_contacts = {r[0] for r in self.db.query_in("SELECT id FROM contact_data WHERE id IN %s", contact_ids)}
        lost += [
            {"address": a, "what": "acknowledged address missing"} for a in address_ids if a not in found_addresses
        ]
        lost += [
            {"contact": c, "what": "acknowledged contact data missing"} for c in contact_ids if c not in found_contacts
        ]
        # One person per CURP, one address and one contact per person, whatever the retries.
        by_curp = {
            r[0]: r[1]
            for r in self.db.query_in(
                "SELECT national_id, COUNT(*) FROM people WHERE national_id IN %s GROUP BY national_id",
                [p.national_id for p in people],
            )
        }
        per_person_addresses = dict(
            self.db.query_in(
                "SELECT person_id, COUNT(*) FROM addresses WHERE person_id IN %s GROUP BY person_id",
                [p.id for p in acked],
            )
        )
        per_person_contacts = dict(
            self.db.query_in(
                "SELECT person_id, COUNT(*) FROM contact_data WHERE person_id IN %s GROUP BY person_id",
                [p.id for p in acked],
            )
        )
        duplicates = []
        for p in people:
            if by_curp.get(p.national_id, 0) > 1:
                duplicates.append(
                    {"national_id": p.national_id, "people": by_curp[p.national_id], "attempts": p.create_attempts}
                )
            if p.id and rows.get(p.id) and rows[p.id][3] != p.national_id:
                duplicates.append({"national_id": p.national_id, "what": "acknowledged id has another CURP"})
            if p.id and per_person_addresses.get(p.id, 0) > p.address_attempts:
                ops = [trail for op, trail in p.child_ops if op == "create_address"]
                duplicates.append(
                    {"person": p.id, "addresses": per_person_addresses[p.id], "sent": p.address_attempts, "ops": ops}
                )
            if p.id and per_person_contacts.get(p.id, 0) > p.contact_attempts:
                ops = [trail for op, trail in p.child_ops if op == "create_contact"]
                duplicates.append(
                    {"person": p.id, "contacts": per_person_contacts[p.id], "sent": p.contact_attempts, "ops": ops}
                )
        retried = [p for p in people if p.create_attempts > 1]
        final["creates_retried"] = len(retried)
        final["creates_retried_acked"] = len([p for p in retried if p.id])
        final["creates_retried_statuses"] = sorted({str(p.create_statuses) for p in retried})[:20]
        final["creates_retried_one_person"] = len([p for p in retried if p.id and by_curp.get(p.national_id, 0) == 1])
        final["creates_unacked_but_stored"] = len([p for p in people if not p.id and by_curp.get(p.national_id, 0)])
        # Told "no" (a 4xx other than 409 in flight) although the person was stored: a retry that ran again.
        final["creates_refused_but_stored"] = [
            {"national_id": p.national_id, "statuses": p.create_statuses}
            for p in people
            if not p.id
            and p.create_final is not None
            and 400 <= p.create_final < 500
            and p.create_final != 409
            and by_curp.get(p.national_id, 0)
        ][:20]
        final["duplicates"] = duplicates[:50]
        final["duplicate_count"] = len(duplicates)
        final["lost"] = lost[:50]
        final["lost_count"] = len(lost)
        final["unreadable"] = unreadable[:50]
        final["unreadable_count"] = len(unreadable)
        final["wrong_name"] = wrong_name[:50]
        final["stale_reads"] = stale[:50]
        final["stale_read_count"] = len(stale)
        final["addresses_acked"], final["contacts_acked"] = len(address_ids), len(contact_ids)
        # Every acknowledged person has exactly one person_register event.
        registers = dict(
            self.db.query_in(
                "SELECT resource_id, COUNT(*) FROM outbox_events WHERE name = 'person_register' AND resource_id IN %s "
                "GROUP BY resource_id",
                [p.id for p in acked],
            )
        )
        final["acked_without_event"] = [p.id for p in acked if registers.get(p.id, 0) == 0][:20]
        final["acked_with_two_events"] = [p.id for p in acked if registers.get(p.id, 0) > 1][:20]

    def _check_metrics(self) -> None:
        """GET /metrics on A (never restarted) twice and on B once with the admin key, once with a read-only key.
        Each serve shares its metrics with the worker of its "machine" (A with worker 1, B with worker 2)."""
        final = self.final
        metrics = final["metrics"] = {}
        scrapes = {}
        for label, serve in (("A", "A"), ("A again", "A"), ("B", "B")):
            try:
                scrapes[label] = self._admin("GET", "/metrics", serve=serve)
            except httpx.HTTPError as exc:
                metrics["error"] = f"{label}: {type(exc).__name__}: {exc}"
                return
        try:
            metrics["status_read_key"] = self._admin("GET", "/metrics", key=self.read_key).status_code
        except httpx.HTTPError as exc:
            metrics["status_read_key"] = f"{type(exc).__name__}: {exc}"
        metrics["status"] = {label: s.status_code for label, s in scrapes.items()}
        metrics["content_type"] = scrapes["A"].headers.get("content-type")
        metrics["samples"] = {
            label: parse_metrics(s.text) if s.status_code == 200 else [] for label, s in scrapes.items()
        }
        answered_by_a = [a for a in self.load.attempts if a.target == "A" and a.status is not None]
        metrics["client_answers_from_A"] = len(answered_by_a)
        metrics["scrape_excerpt"] = scrapes["A"].text[:3000]

    def dump_attempts(self) -> None:
        """Every attempt, one JSON line each, for post-mortems (grep a request id in the serve logs)."""
        import json

        with open(self.folder / "attempts.jsonl", "w") as out:
            for attempt in list(self.load.attempts):
                out.write(json.dumps(vars(attempt), default=str) + "\n")

    # -- teardown --------------------------------------------------------------------------------------------

    def close(self) -> None:
        self._monitor_stop.set()
        if self.load is not None:
            self.load.stop.set()
            self.load.stopping_hard.set()
        for process in [*self.workers, *self.serves.values()]:
            strays = process.stop()
            if strays:  # e.g. the RQ scheduler a SIGKILLed worker had forked, still running
                self.strays[process.name] = strays
        self.receiver.stop()


def parse_metrics(text: str) -> list[tuple[str, dict, float]]:
    """Prometheus text format: (name, labels, value) per sample line."""
    sample = re.compile(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)")
    label = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')
    out = []
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        match = sample.match(line)
        if not match:
            continue
        try:
            value = float(match[3])
        except ValueError:
            continue
        out.append((match[1], dict(label.findall(match[2] or "")), value))
    return out


def describe(scenario: "Scenario") -> dict:
    return {
        "serve_A": hidden(scenario.url_a),
        "serve_B": hidden(scenario.url_b),
        "workers": [hidden(u) for u in scenario.worker_urls],
        "redis": scenario.cluster.redis_url,
        "receiver": scenario.receiver.base,
        "folder": str(scenario.folder),
    }
