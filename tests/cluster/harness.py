"""Pieces of the distributed suite: the cluster's control script, `personas` processes, a webhook receiver
and a direct reader of the database.

Everything listens on and connects to 127.0.0.1 only. Processes write their output to log files in the
run's folder; those are named in every failure message that concerns them.
"""

import contextlib
import json
import os
import re
import shlex
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CLUSTER_SH = ROOT / "scripts" / "cluster.sh"
# The command under test; PERSONAS_CLUSTER_COMMAND replaces it (shell words), e.g. to try a wrapper.
PERSONAS = shlex.split(os.environ.get("PERSONAS_CLUSTER_COMMAND", "")) or [sys.executable, "-m", "personas.cli"]
SECRET = "cluster-suite-secret"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def tail(path: Path, lines: int = 25) -> str:
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return f"(no log at {path})"
    return "\n".join(text.splitlines()[-lines:])


# --- database URLs with several hosts -------------------------------------------------------------------

URL_PARTS = re.compile(r"^(?P<head>[a-z0-9+]+://(?:[^@/]*@)?)(?P<hosts>[^/?]*)(?P<rest>.*)$", re.IGNORECASE)


def hosts_of(url: str) -> list[str]:
    """The `host:port` items of a URL's netloc, in order (`a:1,b:2` -> ['a:1', 'b:2'])."""
    match = URL_PARTS.match(url)
    if not match:
        raise ValueError(f"not a URL: {url!r}")
    return [h.strip() for h in match["hosts"].split(",") if h.strip()]


def with_hosts(url: str, hosts: list[str]) -> str:
    match = URL_PARTS.match(url)
    if not match:
        raise ValueError(f"not a URL: {url!r}")
    return match["head"] + ",".join(hosts) + match["rest"]


def rotated(url: str, by: int) -> str:
    """The same URL with its host list rotated: by=1 turns h1,h2,h3 into h2,h3,h1."""
    hosts = hosts_of(url)
    by %= max(1, len(hosts))
    return with_hosts(url, hosts[by:] + hosts[:by])


def hidden(url: str) -> str:
    """A URL without its password, for reports."""
    return re.sub(r"(://[^:/@]*:)[^@]*@", r"\1***@", url)


@dataclass(frozen=True)
class ClusterEnv:
    """What `scripts/cluster.sh start` printed (and cluster-test.sh exported)."""

    database_url: str
    node_urls: tuple[str, ...]
    redis_url: str
    redis_nodes: tuple[str, ...]
    directory: str | None

    @classmethod
    def from_env(cls, env=os.environ) -> "ClusterEnv":
        database_url = env["PERSONAS_CLUSTER_DATABASE_URL"]
        nodes = tuple(env.get("PERSONAS_CLUSTER_NODE_URLS", "").split()) or (database_url,)
        return cls(
            database_url=database_url,
            node_urls=nodes,
            redis_url=env.get("PERSONAS_CLUSTER_REDIS_URL", ""),
            redis_nodes=tuple(env.get("PERSONAS_CLUSTER_REDIS_NODES", "").split()),
            directory=env.get("PERSONAS_CLUSTER_DIR") or None,
        )

    def node_of(self, host: str) -> int | None:
        """The node number (1..3) whose single-node URL has this `host:port`."""
        for number, url in enumerate(self.node_urls, start=1):
            if host in hosts_of(url):
                return number
        return None


class ClusterCommandFailed(RuntimeError):
    pass


