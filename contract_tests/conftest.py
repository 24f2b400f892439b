"""Fixtures for the contract tests: the app on a throw-away database, its API key, and case counts.

How the pieces fit (see test_contract.py):
- The Schemathesis schemas are built at collection time (eager `schema.parametrize()`, one pytest
  item per operation, which xdist spreads over its workers). They are loaded with
  `schemathesis.openapi.from_asgi` from a spec-only app: `create_app(..., migrate=False)` on an
  in-memory SQLite URL that is never queried. (`schemathesis.pytest.from_fixture` would avoid it,
  but Schemathesis 4.32 lazy schemas fail under pytest 9.2: they set `Function._nodeid`, gone in 9.2.)
- Every case is sent to `contract_app`, the app made here on a SQLite file in pytest's tmp dir
  (per xdist worker) or, with PERSONAS_TEST_MARIADB_URL, on a MariaDB database per worker.
- The API key is generated at import (each process its own) so the schemas' config can carry it for
  the spec's `bearerAuth` scheme; `contract_app` stores its digest in the database.
- `worlds.current()` makes, once per database, the records the operations work on (`personas.conformance.World`):
  the positive cases carry their ids most of the time, so operations reach their success answers.
- Nothing leaves loopback: names resolve from a table where URLs are saved, and every other lookup
  (deliveries, validations, file downloads the app attempts) answers loopback addresses only.

Knobs (environment variables):
- CONTRACT_MAX_EXAMPLES: fuzzed examples per operation and generation mode (default 100).
- CONTRACT_SEED: the Schemathesis seed (default fixed, so runs are reproducible).
- CONTRACT_STATEFUL_EXAMPLES: scenarios of the stateful test (default 150, each up to 16 steps).
"""

import ipaddress
import json
import os
import re
import socket
from collections import Counter
from pathlib import Path

import pytest
from schemathesis.config import SchemathesisConfig
from sqlalchemy import func, select

from personas import conformance
from personas.app import create_app
from personas.config import Settings
from personas.domain import api_keys, screenings
from personas.domain.providers.resolver import SystemResolver
from personas.persistence.models import ApiKey, Base
from personas.persistence.uow import UnitOfWork
from tests import offline_dns
from tests.offline_dns import OfflineResolver
from tests.support import mariadb_url, registry_row

SPEC_URL = "/api/v1/openapi.json"
MAX_EXAMPLES = int(os.environ.get("CONTRACT_MAX_EXAMPLES", "100"))
STATEFUL_EXAMPLES = int(os.environ.get("CONTRACT_STATEFUL_EXAMPLES", "150"))
STATEFUL_STEPS = 16
SEED = int(os.environ.get("CONTRACT_SEED", "20250101"))
API_KEY = api_keys.generate()
WATCH_LIST = b"entry_id,name\nCONF-1,ANA CONFORMANCE PRUEBA\nCONF-2,GRUPO CONFORMANCE DEL NORTE\n"
# Schemathesis calls the app in-process with the test client's Host.
TEST_HOSTS = (*Settings.allowed_hosts, "testserver")


def make_config(mode: str) -> SchemathesisConfig:
    """Every default check stays on; only the volume, the seed, the mode, the key and CURPs are set here."""
    data = {
        "seed": SEED,
        # Through the spec's own scheme, so Schemathesis knows the key is ours (its auth checks then probe
        # without it and with a wrong one) rather than taking any Authorization header for a generated one.
        "auth": {"openapi": {"bearerAuth": {"bearer": API_KEY}}},
        "generation": {
            "mode": mode,
            "max-examples": MAX_EXAMPLES,
            # No example database: a run replays nothing from earlier runs.
            "database": "none",
        },
        # The spec's links only: the flows it documents, not the ones Schemathesis guesses from field names.
        "phases": {"stateful": {"max-steps": STATEFUL_STEPS, "inference": {"algorithms": []}}},
    }
    if mode != "negative":
        # Half of the generated CURPs are real ones; the other half stay arbitrary.
        data["dictionaries"] = {"curps": {"values": conformance.valid_curps(seed=SEED)}}
        data["parameters"] = {
            "body.national_id": {"dictionary": "curps", "probability": 0.5},
            "body.curp": {"dictionary": "curps", "probability": 0.5},
        }
    return SchemathesisConfig.from_dict(data)


