"""Helpers the API tests share: valid, unique CURPs and the seed's sample person."""

import contextlib
import os
import random
from datetime import date, timedelta

from stdnum.mx import curp as stdnum_curp

SEED_PERSON = {
    "national_id": "PESJ880212HDFHLX01",
    "name": "Juan",
    "first_lastname": "Perez",
    "second_lastname": "Suares",
    "birthdate": "1988-02-12T00:00:00Z",
    "gender": "MALE",
    "tax_id": None,
    "nationality_id": 144,
    "state_id": 7,
    "entity_of_birth": "DF",
    "external_ref_id": None,
    "facetec_ref_id": None,
    "biometrics": None,
    "marital_status_id": None,
    "people_group_id": None,
    "extra_data": None,
    "ignore_curp_validation": False,
}

_rng = random.Random()
LETTERS = "BCDFGHJKLMNPQRSTVWXYZ"


def new_curp(born: date | None = None, sex: str = "H", state: str = "JC") -> str:
    """A valid CURP unlikely to collide with any other test's."""
    while True:
        when = born or date(1950, 1, 1) + timedelta(days=_rng.randrange(365 * 50))
        initials = _rng.choice(LETTERS) + _rng.choice("AEIOU") + _rng.choice(LETTERS) + _rng.choice(LETTERS)
        marker = "0" if when.year < 2000 else "A"
        body = f"{initials}{when:%y%m%d}{sex}{state}{''.join(_rng.choices(LETTERS, k=3))}{marker}"
        curp = body + stdnum_curp.calc_check_digit(body)
        if stdnum_curp.is_valid(curp):
            return curp


def person_body(**overrides) -> dict:
    body = {"national_id": new_curp(), "name": "Ana", "first_lastname": "López", "second_lastname": "Díaz"}
    return body | overrides


@contextlib.contextmanager
def writing(session_factory):
    """A session for a test's own read-then-write: it begins IMMEDIATE on SQLite, as the unit of work
    does, since a deferred transaction that read first fails with "database is locked" when a
    background writer (the relay) committed meanwhile."""
    from personas.persistence.db import BEGIN_OPTION

    with session_factory() as session:
        session.connection(execution_options={BEGIN_OPTION: "IMMEDIATE"})
        yield session


def mariadb_url(prefix: str = "") -> str:
    """A fresh MariaDB database for this xdist worker on the test command's server; skipped without one,
    and a failure under CI=true, where a missing service must never pass as a skip."""
    import pytest

    url = os.environ.get("PERSONAS_TEST_MARIADB_URL")
    if not url:
        if os.environ.get("CI") == "true":
            pytest.fail("PERSONAS_TEST_MARIADB_URL is not set: MariaDB is required under CI=true")
        pytest.skip("PERSONAS_TEST_MARIADB_URL is not set")
    return fresh_mariadb_database(url, prefix + os.environ.get("PYTEST_XDIST_WORKER", "main"))


def fresh_mariadb_database(url: str, suffix: str) -> str:
    """The URL of an empty database named after `url`'s and `suffix` on that server, dropped first if it
    was left by an earlier run."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    base = make_url(url)
    name = f"{base.database}_{suffix}"
    engine = create_engine(base.set(database=""))
    with engine.begin() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS `{name}`"))
        conn.execute(text(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"))
    engine.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


def registry_row(curp: str, **overrides) -> dict:
    """A record of the local CURP registry for `curp`: an active person whose sex, birth date and state
    are the CURP's."""
    from personas.domain.identity import parse_curp

    info = parse_curp(curp)
    row = {
        "curp": info.curp,
        "name": "Ana María",
        "first_lastname": "López",
        "second_lastname": "Díaz",
        "sex": info.curp[10],
        "birthdate": info.birthdate,
        "birth_state": info.state_code,
        "status": "active",
        "status_detail": None,
    }
    return row | overrides


def register_curps(session_factory, *rows: dict) -> None:
    """Put `rows` (see `registry_row`) in the local CURP registry, as `personas registry load` does.

    A loaded local registry is in use for every `curp` validation on that database: a test on a database
    others share takes its rows out again (`registered`)."""
    from personas.persistence.uow import UnitOfWork

    with UnitOfWork(session_factory) as uow:
        uow.curp_registry.upsert_many(rows)
        uow.commit()


@contextlib.contextmanager
def registered(session_factory, *rows: dict):
    """`rows` in the local CURP registry while the block runs."""
    from sqlalchemy import delete

    from personas.persistence.models.curp_registry import CurpRegistryEntry

    register_curps(session_factory, *rows)
    try:
        yield
    finally:
        with writing(session_factory) as session:
            session.execute(delete(CurpRegistryEntry).where(CurpRegistryEntry.curp.in_([r["curp"] for r in rows])))
            session.commit()
