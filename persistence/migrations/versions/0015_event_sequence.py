"""Outbox events get a sequence number from the database, and channels the number they start after.

A channel receives the events written after it was created (or turned back on), not those still waiting
for the relay then. Which came first is told by `outbox_events.seq`, numbered by the database in the
order rows are written, against the `notification_channels.events_after` recorded with the channel: the
clocks of the API processes, which stamp `created_at`, may disagree with each other. MariaDB numbers rows
with AUTO_INCREMENT (on Galera each node hands out its own interleaved values, above every value it has
applied); SQLite, which has it only on an INTEGER PRIMARY KEY, numbers them with a trigger, safely since
it has one writer at a time. Existing events are numbered in the order they were written; existing
channels keep receiving every event (`events_after` null). On SQLite a later batch migration of
`outbox_events` rebuilds the table without its triggers: it must create TRIGGER again.

Revision ID: 0015_event_sequence
Revises: 0014_custom_catalog_uuids
"""

import sqlalchemy as sa
from alembic import op

revision = "0015_event_sequence"
down_revision = "0014_custom_catalog_uuids"
branch_labels = None
depends_on = None

TRIGGER = """
CREATE TRIGGER outbox_events_seq AFTER INSERT ON outbox_events FOR EACH ROW WHEN NEW.seq IS NULL
BEGIN
    UPDATE outbox_events SET seq = (SELECT COALESCE(MAX(seq), 0) + 1 FROM outbox_events) WHERE rowid = NEW.rowid;
END
"""


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.add_column("outbox_events", sa.Column("seq", sa.BigInteger(), nullable=True))
        op.execute("UPDATE outbox_events SET seq = rowid")  # no event was ever deleted: the write order
        op.create_index("uq_outbox_events_seq", "outbox_events", ["seq"], unique=True)
        op.execute(TRIGGER)
    else:
        # InnoDB numbers the existing rows as it rebuilds the table; AUTO_INCREMENT needs the column keyed.
        op.execute(
            "ALTER TABLE outbox_events ADD COLUMN seq BIGINT NOT NULL AUTO_INCREMENT, "
            "ADD CONSTRAINT uq_outbox_events_seq UNIQUE (seq)"
        )
    op.add_column("notification_channels", sa.Column("events_after", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("notification_channels") as batch:
        batch.drop_column("events_after")
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER outbox_events_seq")
        op.drop_index("uq_outbox_events_seq", "outbox_events")
        with op.batch_alter_table("outbox_events") as batch:
            batch.drop_column("seq")
    else:
        op.execute("ALTER TABLE outbox_events DROP COLUMN seq")