def spec_only_app():
    """An app that only serves the spec to Schemathesis at collection time; no request reaches its database."""
    app = create_app(
        Settings(database_url="sqlite://", secret_key="spec-only", allowed_hosts=TEST_HOSTS), migrate=False
    )
    app.container.close()  # its database is never queried: no relay polling an empty schema
    return app


def _loopback_getaddrinfo(host, *args, **kwargs):
    """socket.getaddrinfo answering loopback names and addresses only: a delivery, validation or download
    the app attempts towards a generated URL fails here, before any packet leaves."""
    name = str(host or "").strip("[]").split("%")[0].rstrip(".").lower()
    try:
        loopback = ipaddress.ip_address(name).is_loopback
    except ValueError:
        loopback = name in offline_dns.LOOPBACK_NAMES
    if host is None or loopback:
        return offline_dns._GETADDRINFO(host, *args, **kwargs)
    raise socket.gaierror(socket.EAI_NONAME, "Name or service not known (contract tests reach loopback only)")


@pytest.fixture(scope="session", autouse=True)
def _loopback_only():
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(SystemResolver, "__call__", offline_dns.offline_call)
        patch.setattr(socket, "getaddrinfo", _loopback_getaddrinfo)
        yield


@pytest.fixture(scope="session", params=["sqlite", pytest.param("mariadb", marks=pytest.mark.mariadb)])
def contract_database_url(request, tmp_path_factory):
    if request.param == "sqlite":
        # tmp_path_factory is per xdist worker, so each worker has its own file.
        return f"sqlite:///{tmp_path_factory.mktemp('contract-db') / 'personas.sqlite3'}"
    return mariadb_url("contract_")  # apart from the databases tests/ uses


class ContractApp:
    def __init__(self, app):
        self.app = app
        self.container = app.container
        # Counts the resets, so a world made before one is made again.
        self.generation = 0
        # Tables the migrations seeded (catalogs) and the API key stay; the others are data.
        with self.container.session_factory() as session:
            self.data_tables = [
                table
                for table in reversed(Base.metadata.sorted_tables)
                if session.execute(select(func.count()).select_from(table)).scalar() == 0
            ]

    def reset_database(self) -> None:
        """Delete every row the API created, children first."""
        with self.container.session_factory() as session:
            for table in self.data_tables:
                session.execute(table.delete())
            session.commit()
        self.generation += 1

    def read_code(self, channel: str, to: str) -> str | None:
        """The code in the newest message the local sender wrote to `to` (the run's own outbox)."""
        outbox = Path(self.container.settings.local_outbox) / f"{channel}.jsonl"
        if not outbox.exists():
            return None
        normalised = to.lstrip("+")
        sent = [json.loads(line) for line in outbox.read_text(encoding="utf-8").splitlines()]
        mine = [entry for entry in sent if str(entry.get("to", "")).lstrip("+").endswith(normalised[-10:])]
        found = re.search(r"\b(\d{6})\b", mine[-1]["body"]) if mine else None
        return found.group(1) if found else None


@pytest.fixture(scope="session")
def contract_app(contract_database_url, tmp_path_factory) -> ContractApp:
    folder = tmp_path_factory.mktemp("contract-files")
    settings = Settings(
        database_url=contract_database_url,
        secret_key="contract-secret",
        allowed_hosts=TEST_HOSTS,
        local_outbox=str(folder / "outbox"),
        storage_url=str(folder / "files"),
    )
    app = create_app(settings)
    state = app.container
    state.providers["resolver"] = OfflineResolver()  # URLs are checked when saved: no name server is asked
    with UnitOfWork(state.session_factory) as uow:
        uow.api_keys.add(
            ApiKey(name="contract-tests", prefix=api_keys.display_prefix(API_KEY), key_hash=api_keys.digest(API_KEY))
        )
        # The CURPs the cases carry are in the local CURP registry, so `POST /people/curp` can succeed.
        uow.curp_registry.upsert_many([registry_row(curp) for curp in conformance.valid_curps(seed=SEED)])
        # A watch list that lists the world's person: its screening fails, and can be reviewed.
        screenings.load_list(uow, "conformance", "csv", WATCH_LIST, source="contract tests")
        uow.commit()
    yield ContractApp(app)
    state.close()


class _Client:
    """The world's way in: the app in-process, with the key."""

    def __init__(self, app):
        self.http = app.test_client(headers={"Authorization": f"Bearer {API_KEY}"})

    def request(self, method, url, **kwargs):
        return self.http.request(method, url, **kwargs)


