"""A real `personas serve --workers 2` on a free loopback port, for tests that need several server processes.

The service gets its own database (SQLite in the test's folder, or a fresh MariaDB database named after
the test worker when PERSONAS_TEST_MARIADB_URL is set), its own outbox and a key made by the CLI.
"""

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.support import fresh_mariadb_database

PERSONAS = [sys.executable, "-m", "personas.cli"]


@dataclass(frozen=True)
class Served:
    base: str  # http://127.0.0.1:PORT/api/v1
    key: str
    database_url: str
    outbox: Path

    def call(self, method: str, path: str, body: dict | None = None) -> tuple[int, dict]:
        headers = {"Content-Type": "application/json", "Authorization": f"Bearer {self.key}"}
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.base + path, data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as err:
            return err.code, json.loads(err.read())


def database_urls(tmp_path: Path) -> list[str]:
    """SQLite in `tmp_path`, and a fresh MariaDB database too when the test command provides one."""
    urls = [f"sqlite:///{tmp_path / 'served.sqlite3'}"]
    mariadb = os.environ.get("PERSONAS_TEST_MARIADB_URL")
    if mariadb:
        urls.append(fresh_mariadb_database(mariadb, f"{os.environ.get('PYTEST_XDIST_WORKER', 'main')}_served"))
    return urls


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def served(folder: Path, database_url: str, workers: int = 2, extra_env: dict | None = None):
    folder.mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PERSONAS_")}
    env |= extra_env or {}
    env |= {
        "PERSONAS_DATABASE_URL": database_url,
        "PERSONAS_SECRET_KEY": "served-secret",
        "PERSONAS_LOCAL_OUTBOX": str(folder / "outbox"),
        "PERSONAS_STORAGE_URL": str(folder / "files"),
    }
    subprocess.run(PERSONAS + ["db", "upgrade"], cwd=folder, env=env, check=True, capture_output=True, timeout=120)
    created = subprocess.run(
        PERSONAS + ["api-keys", "create", "--name", "served"],
        cwd=folder,
        env=env,
        check=True,
        capture_output=True,
        text=True,
        timeout=120,
    )
    port = _free_port()
    server = subprocess.Popen(
        PERSONAS + ["serve", "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers)],
        cwd=folder,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        ready = Served(f"http://127.0.0.1:{port}/api/v1", created.stdout.strip().splitlines()[-1], database_url, folder)
        deadline = time.monotonic() + 60
        while True:
            try:
                if ready.call("GET", "/health")[0] == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline or server.poll() is not None:
                raise RuntimeError("the server did not start")
            time.sleep(0.2)
        yield ready
    finally:
        server.terminate()
        server.wait(timeout=30)
