"""addresses, person references, biometric results

Revision ID: 0002_records
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision = "0002_records"
down_revision = "0001"
branch_labels = None
depends_on = None

# The column types of persistence/models/base.py, spelled out so this file never changes with them.
TIMESTAMP = sa.DateTime().with_variant(mysql.DATETIME(fsp=6), "mariadb").with_variant(mysql.DATETIME(fsp=6), "mysql")
JSON = sa.JSON().with_variant(mysql.JSON(), "mariadb").with_variant(mysql.JSON(), "mysql")
UUID = sa.String(length=36)


def _timestamps() -> list[sa.Column]:
    return [sa.Column("created_at", TIMESTAMP, nullable=False), sa.Column("updated_at", TIMESTAMP, nullable=False)]


def _person(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(["person_id"], ["people.id"], name=op.f(f"fk_{table}_person_id_people"))


def upgrade() -> None:
    op.create_table(
        "addresses",
        sa.Column("id", UUID, nullable=False),
        sa.Column("person_id", UUID, nullable=False),
        sa.Column("street", sa.String(length=255), nullable=False),
        sa.Column("ext_num", sa.String(length=50), nullable=False),
        sa.Column("int_num", sa.String(length=50), nullable=True),
        sa.Column("state", sa.String(length=64), nullable=True),
        sa.Column("state_id", sa.Integer(), nullable=True),
        sa.Column("city", sa.String(length=255), nullable=True),
        sa.Column("municipality", sa.String(length=255), nullable=False),
        sa.Column("colony", sa.String(length=255), nullable=False),
        sa.Column("zip_code", sa.String(length=10), nullable=False),
        sa.Column("references", sa.Text(), nullable=False),
        sa.Column("latitude", sa.Double(), nullable=True),
        sa.Column("longitude", sa.Double(), nullable=True),
        sa.Column("source", sa.String(length=16), nullable=True),
        sa.Column("ownership", sa.Boolean(), nullable=True),
        sa.Column("dwelling_age", sa.Integer(), nullable=True),
        sa.Column("device_coordinates", JSON, nullable=True),
        sa.Column("is_current_address", sa.Boolean(), nullable=True),
        sa.Column("verified_at", TIMESTAMP, nullable=True),
        sa.Column("metadata", JSON, nullable=True),
        *_timestamps(),
        _person("addresses"),
        sa.ForeignKeyConstraint(["state_id"], ["states.id"], name=op.f("fk_addresses_state_id_states")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_addresses")),
    )
    op.create_index(op.f("ix_addresses_person_id"), "addresses", ["person_id"], unique=False)
    op.create_index("ix_addresses_created_at_id", "addresses", ["created_at", "id"], unique=False)

    op.create_table(
        "person_references",
        sa.Column("id", UUID, nullable=False),
        sa.Column("person_id", UUID, nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("phone", sa.String(length=32), nullable=False),
        sa.Column("person_relation_id", sa.Integer(), nullable=False),
        *_timestamps(),
        _person("person_references"),
        sa.ForeignKeyConstraint(
            ["person_relation_id"],
            ["person_relations.id"],
            name=op.f("fk_person_references_person_relation_id_person_relations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_person_references")),
    )
    op.create_index(op.f("ix_person_references_person_id"), "person_references", ["person_id"], unique=False)
    op.create_index("ix_person_references_created_at_id", "person_references", ["created_at", "id"], unique=False)

    op.create_table(
        "biometrics",
        sa.Column("id", UUID, nullable=False),
        sa.Column("person_id", UUID, nullable=False),
        sa.Column("type", sa.Integer(), nullable=False),
        sa.Column("facetec_id", sa.String(length=255), nullable=True),
        sa.Column("execution_date", TIMESTAMP, nullable=True),
        sa.Column("metadata", JSON, nullable=True),
        *_timestamps(),
        _person("biometrics"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_biometrics")),
    )
    op.create_index(op.f("ix_biometrics_person_id"), "biometrics", ["person_id"], unique=False)
    op.create_index("ix_biometrics_created_at_id", "biometrics", ["created_at", "id"], unique=False)


def downgrade() -> None:
    # Dropping a table drops its indexes; MariaDB refuses to drop an index a foreign key still needs.
    for table in ("biometrics", "person_references", "addresses"):
        op.drop_table(table)