class Worlds:
    """The records the positive cases work on, made again after a reset of the database (the stateful test's)."""

    def __init__(self, contract_app: ContractApp):
        self.contract_app = contract_app
        self.made: tuple[int, conformance.World] | None = None

    def current(self) -> conformance.World:
        app = self.contract_app
        if self.made is None or self.made[0] != app.generation:
            built = conformance.World.build(_Client(app.app), read_code=app.read_code, seed=SEED)
            self.made = (app.generation, built)
        conformance.CURRENT_WORLD[:] = [self.made[1]]
        return self.made[1]


@pytest.fixture(scope="session")
def worlds(contract_app) -> Worlds:
    # Session-scoped (Hypothesis refuses function-scoped fixtures in its tests); `current()` per test.
    return Worlds(contract_app)


CURRENT = Counter()
"""Requests the running test sent, per operation and status class ("POST /people 2xx")."""
TRANSITIONS = Counter()
"""Links the stateful test followed to a success, by name ("POST /people -> 201 -> GetPerson -> GET ...")."""


def count(case, response) -> None:
    CURRENT[f"{case.operation.label} {response.status_code // 100}xx"] += 1


WITHOUT_SUCCESS: dict[str, str] = {}
"""Operations whose positive test may end without a 2xx, each with the reason; at most
`len(operations) - MIN_SUCCESSFUL` of them (test_contract.py holds the bound)."""
MIN_SUCCESSFUL = 110


@pytest.fixture(autouse=True)
def _case_counter(request):
    # Autouse, so Hypothesis' check on function-scoped fixtures leaves it alone. The counts reach
    # the summary (on the xdist controller too) through the report's user_properties.
    CURRENT.clear()
    TRANSITIONS.clear()
    yield
    request.node.user_properties.append(("contract_cases", dict(CURRENT)))
    request.node.user_properties.append(("contract_transitions", dict(TRANSITIONS)))
    if request.node.name.startswith("test_positive[") and CURRENT:
        # The positive cases of one operation carry the world's ids: one of them at least must succeed, or
        # the operation's success answer was never checked against the spec.
        label = next(iter(CURRENT)).rsplit(" ", 1)[0]
        succeeded = any(key.endswith(" 2xx") for key in CURRENT)
        assert succeeded or label in WITHOUT_SUCCESS, f"no positive case of {label} got a 2xx: {dict(CURRENT)}"


_CASES: dict[str, Counter] = {}
_TRANSITIONS: Counter = Counter()


def pytest_runtest_logreport(report):
    if report.when != "teardown":
        return
    for name, value in report.user_properties:
        if name == "contract_cases":
            test = report.nodeid.split("::")[-1].split("[", 1)[0]
            _CASES.setdefault(test, Counter()).update(value)
        if name == "contract_transitions":
            _TRANSITIONS.update(value)


def pytest_terminal_summary(terminalreporter):
    if not _CASES:
        return
    write = terminalreporter.write_line
    terminalreporter.section("contract cases")
    total = 0
    for test, counts in sorted(_CASES.items()):
        if not counts:
            continue  # a test that sent nothing (the unit tests of this folder)
        by_operation: dict[str, Counter] = {}
        for key, n in counts.items():
            label, status = key.rsplit(" ", 1)
            by_operation.setdefault(label, Counter())[status] = n
        requests = sum(counts.values())
        total += requests
        write(f"{test}: {len(by_operation)} operations, {requests} requests")
        for label, statuses in sorted(by_operation.items()):
            detail = ", ".join(f"{status} {n}" for status, n in sorted(statuses.items()))
            write(f"    {sum(statuses.values()):6d}  {label:45s} {detail}")
    write(f"total: {total} requests")
    if "test_positive" in _CASES:
        reached = {key.rsplit(" ", 1)[0] for counts in _CASES.values() for key in counts if key.endswith(" 2xx")}
        tried = {key.rsplit(" ", 1)[0] for counts in _CASES.values() for key in counts}
        write(f"operations with a 2xx: {len(reached)} of {len(tried)} tried (each positive test needs one)")
        for label in sorted(tried - reached):
            write(f"    no 2xx: {label}")
    if _TRANSITIONS:
        write(f"stateful links followed to a 2xx: {len(_TRANSITIONS)}")
        for name, n in sorted(_TRANSITIONS.items()):
            write(f"    {n:4d}  {name}")
