"""Custom catalogs and their values get UUID v4 ids, as the seed gives them; every reference to them follows.

Each existing catalog and value gets a new random id. References move with them: the values' `custom_catalog_id`,
the `catalog_id` of dynamic properties' descriptor fields and of blacklist validations' configs, and that config
inside the validation events still in the outbox (a delivery sends the payload as stored). Lists now go by
(created_at, id), with indexes to match. A reference naming no catalog (none can: catalogs are never deleted)
becomes null. The downgrade numbers catalogs and values 1, 2, ... in list order and rewrites the same
references back.

Revision ID: 0014_custom_catalog_uuids
Revises: 0013_trust
"""

import uuid

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision = "0014_custom_catalog_uuids"
down_revision = "0013_trust"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(mysql.JSON(), "mysql", "mariadb")
BATCH = 1000
FOREIGN_KEY = "fk_custom_catalog_values_custom_catalog_id_custom_catalogs"
UNIQUE = "uq_custom_catalog_values_catalog_value"
OLD_INDEX = "ix_custom_catalog_values_custom_catalog_id"
INDEXES = (
    ("ix_custom_catalogs_created_at_id", "custom_catalogs", ["created_at", "id"]),
    ("ix_custom_catalog_values_created_at_id", "custom_catalog_values", ["created_at", "id"]),
    (
        "ix_custom_catalog_values_custom_catalog_id_created_at_id",
        "custom_catalog_values",
        ["custom_catalog_id", "created_at", "id"],
    ),
)
VALIDATION_EVENTS = ("person_pass_validation", "person_fail_validation")

catalogs = sa.table("custom_catalogs", sa.column("id"), sa.column("new_id"), sa.column("created_at", sa.DateTime()))
values = sa.table(
    "custom_catalog_values",
    sa.column("id"),
    sa.column("new_id"),
    sa.column("custom_catalog_id"),
    sa.column("new_catalog_id"),
    sa.column("created_at", sa.DateTime()),
)
properties = sa.table("dynamic_properties", sa.column("id"), sa.column("descriptor", JSON))
validations = sa.table("validations", sa.column("id"), sa.column("class"), sa.column("config", JSON))
events = sa.table("outbox_events", sa.column("id"), sa.column("name"), sa.column("payload", JSON))


def upgrade() -> None:
    bind = op.get_bind()
    _add_new_columns(sa.String(36))
    catalog_ids = {row.id: str(uuid.uuid4()) for row in _rows(bind, [catalogs.c.id])}
    _set_new_ids(bind, catalogs, catalog_ids.items())
    _set_new_ids(bind, values, ((row.id, str(uuid.uuid4())) for row in _rows(bind, [values.c.id])))
    _set_new_catalog_ids(bind)
    _rewrite_references(bind, catalog_ids)
    _swap_columns(sa.String(36), to_integers=False)


def downgrade() -> None:
    bind = op.get_bind()
    _add_new_columns(sa.Integer())
    ordered = _rows(bind, [catalogs.c.created_at, catalogs.c.id])
    catalog_ids = {row.id: number for number, row in enumerate(ordered, start=1)}
    _set_new_ids(bind, catalogs, catalog_ids.items())
    ordered = _rows(bind, [values.c.created_at, values.c.id])
    _set_new_ids(bind, values, ((row.id, number) for number, row in enumerate(ordered, start=1)))
    _set_new_catalog_ids(bind)
    _rewrite_references(bind, catalog_ids)
    _swap_columns(sa.Integer(), to_integers=True)


def _add_new_columns(kind) -> None:
    op.add_column("custom_catalogs", sa.Column("new_id", kind, nullable=True))
    op.add_column("custom_catalog_values", sa.Column("new_id", kind, nullable=True))
    op.add_column("custom_catalog_values", sa.Column("new_catalog_id", kind, nullable=True))


def _rows(bind, key: list, *extra, where=None):
    """Rows of `key`'s table in `key` order (its last column unique), with the `extra` columns, read a batch at
    a time by keyset: a large table is neither held in memory nor walked by OFFSET, and the caller may write to
    it between batches."""
    stmt = sa.select(*key, *extra).order_by(*key).limit(BATCH)
    if where is not None:
        stmt = stmt.where(where)
    last = None
    while True:
        after = stmt if last is None else stmt.where(sa.tuple_(*key) > sa.tuple_(*last))
        rows = bind.execute(after).all()
        yield from rows
        if len(rows) < BATCH:
            return
        last = tuple(rows[-1])[: len(key)]


def _set_new_ids(bind, table, pairs) -> None:
    """`new_id` of each row from (id, new id) pairs, written a batch at a time."""
    update = table.update().where(table.c.id == sa.bindparam("old")).values(new_id=sa.bindparam("new"))
    batch = []
    for old, new in pairs:
        batch.append({"old": old, "new": new})
        if len(batch) == BATCH:
            bind.execute(update, batch)
            batch = []
    if batch:
        bind.execute(update, batch)


