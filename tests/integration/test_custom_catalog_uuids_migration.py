"""The migration to UUID ids for custom catalogs and their values, on a database holding rows of each kind.

It keeps every row, gives each catalog and value a UUID v4, and moves every reference along: the values'
foreign key, dynamic property descriptors, blacklist configs and the validation events in the outbox. The
downgrade numbers them back. SQLite always; MariaDB when the test command gives it its server.
"""

import uuid
from datetime import datetime

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.dialects import mysql
from sqlalchemy.exc import IntegrityError

from personas.persistence.db import make_engine
from personas.persistence.migrate import alembic_config, upgrade
from personas.persistence.models import Base
from tests.support import mariadb_url

BEFORE, AFTER = "0013_trust", "0014_custom_catalog_uuids"
JSON = sa.JSON().with_variant(mysql.JSON(), "mysql", "mariadb")
JAN = [datetime(2024, 1, day, 12) for day in range(1, 6)]
PROPERTY, BLACKLIST, CURP_CHECK = str(uuid.uuid4()), str(uuid.uuid4()), str(uuid.uuid4())
FAILED_EVENT, OTHER_EVENT = str(uuid.uuid4()), str(uuid.uuid4())

catalogs = sa.table(
    "custom_catalogs",
    sa.column("id"),
    sa.column("name", sa.String),
    sa.column("created_at", sa.DateTime),
    sa.column("updated_at", sa.DateTime),
)
values = sa.table(
    "custom_catalog_values",
    sa.column("id"),
    sa.column("custom_catalog_id"),
    sa.column("label", sa.String),
    sa.column("type", sa.String),
    sa.column("value", JSON),
    sa.column("value_hash", sa.String),
    sa.column("groups", JSON),
    sa.column("created_at", sa.DateTime),
    sa.column("updated_at", sa.DateTime),
)
properties = sa.table(
    "dynamic_properties",
    sa.column("id", sa.String),
    sa.column("name", sa.String),
    sa.column("key", sa.String),
    sa.column("descriptor", JSON),
    sa.column("created_at", sa.DateTime),
    sa.column("updated_at", sa.DateTime),
)
validations = sa.table(
    "validations",
    sa.column("id", sa.String),
    sa.column("name", sa.String),
    sa.column("class", sa.String),
    sa.column("active", sa.Boolean),
    sa.column("config", JSON),
    sa.column("execution_type", sa.String),
    sa.column("allow_retry", sa.Boolean),
    sa.column("created_at", sa.DateTime),
    sa.column("updated_at", sa.DateTime),
)
events = sa.table(
    "outbox_events",
    sa.column("id", sa.String),
    sa.column("name", sa.String),
    sa.column("resource_name", sa.String),
    sa.column("resource_id", sa.String),
    sa.column("payload", JSON),
    sa.column("state", sa.String),
    sa.column("attempts", sa.Integer),
    sa.column("created_at", sa.DateTime),
    sa.column("available_at", sa.DateTime),
)


def field(key: str, catalog_id) -> dict:
    return {"title": key, "type": "string", "key": key, "filter_group": None, "rules": [], "catalog_id": catalog_id}


def blacklist_event(catalog_id) -> dict:
    config = {"type": "blacklist", "catalog_id": catalog_id}
    return {"status": 3, "validation": {"id": BLACKLIST, "class": "blacklist", "config": config}}


def timestamps(at: datetime) -> dict:
    return {"created_at": at, "updated_at": at}


# Catalog 1 is newer than catalog 2 and value 3 the oldest value: the downgrade numbers by creation, not by id.
CATALOGS = [{"id": 1, "name": "Giros", **timestamps(JAN[1])}, {"id": 2, "name": "Lista negra", **timestamps(JAN[0])}]
VALUES = [
    {"id": 1, "custom_catalog_id": 1, "label": "Comercio", "value": "comercio", **timestamps(JAN[3])},
    {"id": 2, "custom_catalog_id": 1, "label": "Servicios", "value": "servicios", **timestamps(JAN[4])},
    {"id": 3, "custom_catalog_id": 2, "label": "Fraude", "value": "PESJ880212HDFHLX01", **timestamps(JAN[2])},
]


