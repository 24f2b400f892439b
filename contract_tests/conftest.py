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

Knobs (environment variables):
- CONTRACT_MAX_EXAMPLES: fuzzed examples per operation and generation mode (default 100).
- CONTRACT_SEED: the Schemathesis seed (default fixed, so runs are reproducible).
- CONTRACT_STATEFUL_EXAMPLES: scenarios of the stateful test (default 40).
"""

import os
import random
from collections import Counter

import pytest
from schemathesis.config import SchemathesisConfig
from sqlalchemy import func, select
from stdnum.mx import curp as stdnum_curp

from personas.app import create_app
from personas.config import Settings
from personas.domain import api_keys
from personas.persistence.models import ApiKey, Base
from personas.persistence.uow import UnitOfWork
from tests.offline_dns import OfflineResolver
from tests.support import mariadb_url

SPEC_URL = "/api/v1/openapi.json"
MAX_EXAMPLES = int(os.environ.get("CONTRACT_MAX_EXAMPLES", "100"))
STATEFUL_EXAMPLES = int(os.environ.get("CONTRACT_STATEFUL_EXAMPLES", "40"))
STATEFUL_STEPS = 12
SEED = int(os.environ.get("CONTRACT_SEED", "20250101"))
API_KEY = api_keys.generate()
# Schemathesis calls the app in-process with the test client's Host.
TEST_HOSTS = (*Settings.allowed_hosts, "testserver")


def valid_curps(count: int = 500) -> list[str]:
    """CURPs that pass every check (format, date, state code, check digit), drawn from a fixed seed.

    Random 18-character strings almost never do, so without them a schema-valid person is nearly
    always refused (422, see checks.py) and no person would ever be created, read or updated.
    """
    rng = random.Random(SEED)
    states = ["AS", "BC", "CC", "CS", "CH", "DF", "DG", "GT", "JC", "MC", "NL", "OC", "PL", "VZ", "YN", "ZS"]
    vowels, consonants = "AEIOU", "BCDFGHJKLMNPQRSTVWXYZ"
    found = set()
    while len(found) < count:
        year = rng.randint(1930, 2005)
        century = str(rng.randint(0, 9)) if year < 2000 else rng.choice("ABCDEFGH")
        number = "".join(
            [
                rng.choice(consonants),
                rng.choice(vowels),
                rng.choice(consonants),
                rng.choice(consonants),  # never a vowel, so no forbidden word can form
                f"{year % 100:02d}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}",
                rng.choice("HM"),
                rng.choice(states),
                rng.choice(consonants),
                rng.choice(consonants),
                rng.choice(consonants),
                century,
            ]
        )
        number += stdnum_curp.calc_check_digit(number)
        if stdnum_curp.is_valid(number):
            found.add(number)
    return sorted(found)


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
        "phases": {"stateful": {"max-steps": STATEFUL_STEPS}},
    }
    if mode != "negative":
        # Half of the generated CURPs are real ones; the other half stay arbitrary.
        data["dictionaries"] = {"curps": {"values": valid_curps()}}
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


@pytest.fixture(scope="session")
def contract_app(contract_database_url) -> ContractApp:
    app = create_app(
        Settings(database_url=contract_database_url, secret_key="contract-secret", allowed_hosts=TEST_HOSTS)
    )
    state = app.container
    state.providers["resolver"] = OfflineResolver()  # URLs are checked when saved: no name server is asked
    with UnitOfWork(state.session_factory) as uow:
        uow.api_keys.add(
            ApiKey(name="contract-tests", prefix=api_keys.display_prefix(API_KEY), key_hash=api_keys.digest(API_KEY))
        )
        uow.commit()
    yield ContractApp(app)
    state.close()


CURRENT = Counter()
"""Requests the running test sent, per operation and status class ("POST /people 2xx")."""


def count(case, response) -> None:
    CURRENT[f"{case.operation.label} {response.status_code // 100}xx"] += 1


@pytest.fixture(autouse=True)
def _case_counter(request):
    # Autouse, so Hypothesis' check on function-scoped fixtures leaves it alone. The counts reach
    # the summary (on the xdist controller too) through the report's user_properties.
    CURRENT.clear()
    yield
    request.node.user_properties.append(("contract_cases", dict(CURRENT)))


_CASES: dict[str, Counter] = {}


def pytest_runtest_logreport(report):
    if report.when != "teardown":
        return
    for name, value in report.user_properties:
        if name == "contract_cases":
            test = report.nodeid.split("::")[-1].split("[", 1)[0]
            _CASES.setdefault(test, Counter()).update(value)


def pytest_terminal_summary(terminalreporter):
    if not _CASES:
        return
    write = terminalreporter.write_line
    terminalreporter.section("contract cases")
    total = 0
    for test, counts in sorted(_CASES.items()):
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
