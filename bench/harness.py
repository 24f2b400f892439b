"""What every benchmark shares: the databases and servers it starts and stops, the load generator,
medians of rounds, and the table + JSON it reports.

A benchmark is a module of bench/ with `run(ctx) -> list[dict]`; `bench/run.py` calls them. Each row
is one figure set, e.g. {"bench": "request_path", "db": "sqlite", "case": "GET /people/{id}",
"rps": ..., "baseline_rps": ..., "ratio": ...}. Speeds always come with the baseline measured in
the same run (these machines are shared and noisy), as a ratio, and as the median of `ctx.rounds`.
"""

import contextlib
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
PYTHON = sys.executable


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def median(values) -> float:
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else float("nan")


def ratio(value, baseline) -> float:
    return round(value / baseline, 3) if baseline else float("nan")


@dataclass
class Database:
    label: str  # "sqlite" or "mariadb"
    url: str


@dataclass
class Context:
    """What a benchmark is given: a scratch folder, the databases to measure on, and the knobs."""

    work: Path
    databases: list[Database]
    rounds: int = 3
    seconds: int = 10  # length of one load-generator run
    connections: int = 8
    workers: int = 2
    people: int = 1_000_000
    import_rows: int = 100_000
    redis_url: str | None = None
    options: dict = field(default_factory=dict)

    def scratch(self, name: str) -> Path:
        path = self.work / name
        path.mkdir(parents=True, exist_ok=True)
        return path


# --- services ---------------------------------------------------------------------------------


def _service(script: str, *args: str) -> str:
    """Run scripts/<script> (they install what is missing, bind 127.0.0.1 only); its last output line."""
    argv = ["bash", str(ROOT / "scripts" / script), *args]
    return subprocess.run(argv, check=True, capture_output=True, text=True).stdout.strip().splitlines()[-1:]


def start_mariadb(folder: Path) -> str:
    """A throw-away MariaDB on loopback (scripts/mariadb.sh); its URL."""
    return _service("mariadb.sh", "start", str(folder), str(free_port()))[0]


def stop_mariadb(folder: Path) -> None:
    with contextlib.suppress(subprocess.CalledProcessError):
        _service("mariadb.sh", "stop", str(folder))


def start_redis(folder: Path) -> str:
    """A throw-away Redis on loopback (scripts/redis.sh); its URL."""
    return _service("redis.sh", "start", str(folder), str(free_port()))[0]


def stop_redis(folder: Path) -> None:
    with contextlib.suppress(subprocess.CalledProcessError):
        _service("redis.sh", "stop", str(folder))


