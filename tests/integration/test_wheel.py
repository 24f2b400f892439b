"""The distribution as a partner installs it: `python -m build` makes a wheel; installed (not editable) in a
fresh venv it has one import root, carries the spec and the migrations, and `personas serve` answers.

The fresh venv resolves the wheel's dependencies from the index (pip's cache makes that quick after the
first run); only the service itself comes from the wheel."""

import os
import shutil
import subprocess
import sys
import time
import urllib.request
import zipfile
from pathlib import Path

import pytest

from tests.integration.receivers import free_port

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    # A copy of the tracked tree, so the build sees what a clean clone has and leaves no build/ here.
    source = tmp_path_factory.mktemp("source")
    tracked = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
    for name in filter(None, tracked.decode().split("\0")):
        if (ROOT / name).is_file():
            target = source / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, target)
    out = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--outdir", str(out), str(source)],
        check=True,
        capture_output=True,
        timeout=600,
    )
    (built,) = out.glob("personas-*.whl")
    return built


def test_the_wheel_has_one_import_root_and_carries_spec_and_migrations(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    roots = {name.split("/", 1)[0] for name in names if not name.split("/", 1)[0].endswith(".dist-info")}
    assert roots == {"personas"}
    assert "personas/spec/openapi.yaml" in names
    assert "personas/spec/paths/people.yaml" in names
    assert "personas/spec/components/common.yaml" in names
    assert "personas/persistence/migrations/env.py" in names
    assert "personas/persistence/migrations/script.py.mako" in names
    assert "personas/persistence/migrations/versions/0001_initial.py" in names
    for package in ("domain", "handlers", "persistence", "jobs"):
        assert f"personas/{package}/__init__.py" in names


def test_the_installed_wheel_serves_health_and_the_spec(wheel, tmp_path):
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    subprocess.run([*pip, str(wheel)], check=True, capture_output=True, timeout=900)

    workdir = tmp_path / "run"  # no checkout here: whatever the service reads comes from the wheel
    workdir.mkdir()
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PERSONAS_", "PYTHON"))}
    env["PERSONAS_DATABASE_URL"] = f"sqlite:///{workdir / 'personas.sqlite3'}"
    server = subprocess.Popen(
        [str(venv / "bin" / "personas"), "serve", "--host", "127.0.0.1", "--port", str(port)],
        cwd=workdir,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        health = _get_when_up(f"http://127.0.0.1:{port}/api/v1/health", server)
        assert health.status == 200
        spec = urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/openapi.json", timeout=10)
        assert spec.status == 200 and b'"openapi"' in spec.read()
        # The Redoc page's bundle comes from a dependency the wheel declares.
        bundle = urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/redoc/redoc.standalone.js", timeout=10)
        assert bundle.status == 200 and len(bundle.read()) > 100_000
        located = subprocess.run(
            [str(venv / "bin" / "python"), "-c", "import personas.domain; print(personas.domain.__file__)"],
            cwd=workdir,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        assert str(venv) in located
    finally:
        server.terminate()
        server.wait(timeout=30)


def _get_when_up(url: str, server: subprocess.Popen, timeout: float = 60.0):
    deadline = time.monotonic() + timeout
    while True:
        if server.poll() is not None:
            pytest.fail(f"personas serve exited: {server.stderr.read().decode(errors='replace')[-2000:]}")
        try:
            return urllib.request.urlopen(url, timeout=5)
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)
