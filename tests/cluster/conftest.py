"""The distributed suite: run by scripts/cluster-test.sh, which starts the Galera cluster and the Sentinel
Redis with scripts/cluster.sh and exports what it printed (PERSONAS_CLUSTER_*).

Without PERSONAS_CLUSTER_DATABASE_URL this folder is not collected (tests/conftest.py), so the main suite
leaves it out; run on its own without it, every test here is skipped, except under CI=true where that is a
failure. The whole scenario runs once, in the session fixture `scenario` (processes, load, faults, checks);
the tests assert on what it recorded. The run's folder (PERSONAS_CLUSTER_RUN_DIR, else a new
/tmp/personas-cluster-run-*, kept after the run) holds the processes' logs, every request (attempts.jsonl)
and the report as JSON (there, or at PERSONAS_CLUSTER_REPORT), which is also printed at the end of the run.

Knobs (all optional): PERSONAS_CLUSTER_CLIENTS (32), PERSONAS_CLUSTER_SCALE (1.0: multiplies the phase
durations), PERSONAS_CLUSTER_FAULTS (galera,redis,worker,serve: a fault left out is skipped, with its tests),
PERSONAS_CLUSTER_EVENT_WAIT and PERSONAS_CLUSTER_DRAIN (60 s bounds on waiting for deliveries),
PERSONAS_CLUSTER_SINGLE_NODE=1 (diagnosis only: each process on one node, no failover; the multi-host test
fails then).
"""

import os
import tempfile
from pathlib import Path

import pytest

from tests.cluster import report as reporting

_reports: list[dict] = []


def _require_cluster() -> None:
    if os.environ.get("PERSONAS_CLUSTER_DATABASE_URL"):
        return
    message = "PERSONAS_CLUSTER_DATABASE_URL is not set: run `bash scripts/cluster-test.sh` (it starts the cluster)"
    if os.environ.get("CI") == "true":
        pytest.fail(message + "; under CI=true the distributed suite cannot be skipped", pytrace=False)
    pytest.skip(message)


@pytest.fixture(autouse=True)
def _cluster_required():
    _require_cluster()


@pytest.fixture(scope="session")
def scenario():
    _require_cluster()
    from tests.cluster.harness import ClusterEnv
    from tests.cluster.scenario import Config, Scenario

    # Not pytest's tmp_path: other pytest runs on the machine rotate those away, logs included.
    folder = Path(os.environ.get("PERSONAS_CLUSTER_RUN_DIR") or tempfile.mkdtemp(prefix="personas-cluster-run-"))
    folder.mkdir(parents=True, exist_ok=True)
    run = Scenario(ClusterEnv.from_env(), folder, Config.from_env())
    setup_error = None
    try:
        run.run()
    except Exception as exc:  # noqa: BLE001 - reported, then raised for every test that needs the run
        setup_error = exc
    finally:
        run.close()
        report = reporting.build(run)
        if setup_error is not None:
            report["setup_error"] = f"{type(setup_error).__name__}: {setup_error}"
        path = Path(os.environ.get("PERSONAS_CLUSTER_REPORT") or folder / "cluster-report.json")
        report["path"] = str(path)
        reporting.write(report, path)
        _reports.append(report)
        run.report = report
    if setup_error is not None:
        raise RuntimeError(f"the distributed run could not start: {setup_error}") from setup_error
    return run


def pytest_terminal_summary(terminalreporter):
    for report in _reports:
        terminalreporter.section("distributed run")
        for line in reporting.lines(report):
            terminalreporter.write_line(line)
