"""`personas conformance` against a server on loopback: it makes its records, runs the checks, and writes
a JUnit XML report and a JSON summary.

The server is the app under uvicorn in a thread of this process (so the session's loopback-only name
lookups apply to it); the command runs as its own process, as an operator would run it.
"""

import json
import socket
import subprocess
import sys
import threading
import time
from xml.etree import ElementTree

import pytest
import uvicorn

from personas.app import create_app
from personas.config import Settings
from personas.domain import api_keys
from personas.persistence.models import ApiKey
from personas.persistence.uow import UnitOfWork
from personas.spec import document
from tests.offline_dns import OfflineResolver

METHODS = ("get", "put", "post", "delete")
OPERATIONS = sum(1 for item in document()["paths"].values() for method in item if method in METHODS)


@pytest.fixture
def served(tmp_path):
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'served.sqlite3'}",
        secret_key="conformance-secret",
        local_outbox=str(tmp_path / "outbox"),
        storage_url=str(tmp_path / "files"),
    )
    app = create_app(settings)
    app.container.providers["resolver"] = OfflineResolver()  # URLs are checked when saved: no name server
    key = api_keys.generate()
    with UnitOfWork(app.container.session_factory) as uow:
        uow.api_keys.add(ApiKey(name="conformance", prefix=api_keys.display_prefix(key), key_hash=api_keys.digest(key)))
        uow.commit()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started
    yield f"http://127.0.0.1:{port}/api/v1", key
    server.should_exit = True
    thread.join(30)
    app.container.close()


def test_the_conformance_command_checks_a_local_deployment_and_writes_its_reports(served, tmp_path):
    base_url, key = served
    report = tmp_path / "conformance.xml"
    command = [sys.executable, "-m", "personas.cli", "conformance", "--base-url", base_url, "--key", key]
    command += ["--max-examples", "2", "--max-seconds", "600", "--report", str(report)]
    done = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-4000:]

    summary = json.loads(report.with_suffix(".json").read_text(encoding="utf-8"))
    assert summary["operations"] == OPERATIONS
    assert summary["failures"] == summary["errors"] == 0
    assert summary["operations_with_2xx"] >= OPERATIONS - 12
    assert summary["cases"] >= 10 * OPERATIONS
    assert summary["stopped"] == "completed"
    assert summary["cases"] == sum(sum(found.values()) for found in summary["statuses"].values())

    suites = ElementTree.parse(report).getroot()
    tested = {case.get("name") for case in suites.iter("testcase")}
    assert len(tested & set(summary["statuses"])) == OPERATIONS
    assert not list(suites.iter("failure"))
    last = done.stdout.strip().splitlines()[-1]
    assert f"{summary['cases']} cases" in last and "0 failures" in last
