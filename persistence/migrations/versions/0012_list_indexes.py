"""Composite indexes for the lists' orderings, so deep pages and cursors seek instead of scanning.

Revision ID: 0012_list_indexes
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0012_list_indexes"
down_revision = "0005"
branch_labels = None
depends_on = None

# Lists filtered by person, newest first: WHERE person_id = ? ORDER BY created_at DESC, id DESC.
PERSON_RECORDS = (
    "addresses",
    "bank_data",
    "biometrics",
    "contact_data",
    "credit_bureau_requests",
    "employment_data",
    "financial_data",
    "person_references",
)

INDEXES = (
    # GET /people: WHERE deleted_at IS NULL [AND people_group_id = ?] ORDER BY created_at DESC, id DESC.
    ("ix_people_alive_created_at_id", "people", ["deleted_at", "created_at", "id"]),
    ("ix_people_group_alive_created_at_id", "people", ["people_group_id", "deleted_at", "created_at", "id"]),
    *((f"ix_{table}_person_id_created_at_id", table, ["person_id", "created_at", "id"]) for table in PERSON_RECORDS),
    ("ix_history_person_id_created_at_id", "history", ["person_id", "created_at", "id"]),
    ("ix_dynamic_values_created_at_version_id", "dynamic_values", ["created_at", "version", "id"]),
    ("ix_dynamic_values_person_id_created_at", "dynamic_values", ["person_id", "created_at", "version", "id"]),
)


def upgrade() -> None:
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns)
    # A prefix of ix_history_person_id_created_at_id, which replaces it.
    op.drop_index("ix_history_person_id_created_at", table_name="history")


def downgrade() -> None:
    op.create_index("ix_history_person_id_created_at", "history", ["person_id", "created_at"])
    bind = op.get_bind()
    others = [
        ix
        for ix in sa.inspect(bind).get_indexes("people")
        if ix["column_names"][:1] == ["people_group_id"] and ix["name"] != "ix_people_group_alive_created_at_id"
    ]
    if bind.dialect.name in ("mysql", "mariadb") and not others:
        # InnoDB may have dropped the index it made for this foreign key once ours could serve it: give one back.
        op.create_index("fk_people_people_group_id_people_groups", "people", ["people_group_id"])
    for name, table, _ in reversed(INDEXES):
        op.drop_index(name, table_name=table)