class ClusterControl:
    """`scripts/cluster.sh COMMAND DIR ...`, bounded in time, its failures with their stderr."""

    def __init__(self, directory: str | None):
        self.directory = directory

    def available(self) -> str | None:
        """Why faults cannot be injected, or None when they can."""
        if not self.directory:
            return "PERSONAS_CLUSTER_DIR is not set (scripts/cluster-test.sh sets it to the cluster's folder)"
        if not CLUSTER_SH.exists():
            return f"{CLUSTER_SH} does not exist"
        return None

    def run(self, command: str, *args: str, timeout: float = 240) -> str:
        why = self.available()
        if why:
            raise ClusterCommandFailed(why)
        argv = ["bash", str(CLUSTER_SH), command, self.directory, *args]
        try:
            done = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, cwd=ROOT)
        except subprocess.TimeoutExpired as exc:
            raise ClusterCommandFailed(f"`cluster.sh {command} {' '.join(args)}` took over {timeout:.0f} s") from exc
        if done.returncode != 0:
            raise ClusterCommandFailed(
                f"`cluster.sh {command} {' '.join(args)}` exited {done.returncode}: {done.stderr.strip()[-1500:]}"
            )
        return done.stdout.strip()

    def kill_node(self, number: int) -> str:
        return self.run("kill-node", str(number), timeout=60)

    def start_node(self, number: int) -> str:
        return self.run("start-node", str(number), timeout=240)

    def kill_redis_primary(self) -> str:
        out = self.run("kill-redis-primary", timeout=60)
        ports = re.findall(r"\d+", out.splitlines()[-1] if out else "")
        if not ports:
            raise ClusterCommandFailed(f"`cluster.sh kill-redis-primary` printed no port: {out!r}")
        return ports[-1]

    def start_redis(self, port: str) -> str:
        return self.run("start-redis", port, timeout=120)

    def status(self) -> str:
        """`cluster.sh status DIR`: what it says on stderr (its exit status is 1 when something is down)."""
        if self.available():
            return f"(no status: {self.available()})"
        argv = ["bash", str(CLUSTER_SH), "status", self.directory]
        try:
            done = subprocess.run(argv, capture_output=True, text=True, timeout=60, cwd=ROOT)
        except subprocess.TimeoutExpired:
            return "(status took over 60 s)"
        return f"exit {done.returncode}\n{done.stderr.strip()}"


# --- personas processes ---------------------------------------------------------------------------------


def service_env(folder: Path, database_url: str, redis_url: str, extra: dict | None = None) -> dict:
    """The environment of a `personas` process of the suite: ours alone, nothing inherited from PERSONAS_*."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PERSONAS_")}
    env |= {
        "PERSONAS_DATABASE_URL": database_url,
        "PERSONAS_SECRET_KEY": SECRET,
        "PERSONAS_OUTBOUND_ALLOWLIST": "127.0.0.1",
        "PERSONAS_LOCAL_OUTBOX": str(folder / "outbox"),
        "PERSONAS_STORAGE_URL": str(folder / "files"),
        # The suite measures failover, not the per-key limit: one key sends every request.
        "PERSONAS_RATE_LIMIT": "1000000/minute",
        # Short delivery timings, so that a killed worker's leases expire within a phase.
        "PERSONAS_DELIVERY_LEASE": "10",
        "PERSONAS_RELAY_INTERVAL": "0.5",
        "PERSONAS_DELIVERY_RETRY_SCALE": "0.01",
        "PYTHONUNBUFFERED": "1",
        "PYTHONFAULTHANDLER": "1",  # a process stuck at the end gets SIGABRT first: its stacks go to its log
    }
    if redis_url:
        env["PERSONAS_REDIS_URL"] = redis_url
    return env | (extra or {})


def cli(folder: Path, env: dict, *args: str, timeout: float = 90) -> str:
    """Run `personas ARGS` and return its stdout; a failure raises with its stderr. One that runs over
    `timeout` gets SIGABRT first, so that Python's faulthandler prints where it was stuck."""
    proc = subprocess.Popen(
        PERSONAS + list(args),
        cwd=folder,
        env=env | {"PYTHONFAULTHANDLER": "1"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.send_signal(signal.SIGABRT)
        try:
            out, err = proc.communicate(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, err = proc.communicate()
        raise RuntimeError(
            f"`personas {' '.join(args)}` took over {timeout:.0f} s; where it was (faulthandler):\n{err[-4000:]}"
        ) from None
    if proc.returncode != 0:
        raise RuntimeError(f"`personas {' '.join(args)}` exited {proc.returncode}:\n{err.strip()[-3000:]}")
    return out


class Process:
    """One `personas ...` process in its own session (its uvicorn workers share its process group)."""

    def __init__(self, name: str, argv: list[str], env: dict, folder: Path):
        self.name, self.argv, self.env, self.folder = name, argv, env, folder
        self.log = folder / f"{name}.log"
        self.proc: subprocess.Popen | None = None
        self.starts = 0
        # Every start's process group: a killed `personas worker` leaves its forked RQ scheduler running.
        self.groups: list[int] = []

    def start(self) -> None:
        self.starts += 1
        with open(self.log, "a") as out:
            out.write(f"\n===== cluster suite: start #{self.starts} at {time.time():.3f} =====\n")
            out.flush()
            self.proc = subprocess.Popen(
                self.argv, cwd=self.folder, env=self.env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )
        self.groups.append(self.proc.pid)

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def signal(self, sig: int) -> None:
        if self.alive():
            self.proc.send_signal(sig)

    def wait(self, timeout: float) -> int | None:
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            return None

    def kill_group(self) -> None:
        """SIGKILL this process and whatever it started (its session's process group, by its own id), after
        a SIGABRT that makes each Python process print where it is stuck to the log (faulthandler)."""
        if self.proc is None:
            return
        if self.alive():  # its group is then surely still ours
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.proc.pid, signal.SIGABRT)
            self.wait(5)
        if self.alive():
            self.proc.kill()
        for pid in self.strays():
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)
        self.wait(10)

    def stop(self, timeout: float = 20) -> list[str]:
        """SIGTERM, then SIGKILL of the group after `timeout`; stray children of the group are killed too
        (their pids and command lines are returned)."""
        if self.proc is None:
            return []
        if self.alive():
            self.proc.send_signal(signal.SIGTERM)
            if self.wait(timeout) is None:
                self.kill_group()
        # uvicorn's workers or RQ's scheduler, if any outlived their parent: by pid, and only processes of our
        # groups that work in our folder (a pid number can have been reused meanwhile).
        strays = self.strays()
        described = [f"{pid} {_cmdline(pid)}" for pid in strays]
        for pid in strays:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)
        return described

    def strays(self) -> list[int]:
        """Running processes of this one's process groups whose working directory is the run's folder."""
        found = []
        folder = str(self.folder.resolve())
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
                group = int(stat.rsplit(")", 1)[1].split()[2])
                if group in self.groups and os.readlink(entry / "cwd") == folder:
                    found.append(int(entry.name))
            except (OSError, ValueError, IndexError):
                continue
        return found


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")[:200]
    except OSError:
        return "?"