def fresh_mariadb_database(url: str, name: str) -> str:
    """A new, empty database on the bench server. scripts/mariadb.sh's user may only create databases
    whose names start with `personas`."""
    import pymysql
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    conn = pymysql.connect(
        host=parsed.host, port=parsed.port, user=parsed.username, password=parsed.password, autocommit=True
    )
    with conn.cursor() as cur:
        cur.execute(f"DROP DATABASE IF EXISTS `{name}`")
        cur.execute(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")
    conn.close()
    return parsed.set(database=name).render_as_string(hide_password=False)


def ensure_wrk() -> str:
    """wrk from Debian (installed with apt-get when missing: the bench command runs as root)."""
    found = shutil.which("wrk")
    if found:
        return found
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    if subprocess.run(["apt-get", "install", "-y", "-q", "wrk"], env=env, capture_output=True).returncode:
        subprocess.run(["apt-get", "update", "-q"], env=env, capture_output=True)
        subprocess.run(["apt-get", "install", "-y", "-q", "wrk"], env=env, check=True, capture_output=True)
    return shutil.which("wrk") or "wrk"


def _tree(pid: int) -> list:
    import psutil

    try:
        root = psutil.Process(pid)
        return [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return []


def _sum_over_tree(pid: int, measure) -> float:
    import psutil

    total = 0.0
    for proc in _tree(pid):
        with contextlib.suppress(psutil.NoSuchProcess):
            total += measure(proc)
    return total


def tree_cpu_seconds(pid: int) -> float:
    """User + system CPU so far of a process and all its descendants."""
    return _sum_over_tree(pid, lambda p: sum(p.cpu_times()[:2]))


def tree_rss_mb(pid: int) -> float:
    """Resident memory now of a process and all its descendants, in MB."""
    return _sum_over_tree(pid, lambda p: p.memory_info().rss) / 2**20


class Server:
    """A server process (its own process group) on 127.0.0.1:port, stopped with everything it forked."""

    def __init__(self, argv: list[str], port: int, env: dict | None = None, health: str = "/", cwd=None):
        self.port, self.health = port, health
        self.log = tempfile.NamedTemporaryFile(prefix="bench-server-", suffix=".log", delete=False)  # noqa: SIM115
        self.proc = subprocess.Popen(
            argv,
            env=dict(os.environ, **(env or {})),
            cwd=cwd or ROOT,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def wait(self, timeout: float = 60) -> "Server":
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited: {Path(self.log.name).read_text()[-3000:]}")
            with contextlib.suppress(OSError), urllib.request.urlopen(self.url + self.health, timeout=2) as answer:
                if answer.status < 500:
                    return self
            time.sleep(0.2)
        raise RuntimeError(f"server not up after {timeout} s: {Path(self.log.name).read_text()[-3000:]}")

    def cpu_seconds(self) -> float:
        """User + system CPU of the server and all its children (workers) so far."""
        return tree_cpu_seconds(self.proc.pid)

    def rss_mb(self) -> float:
        """Resident memory of the server and its workers now, in MB."""
        return tree_rss_mb(self.proc.pid)

    def stop(self, keep_log: bool = False) -> None:
        """Stop the server and its workers; the log is removed unless asked for (or the server died)."""
        died = self.proc.poll() not in (None, 0)
        if self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(5)
        self.log.close()
        if not (keep_log or died):
            Path(self.log.name).unlink(missing_ok=True)
        else:
            print(f"(server log kept: {self.log.name})", file=sys.stderr)

    def __enter__(self) -> "Server":
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


# --- load generator -----------------------------------------------------------------------------

_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def _ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text.strip()).groups()
    return float(number) * _UNITS[unit]


def wrk(url: str, seconds: int, connections: int, script: Path | None = None, threads: int = 2, env=None) -> dict:
    """One wrk run (from another process, on loopback, bounded in time): rps, p50/p99 ms, requests,
    and non-2xx/3xx answers and socket errors (a benchmark with errors is not a result)."""
    argv = [ensure_wrk(), f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency", "--timeout", "10s"]
    if script:
        argv += ["-s", str(script)]
    out = subprocess.run(
        [*argv, url], capture_output=True, text=True, timeout=seconds + 60, env=dict(os.environ, **(env or {}))
    )
    text = out.stdout
    found = {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1)),
        "requests": int(re.search(r"(\d+) requests in", text).group(1)),
        "p50_ms": _ms(re.search(r"\n\s+50%\s+(\S+)", text).group(1)),
        "p99_ms": _ms(re.search(r"\n\s+99%\s+(\S+)", text).group(1)),
    }
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
    found["non_2xx"] = int(bad.group(1)) if bad else 0
    found["socket_errors"] = sum(int(g) for g in errors.groups()) if errors else 0
    return found


# --- reporting ----------------------------------------------------------------------------------


def _cell(value) -> str:
    if isinstance(value, float):
        return f"{value:,.3f}" if abs(value) < 10 else f"{value:,.1f}"
    return str(value)


def table(rows: list[dict]) -> str:
    """Rows as a Markdown table (the columns of all rows, in first-seen order)."""
    if not rows:
        return "(no figures)"
    columns = list(dict.fromkeys(k for row in rows for k in row))
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(_cell(row.get(c, "")) for c in columns) + " |" for row in rows]
    return "\n".join(lines)


def report(name: str, rows: list[dict], meta: dict | None = None) -> Path:
    """Print the table and write the same figures as JSON under bench/results/."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    path = RESULTS / f"{name}-{stamp}.json"
    body = {"bench": name, "at": stamp, "cores": os.cpu_count(), "meta": meta or {}, "rows": rows}
    path.write_text(json.dumps(body, indent=2, default=str))
    print(f"\n## {name}\n\n{table(rows)}\n\n(figures in {path.relative_to(ROOT)})", flush=True)
    return path
