"""Fixtures: the API on SQLite and on MariaDB, a client holding a fresh API key, and a fake CURP registry.

MariaDB comes from PERSONAS_TEST_MARIADB_URL (the test command starts a throw-away server and
sets it). Without it the MariaDB tests are skipped, except under CI=true where that is a failure.
"""

import json
import os
import re
import socket
import sys
from pathlib import Path

import pytest

from personas.app import create_app
from personas.config import Settings
from personas.domain import api_keys
from personas.domain.providers.resolver import SystemResolver
from personas.persistence.models import ApiKey
from personas.persistence.uow import UnitOfWork
from tests import offline_dns
from tests.fake_registry import FakeRegistry
from tests.support import mariadb_url

# The distributed suite (tests/cluster) runs on a Galera cluster and Sentinel that scripts/cluster-test.sh
# starts, one scenario for the whole run: it is collected only when that script gives it its cluster.
collect_ignore = [] if os.environ.get("PERSONAS_CLUSTER_DATABASE_URL") else ["cluster"]


@pytest.fixture(scope="session", autouse=True)
def _one_import_root():
    """The checkout is on sys.path here, so `handlers` (the folder) would import as a second copy of
    `personas.handlers`: a dotted name in the spec or a job that forgot the root would pass the suite
    and fail in the installed wheel. Fail the session instead."""
    yield
    strays = sorted(name for name in sys.modules if name.split(".")[0] in {"domain", "handlers", "persistence", "jobs"})
    assert not strays, f"imported outside the personas root: {strays}"


@pytest.fixture(scope="session", autouse=True)
def _no_name_server():
    """Saved URLs are resolved to be checked: outside a loopback-only namespace, from a table (tests/offline_dns.py)."""
    if offline_dns.loopback_only():
        yield
        return
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(SystemResolver, "__call__", offline_dns.offline_call)
        # Jobs and clients resolve names themselves: they get loopback names and literals only, so no
        # query ever reaches a name server and no test can connect to the table's public address.
        patch.setattr(socket, "getaddrinfo", offline_dns.loopback_getaddrinfo)
        yield


@pytest.fixture
def fake_registry():
    """A fake CURP registry on 127.0.0.1 (tests/fake_registry.py): `add` records, `respond` modes, `adapter()`."""
    with FakeRegistry() as fake:
        yield fake


@pytest.fixture(scope="session", params=["sqlite", pytest.param("mariadb", marks=pytest.mark.mariadb)])
def database_url(request, tmp_path_factory):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path_factory.mktemp('db') / 'personas.sqlite3'}"
    return mariadb_url()


@pytest.fixture(scope="session")
def app(database_url, tmp_path_factory):
    outbox = str(tmp_path_factory.mktemp("outbox"))
    files = str(tmp_path_factory.mktemp("files"))
    settings = Settings(
        database_url=database_url,
        secret_key="test-secret",
        local_outbox=outbox,
        storage_url=files,
        allowed_hosts=(*Settings.allowed_hosts, "testserver"),  # the test client's Host
    )
    app = create_app(settings)
    yield app
    app.container.close()


@pytest.fixture(scope="session")
def container(app):
    """The session app's composition root: its settings, session factory, storage, providers and jobs."""
    return app.container


@pytest.fixture(scope="session")
def session_factory(container):
    return container.session_factory


@pytest.fixture
def last_code(container):
    """`last_code(channel, to)`: the code in the newest message the session app's local sender wrote to `to`."""

    def read(channel: str, to: str) -> str:
        outbox = Path(container.settings.local_outbox) / f"{channel}.jsonl"
        lines = [json.loads(line) for line in outbox.read_text(encoding="utf-8").splitlines()]
        mine = [entry for entry in lines if entry["to"] == to]
        assert mine, f"nothing was sent to {to}"
        assert mine[-1]["provider"] == "local"
        return re.search(r"\b(\d{6})\b", mine[-1]["body"]).group(1)

    return read


def make_key(session_factory, name="tests") -> tuple[str, str]:
    key = api_keys.generate()
    with UnitOfWork(session_factory) as uow:
        record = uow.api_keys.add(ApiKey(name=name, prefix=api_keys.display_prefix(key), key_hash=api_keys.digest(key)))
        uow.commit()
        return key, record.id


class Client:
    """A test client that sends the bearer key and returns (status, json)."""

    def __init__(self, http, key):
        self.http = http
        self.headers = {"Authorization": f"Bearer {key}"}

    def call(self, method, path, **kwargs):
        headers = {**self.headers, **kwargs.pop("headers", {})}
        response = self.http.request(method, f"/api/v1{path}", headers=headers, **kwargs)
        return response

    def get(self, path, **kw):
        return self.call("GET", path, **kw)

    def post(self, path, **kw):
        return self.call("POST", path, **kw)

    def put(self, path, **kw):
        return self.call("PUT", path, **kw)

    def delete(self, path, **kw):
        return self.call("DELETE", path, **kw)


@pytest.fixture(scope="session")
def http(app):
    with app.test_client() as client:
        yield client


@pytest.fixture(scope="session")
def api(http, session_factory):
    key, _ = make_key(session_factory)
    return Client(http, key)