@pytest.fixture(params=["sqlite", pytest.param("mariadb", marks=pytest.mark.mariadb)])
def engine(request, tmp_path):
    url = f"sqlite:///{tmp_path / 'migration.sqlite3'}" if request.param == "sqlite" else mariadb_url("migration_")
    engine = make_engine(url)
    upgrade(engine, BEFORE)
    with engine.begin() as conn:
        conn.execute(catalogs.insert(), CATALOGS)
        conn.execute(
            values.insert(),
            [row | {"type": "string", "value_hash": f"h{row['id']}", "groups": ["Basic"]} for row in VALUES],
        )
        descriptor = [field("giro", 1), field("libre", None), field("lista", 2)]
        row = {"id": PROPERTY, "name": "Giro", "key": "giro", "descriptor": descriptor, **timestamps(JAN[0])}
        conn.execute(properties.insert(), row)
        settings = {"active": True, "execution_type": "auto", "allow_retry": True, **timestamps(JAN[0])}
        conn.execute(
            validations.insert(),
            [
                {"id": BLACKLIST, "name": "PLD", "class": "blacklist", "config": {"type": "blacklist", "catalog_id": 2}}
                | settings,
                {"id": CURP_CHECK, "name": "CURP", "class": "curp", "config": {"type": "curp"}} | settings,
            ],
        )
        common = {"resource_name": "person", "resource_id": str(uuid.uuid4()), "state": "pending", "attempts": 0}
        common |= {"created_at": JAN[0], "available_at": JAN[0]}
        conn.execute(
            events.insert(),
            [
                {"id": FAILED_EVENT, "name": "person_fail_validation", "payload": blacklist_event(2)} | common,
                # Not a validation event: its payload is the person's, whatever it holds.
                {"id": OTHER_EVENT, "name": "person_register", "payload": {"catalog_id": 2}} | common,
            ],
        )
    yield engine
    engine.dispose()


def downgrade(engine, revision: str) -> None:
    with engine.begin() as connection:
        config = alembic_config(engine)
        config.attributes["connection"] = connection
        command.downgrade(config, revision)


def read(engine):
    """Catalog names by id, (label, catalog name) by value id, and every stored reference."""
    with engine.connect() as conn:
        names = dict(conn.execute(sa.select(catalogs.c.id, catalogs.c.name)).all())
        owners = {
            row.id: (row.label, names[row.custom_catalog_id])
            for row in conn.execute(sa.select(values.c.id, values.c.label, values.c.custom_catalog_id))
        }
        descriptor = conn.scalar(sa.select(properties.c.descriptor))
        configs = dict(conn.execute(sa.select(validations.c.id, validations.c.config)).all())
        payloads = dict(conn.execute(sa.select(events.c.id, events.c.payload)).all())
    return names, owners, descriptor, configs, payloads


def test_every_catalog_and_value_gets_a_uuid_and_every_reference_follows(engine):
    upgrade(engine, AFTER)
    names, owners, descriptor, configs, payloads = read(engine)
    ids = [*names, *owners]
    assert all(uuid.UUID(each).version == 4 and str(uuid.UUID(each)) == each for each in ids)
    assert len(set(ids)) == 5
    assert sorted(names.values()) == ["Giros", "Lista negra"]
    assert sorted(owners.values()) == [("Comercio", "Giros"), ("Fraude", "Lista negra"), ("Servicios", "Giros")]
    by_name = {name: catalog_id for catalog_id, name in names.items()}
    assert descriptor == [field("giro", by_name["Giros"]), field("libre", None), field("lista", by_name["Lista negra"])]
    assert configs == {
        BLACKLIST: {"type": "blacklist", "catalog_id": by_name["Lista negra"]},
        CURP_CHECK: {"type": "curp"},
    }
    assert payloads == {FAILED_EVENT: blacklist_event(by_name["Lista negra"]), OTHER_EVENT: {"catalog_id": 2}}
    with engine.connect() as conn:
        kept = conn.execute(sa.select(values.c.value, values.c.groups, values.c.created_at).order_by(values.c.value))
        assert [tuple(row) for row in kept] == [
            ("PESJ880212HDFHLX01", ["Basic"], JAN[2]),
            ("comercio", ["Basic"], JAN[3]),
            ("servicios", ["Basic"], JAN[4]),
        ]


def test_the_migrated_tables_are_the_models_tables_foreign_key_included(engine):
    upgrade(engine, AFTER)
    with engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata)
    ours = ("custom_catalogs", "custom_catalog_values")
    assert [diff for diff in diffs if any(name in repr(diff) for name in ours)] == []
    with engine.begin() as conn, pytest.raises(IntegrityError):
        row = VALUES[0] | {"id": str(uuid.uuid4()), "custom_catalog_id": str(uuid.uuid4()), "value_hash": "x"}
        conn.execute(values.insert(), row | {"type": "string", "groups": []})


def test_the_downgrade_numbers_catalogs_and_values_by_creation_and_moves_the_references_back(engine):
    upgrade(engine, AFTER)
    downgrade(engine, BEFORE)
    names, owners, descriptor, configs, payloads = read(engine)
    assert names == {1: "Lista negra", 2: "Giros"}
    assert owners == {1: ("Fraude", "Lista negra"), 2: ("Comercio", "Giros"), 3: ("Servicios", "Giros")}
    assert descriptor == [field("giro", 2), field("libre", None), field("lista", 1)]
    assert configs[BLACKLIST] == {"type": "blacklist", "catalog_id": 1}
    assert payloads == {FAILED_EVENT: blacklist_event(1), OTHER_EVENT: {"catalog_id": 2}}
    with engine.begin() as conn:
        # Integer ids number themselves again.
        conn.execute(catalogs.insert(), {"name": "Nuevo", **timestamps(JAN[4])})
        assert conn.scalar(sa.select(catalogs.c.id).where(catalogs.c.name == "Nuevo")) == 3
    upgrade(engine, AFTER)
    assert sorted(read(engine)[0].values()) == ["Giros", "Lista negra", "Nuevo"]
