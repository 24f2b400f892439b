"""The `personas` command as a user runs it: keys, migrations, and a real server over HTTP."""

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.support import SEED_PERSON

PERSONAS = [sys.executable, "-m", "personas.cli"]


def run(args, cwd, env=None, check=True):
    result = subprocess.run(PERSONAS + args, cwd=cwd, env=env, capture_output=True, text=True, timeout=120)
    if check:
        assert result.returncode == 0, result.stderr
    return result


@pytest.fixture
def env(tmp_path):
    return {**os.environ, "PERSONAS_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.sqlite3'}"}


def test_api_keys_are_created_listed_and_revoked_without_showing_the_key_again(tmp_path, env):
    created = run(["api-keys", "create", "--name", "partner-a"], tmp_path, env)
    key = created.stdout.strip().splitlines()[-1]
    assert key.startswith("pk_") and len(key) > 40
    listed = run(["api-keys", "list"], tmp_path, env).stdout
    assert "partner-a" in listed and "active" in listed and key not in listed
    key_id = listed.split()[0]
    run(["api-keys", "revoke", key_id], tmp_path, env)
    assert "revoked" in run(["api-keys", "list"], tmp_path, env).stdout


def test_api_keys_carry_scopes_and_an_expiry_that_the_list_shows(tmp_path, env):
    created = run(
        ["api-keys", "create", "--name", "reader", "--scopes", "read, sensitive", "--expires-in-days", "30"],
        tmp_path,
        env,
    )
    assert "scopes read,sensitive" in created.stdout and "expires" in created.stdout
    run(["api-keys", "create", "--name", "everything"], tmp_path, env)
    listed = run(["api-keys", "list"], tmp_path, env).stdout.splitlines()
    reader = next(line for line in listed if "reader" in line)
    everything = next(line for line in listed if "everything" in line)
    assert "[read,sensitive]" in reader and "active until" in reader
    assert "[read,write,admin,sensitive]" in everything and everything.endswith("active")


def test_an_unknown_scope_is_refused_and_no_key_is_made(tmp_path, env):
    refused = run(["api-keys", "create", "--name", "x", "--scopes", "read,root"], tmp_path, env, check=False)
    assert refused.returncode == 2 and "unknown scopes: root" in refused.stderr
    assert "x" not in run(["api-keys", "list"], tmp_path, env).stdout.split()


def test_db_upgrade_creates_the_schema_in_an_empty_database(tmp_path, env):
    run(["db", "upgrade"], tmp_path, env)
    assert (tmp_path / "cli.sqlite3").stat().st_size > 0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _request(url, method="GET", body=None, key=None):
    headers = {"Content-Type": "application/json"}
    if key:
        headers["Authorization"] = f"Bearer {key}"
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read())


def test_serve_with_no_configuration_uses_sqlite_in_the_current_folder(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("PERSONAS_")}
    key = run(["api-keys", "create", "--name", "serve"], tmp_path, env).stdout.strip().splitlines()[-1]
    port = _free_port()
    server = subprocess.Popen(
        PERSONAS + ["serve", "--port", str(port), "--workers", "2"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}/api/v1"
    try:
        for _ in range(100):
            try:
                status, health = _request(f"{base}/health")
                break
            except OSError:
                time.sleep(0.2)
        else:
            pytest.fail("the server did not answer")
        assert status == 200 and health["result"] == {"status": "ok"}
        status, ready = _request(f"{base}/health/ready")
        assert status == 200 and ready["result"]["database"] == "ok"
        assert (Path(tmp_path) / "personas.sqlite3").exists()
        assert _request(f"{base}/people")[0] == 403
        status, created = _request(f"{base}/people", "POST", SEED_PERSON, key)
        assert status == 201 and created["result"]["national_id"] == SEED_PERSON["national_id"]
        status, fetched = _request(f"{base}/people/{created['result']['id']}", key=key)
        assert status == 200 and fetched["result"]["state"]["code"] == "DF"
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_rotate_keys_re_encrypts_with_the_first_key(tmp_path, env):
    from cryptography.fernet import Fernet

    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    env = env | {"PERSONAS_ENCRYPTION_KEYS": old}
    run(["db", "upgrade"], tmp_path, env)
    result = run(["db", "rotate-keys"], tmp_path, env | {"PERSONAS_ENCRYPTION_KEYS": f"{new},{old}"})
    assert "re-encrypted 0 values" in result.stdout
