"""temporary people, credit bureau requests

Revision ID: 0002_temporary
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision = "0002_temporary"
down_revision = "0001"
branch_labels = None
depends_on = None

# The column types of persistence/models/base.py, spelled out so this file never changes with them.
TIMESTAMP = sa.DateTime().with_variant(mysql.DATETIME(fsp=6), "mariadb").with_variant(mysql.DATETIME(fsp=6), "mysql")
JSON = sa.JSON().with_variant(mysql.JSON(), "mariadb").with_variant(mysql.JSON(), "mysql")
UUID = sa.String(length=36)


def _timestamps() -> list[sa.Column]:
    return [sa.Column("created_at", TIMESTAMP, nullable=False), sa.Column("updated_at", TIMESTAMP, nullable=False)]


def upgrade() -> None:
    op.create_table(
        "temporary_people",
        sa.Column("id", UUID, nullable=False),
        sa.Column("facetec_ref_id", sa.String(length=255), nullable=True),
        sa.Column("external_ref_id", sa.String(length=255), nullable=True),
        sa.Column("callback_url", sa.String(length=2048), nullable=True),
        sa.Column("name", sa.String(length=255), nullable=True),
        sa.Column("first_lastname", sa.String(length=255), nullable=True),
        sa.Column("second_lastname", sa.String(length=255), nullable=True),
        sa.Column("national_id", sa.String(length=18), nullable=True),
        sa.Column("tax_id", sa.String(length=13), nullable=True),
        sa.Column("birthdate", sa.Date(), nullable=True),
        sa.Column("gender", sa.String(length=6), nullable=True),
        sa.Column("extra_data", JSON, nullable=True),
        # A Fernet token of the JSON (persistence.models.temporary_people.EncryptedJson).
        sa.Column("bank_data", sa.Text(), nullable=True),
        sa.Column("employment_data", JSON, nullable=True),
        sa.Column("person_id", UUID, nullable=True),
        *_timestamps(),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"], name=op.f("fk_temporary_people_person_id_people")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_temporary_people")),
        sa.UniqueConstraint("person_id", name=op.f("uq_temporary_people_person_id")),
    )
    op.create_index("ix_temporary_people_created_at_id", "temporary_people", ["created_at", "id"], unique=False)

    op.create_table(
        "credit_bureau_requests",
        sa.Column("id", UUID, nullable=False),
        sa.Column("person_id", UUID, nullable=False),
        sa.Column("report_provider", sa.String(length=16), nullable=True),
        sa.Column("report_type", sa.String(length=16), nullable=True),
        sa.Column("verification_code", sa.String(length=255), nullable=True),
        sa.Column("verification_contact", sa.String(length=255), nullable=True),
        sa.Column("config", JSON, nullable=True),
        *_timestamps(),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"], name=op.f("fk_credit_bureau_requests_person_id_people")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credit_bureau_requests")),
    )
    op.create_index(op.f("ix_credit_bureau_requests_person_id"), "credit_bureau_requests", ["person_id"], unique=False)
    op.create_index(
        "ix_credit_bureau_requests_created_at_id", "credit_bureau_requests", ["created_at", "id"], unique=False
    )


def downgrade() -> None:
    # Dropping a table drops its indexes; MariaDB refuses to drop an index a foreign key still needs.
    for table in ("credit_bureau_requests", "temporary_people"):
        op.drop_table(table)