def _set_new_catalog_ids(bind) -> None:
    # A correlated subquery: the one form of UPDATE from another table that SQLite and MariaDB both take.
    parent = sa.select(catalogs.c.new_id).where(catalogs.c.id == values.c.custom_catalog_id).scalar_subquery()
    bind.execute(values.update().values(new_catalog_id=parent))


def _moved(reference, mapping):
    """The new id of a stored catalog reference; one naming no catalog becomes None, and None stays."""
    if reference is None or isinstance(reference, bool) or not isinstance(reference, int | str):
        return None
    return mapping.get(reference)


def _moved_config(config, mapping):
    if not isinstance(config, dict) or "catalog_id" not in config:
        return config
    return config | {"catalog_id": _moved(config["catalog_id"], mapping)}


def _rewrite_references(bind, mapping) -> None:
    """The catalog references held in JSON columns, through `mapping` (old id -> new id)."""
    for row in _rows(bind, [properties.c.id], properties.c.descriptor):
        descriptor = [
            field | {"catalog_id": _moved(field.get("catalog_id"), mapping)} if isinstance(field, dict) else field
            for field in row.descriptor or []
        ]
        if descriptor != row.descriptor:
            bind.execute(properties.update().where(properties.c.id == row.id).values(descriptor=descriptor))
    blacklists = validations.c["class"] == "blacklist"
    for row in _rows(bind, [validations.c.id], validations.c.config, where=blacklists):
        config = _moved_config(row.config, mapping)
        if config != row.config:
            bind.execute(validations.update().where(validations.c.id == row.id).values(config=config))
    # Validation events carry the validation's view, config included; their deliveries send it as stored.
    ofvalidations = events.c.name.in_(VALIDATION_EVENTS)
    for row in _rows(bind, [events.c.id], events.c.payload, where=ofvalidations):
        validation = row.payload.get("validation") if isinstance(row.payload, dict) else None
        if not isinstance(validation, dict) or validation.get("class") != "blacklist":
            continue
        config = _moved_config(validation.get("config"), mapping)
        if config != validation.get("config"):
            payload = row.payload | {"validation": validation | {"config": config}}
            bind.execute(events.update().where(events.c.id == row.id).values(payload=payload))


def _swap_columns(new_kind, to_integers: bool) -> None:
    """The new columns take the old ones' names, then the keys and indexes.

    The values lose their foreign key first and get it back last: with SQLite's foreign keys on, the catalogs'
    table cannot be copied over (batch mode) while another table refers to it. Keys come in a batch of their own,
    after the renames: SQLite's batch mode drops a key on a column renamed in the same batch.
    """
    if to_integers:
        for name, table, _ in INDEXES:
            op.drop_index(name, table_name=table)
    with op.batch_alter_table("custom_catalog_values") as batch:
        batch.drop_constraint(FOREIGN_KEY, type_="foreignkey")
        batch.drop_constraint(UNIQUE, type_="unique")
        if not to_integers:
            batch.drop_index(OLD_INDEX)
        batch.drop_column("id")
        batch.drop_column("custom_catalog_id")
        batch.alter_column(
            "new_catalog_id", new_column_name="custom_catalog_id", existing_type=new_kind, nullable=False
        )
        batch.alter_column("new_id", new_column_name="id", existing_type=new_kind, nullable=False)
    with op.batch_alter_table("custom_catalogs") as batch:
        batch.drop_column("id")
        batch.alter_column("new_id", new_column_name="id", existing_type=new_kind, nullable=False)
    with op.batch_alter_table("custom_catalogs") as batch:
        batch.create_primary_key("pk_custom_catalogs", ["id"])
    _auto_increment("custom_catalogs", to_integers)
    with op.batch_alter_table("custom_catalog_values") as batch:
        batch.create_primary_key("pk_custom_catalog_values", ["id"])
        batch.create_unique_constraint(UNIQUE, ["custom_catalog_id", "value_hash"])
        batch.create_foreign_key(FOREIGN_KEY, "custom_catalogs", ["custom_catalog_id"], ["id"])
    _auto_increment("custom_catalog_values", to_integers)
    if to_integers:
        op.create_index(OLD_INDEX, "custom_catalog_values", ["custom_catalog_id"])
    else:
        for name, table, columns in INDEXES:
            op.create_index(name, table, columns)


def _auto_increment(table: str, wanted: bool) -> None:
    """Integer ids are AUTO_INCREMENT on MariaDB again once they are the primary key (SQLite's INTEGER PRIMARY KEY
    numbers rows by itself)."""
    if wanted and op.get_bind().dialect.name in ("mysql", "mariadb"):
        op.alter_column(table, "id", existing_type=sa.Integer(), nullable=False, autoincrement=True)
