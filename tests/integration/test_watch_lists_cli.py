"""`personas lists load` and `personas lists show` on SQLite, with small list files written here."""

import json

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from click.testing import CliRunner

from personas.cli import main
from personas.persistence.db import make_engine, make_session_factory
from personas.persistence.models import Base
from personas.persistence.uow import UnitOfWork

UIF = "# version: 2026-11\nentry_id,name,aliases,curp,rfc,kind\nA1,JUAN PÉREZ GÓMEZ,Juanito|El Charro,,,individual\n"
SDN = (
    '36,"AEROCARIBBEAN AIRLINES",-0-,"CUBA",-0-,-0-,-0-,-0-,-0-,-0-,-0-,-0-\n'
    '306,"GARCIA, Juan",individual,"SDNTK",-0-,-0-,-0-,-0-,-0-,-0-,-0-,"DOB 01 Jan 1970."\n'
)
ALT = '306,220,"aka","GARCIA, Juanito",-0-\n'
UN = """<?xml version="1.0" encoding="UTF-8"?>
<CONSOLIDATED_LIST dateGenerated="2026-11-30T00:00:00">
  <INDIVIDUALS><INDIVIDUAL><DATAID>6908555</DATAID><FIRST_NAME>PEDRO</FIRST_NAME><SECOND_NAME>LOPEZ</SECOND_NAME>
  <INDIVIDUAL_ALIAS><QUALITY>Good</QUALITY><ALIAS_NAME>El Pedro</ALIAS_NAME></INDIVIDUAL_ALIAS>
  </INDIVIDUAL></INDIVIDUALS>
  <ENTITIES/>
</CONSOLIDATED_LIST>
"""


@pytest.fixture
def cli(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    database = f"sqlite:///{tmp_path / 'lists.sqlite3'}"
    env = {"PERSONAS_DATABASE_URL": database, "PERSONAS_SECRET_KEY": "test-secret"}
    runner = CliRunner()

    def run(*args):
        return runner.invoke(main, list(args), env=env, catch_exceptions=False)

    run.database_url = database
    return run


def write(tmp_path, name, text) -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def entries(database_url, name) -> dict:
    with UnitOfWork(make_session_factory(make_engine(database_url))) as uow:
        (stored,) = uow.screening.lists([name])
        return {row.entry_id: list(row.names) for row in uow.screening.entries(stored.id)}


def test_each_format_loads_and_is_shown(cli, tmp_path):
    assert cli("lists", "load", "--format", "csv", "--name", "uif", write(tmp_path, "uif.csv", UIF)).exit_code == 0
    loaded = cli(
        "lists",
        "load",
        "--format",
        "ofac-sdn",
        "--aliases",
        write(tmp_path, "ALT.CSV", ALT),
        write(tmp_path, "SDN.CSV", SDN),
    )
    assert loaded.exit_code == 0, loaded.output
    assert cli("lists", "load", "--format", "un-consolidated", write(tmp_path, "un.xml", UN)).exit_code == 0
    shown = {item["name"]: item for item in json.loads(cli("lists", "show").output)}
    assert set(shown) == {"uif", "ofac-sdn", "un-consolidated"}
    assert shown["uif"]["version"] == "2026-11" and shown["uif"]["source"] == "uif.csv" and shown["uif"]["entries"] == 1
    assert shown["un-consolidated"]["version"] == "2026-11-30T00:00:00"
    assert "GARCIA, Juanito" in entries(cli.database_url, "ofac-sdn")["306"]


def test_a_reload_replaces_the_list_and_a_bad_file_leaves_it_as_it_was(cli, tmp_path):
    cli("lists", "load", "--format", "csv", "--name", "uif", write(tmp_path, "uif.csv", UIF))
    newer = UIF.replace("2026-11", "2026-12").replace("A1,", "B2,")
    assert cli("lists", "load", "--format", "csv", "--name", "uif", write(tmp_path, "uif2.csv", newer)).exit_code == 0
    assert list(entries(cli.database_url, "uif")) == ["B2"]
    broken = write(tmp_path, "bad.csv", "entry_id,name\nC3,\n")
    refused = cli("lists", "load", "--format", "csv", "--name", "uif", broken)
    assert refused.exit_code == 1 and "nothing loaded" in refused.output
    assert list(entries(cli.database_url, "uif")) == ["B2"]
    too_long = write(tmp_path, "long.csv", f"entry_id,name\n{'X' * 65},JUAN PEREZ\n")
    assert cli("lists", "load", "--format", "csv", "--name", "uif", too_long).exit_code == 1
    hostile = write(tmp_path, "bomb.xml", '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a;</x>')
    assert cli("lists", "load", "--format", "un-consolidated", hostile).exit_code == 1


def test_a_csv_list_needs_a_name(cli, tmp_path):
    result = cli("lists", "load", "--format", "csv", write(tmp_path, "uif.csv", UIF))
    assert result.exit_code == 2 and "--name" in result.output


def test_the_migrated_tables_are_the_models(cli, tmp_path):
    cli("lists", "show")  # migrates
    with make_engine(cli.database_url).connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata)
    ours = ("watch_lists", "watch_list_entries", "screening_reviews")
    assert [diff for diff in diffs if any(name in repr(diff) for name in ours)] == []
