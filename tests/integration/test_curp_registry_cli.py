"""`personas registry load` and `personas registry show` on SQLite, and the local registry adapter that
reads what they stored."""

import json
from datetime import date

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from click.testing import CliRunner

from personas.cli import main
from personas.config import Settings
from personas.domain.providers.registry import CSV_HEADER, CurpNotInRegistry
from personas.persistence.db import make_engine, make_session_factory
from personas.persistence.migrate import upgrade
from personas.persistence.models import Base
from personas.persistence.models.curp_registry import CurpRegistryEntry
from personas.providers import build_providers
from tests.fake_registry import sample_record
from tests.support import new_curp

FIRST = new_curp(born=date(1988, 2, 12), sex="M", state="DF")
SECOND = new_curp(born=date(2003, 11, 30), sex="H", state="NE")


@pytest.fixture
def cli(tmp_path, monkeypatch):
    """`cli(*args)`: the command's result, on a SQLite file of this test's (nothing written to the checkout)."""
    monkeypatch.chdir(tmp_path)
    database = f"sqlite:///{tmp_path / 'registry.sqlite3'}"
    env = {"PERSONAS_DATABASE_URL": database, "PERSONAS_SECRET_KEY": "test-secret"}
    runner = CliRunner()

    def run(*args):
        return runner.invoke(main, list(args), env=env, catch_exceptions=False)

    run.database_url = database
    return run


def _csv(tmp_path, *records, name="registry.csv", header=CSV_HEADER) -> str:
    lines = [header]
    for record in records:
        lines.append(",".join("" if record[k] is None else str(record[k]) for k in CSV_HEADER.split(",")))
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return str(path)


def _stored(database_url) -> dict:
    engine = make_engine(database_url)
    try:
        with make_session_factory(engine)() as session:
            return {e.curp: e for e in session.query(CurpRegistryEntry)}
    finally:
        engine.dispose()


def test_a_good_file_is_loaded_and_shown(cli, tmp_path):
    first = sample_record(FIRST, name="María José", second_lastname="Núñez")
    second = sample_record(SECOND, second_lastname=None, status="inactive", status_detail="deceased")
    result = cli("registry", "load", _csv(tmp_path, first, second))
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[-1] == "added 2, updated 0, unchanged 0"

    shown = cli("registry", "show", FIRST.lower())
    assert shown.exit_code == 0, shown.output
    record = json.loads(shown.stdout)
    assert {k: v for k, v in record.items() if k != "loaded_at"} == first
    assert record["loaded_at"].endswith("Z")
    stored = _stored(cli.database_url)
    assert stored[SECOND].birth_state == "NE" and stored[SECOND].second_lastname is None
    assert (stored[SECOND].status, stored[SECOND].status_detail) == ("inactive", "deceased")


def test_an_unknown_curp_is_not_shown(cli):
    result = cli("registry", "show", FIRST)
    assert result.exit_code == 1 and "no record" in result.stderr and result.stdout == ""


def _snapshot(database_url) -> dict:
    return {curp: (e.name, e.status, e.loaded_at) for curp, e in _stored(database_url).items()}


def test_a_file_with_problems_writes_nothing_and_names_their_lines(cli, tmp_path):
    assert cli("registry", "load", _csv(tmp_path, sample_record(FIRST), name="first.csv")).exit_code == 0
    before = _snapshot(cli.database_url)
    renamed = sample_record(FIRST, name="Otra")  # a good row: not written either
    wrong_sex = sample_record(SECOND) | {"sex": "M"}
    bad_status = sample_record(new_curp()) | {"status": "withdrawn"}
    result = cli("registry", "load", _csv(tmp_path, renamed, wrong_sex, bad_status))
    assert result.exit_code == 1
    assert "line 3: sex M does not match the CURP's H" in result.stderr
    assert "line 4: status must be active or inactive" in result.stderr
    assert "line 2" not in result.stderr
    assert "nothing written: 2 problems" in result.stderr and result.stdout == ""
    assert _snapshot(cli.database_url) == before


def test_a_file_that_is_not_utf8_writes_nothing(cli, tmp_path):
    assert cli("registry", "load", _csv(tmp_path, sample_record(FIRST), name="first.csv")).exit_code == 0
    before = _snapshot(cli.database_url)
    path = tmp_path / "latin1.csv"
    record = sample_record(FIRST, name="María")
    line = ",".join("" if record[k] is None else str(record[k]) for k in CSV_HEADER.split(","))
    path.write_bytes(f"{CSV_HEADER}\n{line}\n".encode("latin-1"))
    result = cli("registry", "load", str(path))
    assert result.exit_code == 1 and "not UTF-8" in result.stderr
    assert _snapshot(cli.database_url) == before


def test_loading_again_updates_changed_rows_and_keeps_the_others(cli, tmp_path):
    third = new_curp()
    loaded = cli("registry", "load", _csv(tmp_path, sample_record(FIRST), sample_record(SECOND), sample_record(third)))
    assert loaded.exit_code == 0, loaded.output
    before = _stored(cli.database_url)

    withdrawn = sample_record(SECOND, status="inactive", status_detail="withdrawn")
    again = cli("registry", "load", _csv(tmp_path, sample_record(FIRST), withdrawn, name="second.csv"))
    assert again.exit_code == 0, again.output
    assert again.stdout.splitlines()[-1] == "added 0, updated 1, unchanged 1"
    after = _stored(cli.database_url)
    assert (after[SECOND].status, after[SECOND].status_detail) == ("inactive", "withdrawn")
    assert after[third].loaded_at == before[third].loaded_at  # not in the file: left as it was

    added = cli("registry", "load", _csv(tmp_path, sample_record(new_curp()), name="third.csv"))
    assert added.stdout.splitlines()[-1] == "added 1, updated 0, unchanged 0"
    assert len(_stored(cli.database_url)) == 4


def test_the_local_adapter_answers_from_the_loaded_table(cli, tmp_path):
    loaded = cli("registry", "load", _csv(tmp_path, sample_record(FIRST, status_detail=None)))
    assert loaded.exit_code == 0, loaded.output
    engine = make_engine(cli.database_url)
    try:
        upgrade(engine)
        factory = make_session_factory(engine)
        registry = build_providers(Settings(database_url=cli.database_url, local_outbox=str(tmp_path)), factory)[
            "curp_registry"
        ]
        record = registry.lookup(FIRST)
        assert record.source == "local" and record.as_dict() == sample_record(FIRST) | {"source": "local"}
        with pytest.raises(CurpNotInRegistry):
            registry.lookup(SECOND)
    finally:
        engine.dispose()


def test_the_migrated_table_is_the_models(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'schema.sqlite3'}")
    try:
        upgrade(engine)
        with engine.connect() as conn:
            diffs = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata)
    finally:
        engine.dispose()
    assert [diff for diff in diffs if "curp_registry" in repr(diff)] == []
