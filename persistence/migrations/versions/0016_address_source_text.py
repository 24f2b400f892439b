"""An address's `source` is free text of up to 64 characters, as the seed has it, no longer `ine` or `declared`.

The column widens from 16 to 64 characters; stored values stay as they are (`ine` keeps marking the address
read from the INE credential). The downgrade cuts longer values to 16 characters first, since MariaDB
refuses to narrow a column below a value it holds.

Revision ID: 0016_address_source_text
Revises: 0015_event_sequence
"""

import sqlalchemy as sa
from alembic import op

revision = "0016_address_source_text"
down_revision = "0015_event_sequence"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("addresses") as batch:
        batch.alter_column("source", existing_type=sa.String(16), type_=sa.String(64), existing_nullable=True)


def downgrade() -> None:
    op.execute("UPDATE addresses SET source = SUBSTR(source, 1, 16) WHERE LENGTH(source) > 16")
    with op.batch_alter_table("addresses") as batch:
        batch.alter_column("source", existing_type=sa.String(64), type_=sa.String(16), existing_nullable=True)
