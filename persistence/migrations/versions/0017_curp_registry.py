"""The CURP registry's local table, which operators load from a CSV (`personas registry load`).

Revision ID: 0017_curp_registry
Revises: 0016_address_source_text
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision = "0017_curp_registry"
down_revision = "0016_address_source_text"
branch_labels = None
depends_on = None

# DATETIME(6) on MariaDB, as persistence.models.base.Timestamp declares it.
TIMESTAMP = sa.DateTime().with_variant(mysql.DATETIME(fsp=6), "mysql", "mariadb")


def upgrade() -> None:
    op.create_table(
        "curp_registry",
        sa.Column("curp", sa.String(18), nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("first_lastname", sa.String(255), nullable=False),
        sa.Column("second_lastname", sa.String(255), nullable=True),
        sa.Column("sex", sa.String(1), nullable=False),
        sa.Column("birthdate", sa.Date(), nullable=False),
        sa.Column("birth_state", sa.String(2), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("status_detail", sa.String(255), nullable=True),
        sa.Column("loaded_at", TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("curp", name="pk_curp_registry"),
    )


def downgrade() -> None:
    op.drop_table("curp_registry")
