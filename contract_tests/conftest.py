"""Fixtures for the contract tests: the app on a throw-away database and Schemathesis schemas of it.

The schema is loaded from the running app (`/api/v1/openapi.json`), in-process through ASGI.
Operations still listed in `handlers.pending.PENDING_OPERATIONS` are left out; they answer 501.

Knobs (environment variables):
- CONTRACT_MAX_EXAMPLES: fuzzed examples per operation and generation mode (default 60).
- CONTRACT_SEED: the Schemathesis seed (default fixed, so runs are reproducible).
- CONTRACT_STATEFUL_EXAMPLES: scenarios of the stateful test (default 40).
- PERSONAS_TEST_MARIADB_URL: also run everything against MariaDB (skipped otherwise, a failure under CI=true).
"""

import os

import pytest
import schemathesis
from schemathesis.config import SchemathesisConfig
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from domain import api_keys
from handlers import runtime
from handlers.pending import PENDING_OPERATIONS
from persistence.models import ApiKey
from persistence.uow import UnitOfWork
from personas.app import create_app
from personas.config import Settings

SPEC_URL = "/api/v1/openapi.json"
MAX_EXAMPLES = int(os.environ.get("CONTRACT_MAX_EXAMPLES", "60"))
STATEFUL_EXAMPLES = int(os.environ.get("CONTRACT_STATEFUL_EXAMPLES", "40"))
SEED = int(os.environ.get("CONTRACT_SEED", "20250101"))


def _worker() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


def _mariadb_url() -> str:
    url = os.environ.get("PERSONAS_TEST_MARIADB_URL")
    if not url:
        if os.environ.get("CI") == "true":
            pytest.fail("PERSONAS_TEST_MARIADB_URL is not set: MariaDB is required under CI=true")
        pytest.skip("PERSONAS_TEST_MARIADB_URL is not set")
    base = make_url(url)
    # Its own database per xdist worker, apart from the one tests/ uses.
    name = f"{base.database}_contract_{_worker()}"
    engine = create_engine(base.set(database=""))
    with engine.begin() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS `{name}`"))
        conn.execute(text(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"))
    engine.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session", params=["sqlite", pytest.param("mariadb", marks=pytest.mark.mariadb)])
def contract_database_url(request, tmp_path_factory):
    if request.param == "sqlite":
        # tmp_path_factory is per xdist worker, so each worker has its own file.
        return f"sqlite:///{tmp_path_factory.mktemp('contract-db') / 'personas.sqlite3'}"
    return _mariadb_url()


@pytest.fixture(scope="session")
def contract_app(contract_database_url):
    app = create_app(Settings(database_url=contract_database_url, secret_key="contract-secret"))
    # `create_app` installs its runtime (settings, session factory) process-wide; keep ours to
    # reinstall it around each contract test, in case tests/ built another app in this process.
    return app, runtime.current()


@pytest.fixture(autouse=True)
def _contract_runtime(contract_app):
    previous = runtime._current
    runtime.configure(contract_app[1])
    yield
    runtime._current = previous


@pytest.fixture(scope="session")
def contract_key(contract_app):
    key = api_keys.generate()
    with UnitOfWork(contract_app[1].session_factory) as uow:
        uow.api_keys.add(ApiKey(name="contract-tests", prefix=api_keys.display_prefix(key), key_hash=api_keys.digest(key)))
        uow.commit()
    return key


def make_config(key: str, mode: str) -> SchemathesisConfig:
    """Every default check stays on; only the volume, the seed and the mode are set here."""
    return SchemathesisConfig.from_dict(
        {
            "seed": SEED,
            "headers": {"Authorization": f"Bearer {key}"},
            "generation": {
                "mode": mode,
                "max-examples": MAX_EXAMPLES,
                # No example database: a run replays nothing from earlier runs.
                "database": "none",
            },
            "phases": {"stateful": {"max-steps": 12}},
        }
    )


def load_schema(app, key: str, mode: str):
    schema = schemathesis.openapi.from_asgi(SPEC_URL, app, config=make_config(key, mode))
    # The pending list is read, never copied: an operation leaves it, the contract tests pick it up.
    return schema.exclude(operation_id=sorted(PENDING_OPERATIONS)) if PENDING_OPERATIONS else schema


@pytest.fixture(scope="session")
def positive_schema(contract_app, contract_key):
    return load_schema(contract_app[0], contract_key, "positive")


@pytest.fixture(scope="session")
def negative_schema(contract_app, contract_key):
    return load_schema(contract_app[0], contract_key, "negative")


@pytest.fixture(scope="session")
def stateful_schema(contract_app, contract_key):
    return load_schema(contract_app[0], contract_key, "all")