class Serve(Process):
    def __init__(self, name: str, port: int, env: dict, folder: Path, workers: int = 2):
        argv = PERSONAS + ["serve", "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers)]
        super().__init__(name, argv, env, folder)
        self.port = port
        self.base = f"http://127.0.0.1:{port}/api/v1"
        self.database_url = env["PERSONAS_DATABASE_URL"]

    def health(self, path: str = "/health", key: str | None = None, timeout: float = 5) -> int | None:
        """The status of GET path, or None when nothing answers."""
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        request = urllib.request.Request(self.base + path, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return response.status
        except urllib.error.HTTPError as err:
            return err.code
        except (OSError, ValueError):
            return None

    def wait_serving(self, timeout: float = 90) -> float:
        """Seconds until GET /health answers 200; raises with the log's tail when it does not in time."""
        started = time.monotonic()
        while True:
            if self.health() == 200:
                return time.monotonic() - started
            if not self.alive():
                raise RuntimeError(
                    f"personas serve {self.name} ({hidden(self.database_url)}) exited with {self.proc.returncode} "
                    f"before serving; {self.log}:\n{tail(self.log)}"
                )
            if time.monotonic() - started > timeout:
                raise RuntimeError(
                    f"personas serve {self.name} did not answer 200 on /health within {timeout:.0f} s "
                    f"(last: {self.health()}); {self.log}:\n{tail(self.log)}"
                )
            time.sleep(0.25)


class Worker(Process):
    def __init__(self, name: str, env: dict, folder: Path):
        super().__init__(name, PERSONAS + ["worker", "--name", f"{name}-{os.getpid()}-{time.time_ns()}"], env, folder)

    def start(self) -> None:
        # A restarted worker registers under a new RQ name (the killed one's may still be registered).
        self.argv = PERSONAS + ["worker", "--name", f"{self.name}-{os.getpid()}-{time.time_ns()}"]
        super().start()

    def wait_started(self, timeout: float = 60) -> None:
        """Until the worker has logged its start line and is still running a second later."""
        started = time.monotonic()
        marker = f"start #{self.starts} at"
        while time.monotonic() - started < timeout:
            text = self.log.read_text(errors="replace")
            if "personas worker: queue on" in text.rsplit(marker, 1)[-1]:
                time.sleep(1.0)
                if self.alive():
                    return
            if not self.alive():
                break
            time.sleep(0.25)
        raise RuntimeError(
            f"personas worker {self.name} did not start (exit {self.proc.poll()}); {self.log}:\n{tail(self.log)}"
        )


def log_lines(path: Path, request_id: str, context: int = 0) -> list[str]:
    """Lines of a process log that name a request id, with the traceback that precedes each, if any."""
    try:
        lines = path.read_text(errors="replace").splitlines()
    except OSError:
        return []
    found = []
    for index, line in enumerate(lines):
        if f"rid={request_id}" in line:
            start = index
            # The nearest traceback above, if it ends right before this line (an error logged by the request).
            back = index - 1
            while back >= 0 and back >= index - 60 and not lines[back].startswith("Traceback"):
                back -= 1
            if back >= 0 and lines[back].startswith("Traceback") and index - back <= 60:
                start = back
            found.extend(lines[max(0, start - context) : index + 1])
    return found


# --- webhook receiver ------------------------------------------------------------------------------------


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256

    def handle_error(self, request, client_address):
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class WebhookReceiver:
    """Records every POST (path, webhook-id, headers, body, wall time) and answers 200 at once."""

    def __init__(self):
        self.requests: list[dict] = []
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True

            def do_POST(self):  # noqa: N802 - http.server's hook name
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                entry = {
                    "path": self.path,
                    "webhook_id": self.headers.get("webhook-id"),
                    "headers": {k.lower(): v for k, v in self.headers.items()},
                    "body": body,
                    "time": time.time(),
                }
                with receiver.lock:
                    receiver.requests.append(entry)
                try:
                    self.send_response(200)
                    self.send_header("Content-Length", "2")
                    self.end_headers()
                    self.wfile.write(b"ok")
                except OSError:
                    pass

            def log_message(self, *args):
                pass

        self.server = _Server(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, name="webhook-receiver", daemon=True)

    def start(self) -> "WebhookReceiver":
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def snapshot(self) -> list[dict]:
        with self.lock:
            return list(self.requests)

    def received_pairs(self) -> dict[tuple[str, str], float]:
        """(path, webhook-id) -> the first time it was received."""
        first: dict[tuple[str, str], float] = {}
        for r in self.snapshot():
            key = (r["path"], r["webhook_id"])
            if key not in first:
                first[key] = r["time"]
        return first


def decode(entry: dict) -> dict:
    try:
        return json.loads(entry["body"])
    except ValueError:
        return {}


# --- direct database reads -------------------------------------------------------------------------------


class Database:
    """Plain PyMySQL reads from one Galera node at a time (causal reads: wsrep_sync_wait=1).

    `down` holds the numbers of the nodes the scenario has killed; the others are tried, node 3 first
    (the suite never kills it)."""

    def __init__(self, node_urls: tuple[str, ...]):
        from sqlalchemy.engine import make_url

        self.nodes = [make_url(u) for u in node_urls]
        self.down: set[int] = set()

    def _connect(self):
        import pymysql

        errors = []
        order = list(range(len(self.nodes), 0, -1))
        for number in [n for n in order if n not in self.down] + [n for n in order if n in self.down]:
            url = self.nodes[number - 1]
            try:
                conn = pymysql.connect(
                    host=url.host,
                    port=url.port or 3306,
                    user=url.username,
                    password=url.password,
                    database=url.database,
                    connect_timeout=3,
                    read_timeout=60,
                    write_timeout=30,
                    charset="utf8mb4",
                    autocommit=True,
                )
            except pymysql.MySQLError as exc:
                errors.append(f"node {number}: {exc}")
                continue
            try:
                with conn.cursor() as cur:
                    cur.execute("SET SESSION wsrep_sync_wait = 1")
            except pymysql.MySQLError:
                pass  # not a Galera node (a single dev server)
            return conn
        raise RuntimeError("no database node answers: " + "; ".join(errors))

    def query(self, sql: str, params=None) -> list[tuple]:
        import pymysql

        last = None
        for _ in range(3):
            conn = None
            try:
                conn = self._connect()
                with conn.cursor() as cur:
                    cur.execute(sql, params)
                    return list(cur.fetchall())
            except pymysql.MySQLError as exc:
                last = exc
                time.sleep(0.5)
            finally:
                if conn is not None:
                    conn.close()
        raise RuntimeError(f"query failed on every node: {last}")

    def query_in(self, sql: str, values: list, chunk: int = 500) -> list[tuple]:
        """`sql` with one `IN %s` placeholder, run over `values` in chunks."""
        rows = []
        values = list(values)
        for i in range(0, len(values), chunk):
            part = values[i : i + chunk]
            if part:
                rows += self.query(sql, (tuple(part),))
        return rows
