"""contact data and its verification codes

Revision ID: 0002_contact
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision = "0002_contact"
down_revision = "0001"
branch_labels = None
depends_on = None

# DATETIME(6) on MariaDB, as persistence.models.base.Timestamp declares it.
TIMESTAMP = sa.DateTime().with_variant(mysql.DATETIME(fsp=6), "mariadb").with_variant(mysql.DATETIME(fsp=6), "mysql")


def upgrade() -> None:
    op.create_table(
        "contact_data",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("person_id", sa.String(length=36), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("phone", sa.String(length=32), nullable=True),
        sa.Column("email_confirmation", sa.Boolean(), nullable=False),
        sa.Column("sms_confirmation", sa.Boolean(), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("updated_at", TIMESTAMP, nullable=False),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"], name=op.f("fk_contact_data_person_id_people")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contact_data")),
    )
    with op.batch_alter_table("contact_data", schema=None) as batch_op:
        batch_op.create_index("ix_contact_data_created_at_id", ["created_at", "id"], unique=False)
        batch_op.create_index(batch_op.f("ix_contact_data_person_id"), ["person_id"], unique=False)

    op.create_table(
        "contact_codes",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("contact_data_id", sa.String(length=36), nullable=False),
        sa.Column("channel", sa.String(length=8), nullable=False),
        sa.Column("destination", sa.String(length=254), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("expires_at", TIMESTAMP, nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("consumed_at", TIMESTAMP, nullable=True),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("updated_at", TIMESTAMP, nullable=False),
        sa.ForeignKeyConstraint(
            ["contact_data_id"],
            ["contact_data.id"],
            name=op.f("fk_contact_codes_contact_data_id_contact_data"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contact_codes")),
    )
    with op.batch_alter_table("contact_codes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_contact_codes_contact_data_id"), ["contact_data_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("contact_codes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_contact_codes_contact_data_id"))
    op.drop_table("contact_codes")
    with op.batch_alter_table("contact_data", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_contact_data_person_id"))
        batch_op.drop_index("ix_contact_data_created_at_id")
    op.drop_table("contact_data")
