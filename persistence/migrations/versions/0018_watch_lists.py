"""Watch lists for name screening, their entries, and the reviews of screening matches.

Revision ID: 0018_watch_lists
Revises: 0017_curp_registry
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision = "0018_watch_lists"
down_revision = "0017_curp_registry"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(mysql.JSON(), "mysql", "mariadb")
TIMESTAMP = sa.DateTime().with_variant(mysql.DATETIME(fsp=6), "mysql", "mariadb")


def upgrade() -> None:
    op.create_table(
        "watch_lists",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("format", sa.String(32), nullable=False),
        sa.Column("source", sa.String(255), nullable=True),
        sa.Column("version", sa.String(255), nullable=True),
        sa.Column("entries", sa.Integer(), nullable=False),
        sa.Column("load_id", sa.String(36), nullable=False),
        sa.Column("loaded_at", TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_watch_lists"),
        sa.UniqueConstraint("name", name="uq_watch_lists_name"),
    )
    op.create_table(
        "watch_list_entries",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("watch_list_id", sa.String(36), nullable=False),
        sa.Column("entry_id", sa.String(64), nullable=False),
        sa.Column("names", JSON, nullable=False),
        sa.Column("curp", sa.String(18), nullable=True),
        sa.Column("rfc", sa.String(13), nullable=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_watch_list_entries"),
        sa.ForeignKeyConstraint(
            ["watch_list_id"],
            ["watch_lists.id"],
            name="fk_watch_list_entries_watch_list_id_watch_lists",
            ondelete="CASCADE",
        ),
        sa.UniqueConstraint("watch_list_id", "entry_id", name="uq_watch_list_entries_list_entry"),
    )
    op.create_index("ix_watch_list_entries_curp", "watch_list_entries", ["curp"])
    op.create_index("ix_watch_list_entries_rfc", "watch_list_entries", ["rfc"])
    op.create_table(
        "screening_reviews",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("validation_result_id", sa.String(36), nullable=False),
        sa.Column("person_id", sa.String(36), nullable=False),
        sa.Column("list_name", sa.String(64), nullable=False),
        sa.Column("entry_id", sa.String(64), nullable=False),
        sa.Column("entry_digest", sa.String(64), nullable=False),
        sa.Column("matched_name", sa.Text(), nullable=True),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column("decision", sa.String(16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("api_key_id", sa.String(36), nullable=True),
        sa.Column("api_key_name", sa.String(255), nullable=True),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_screening_reviews"),
        sa.ForeignKeyConstraint(
            ["validation_result_id"],
            ["validation_results.id"],
            name="fk_screening_reviews_validation_result_id_validation_results",
        ),
    )
    op.create_index(
        "ix_screening_reviews_person_id_list_entry", "screening_reviews", ["person_id", "list_name", "entry_id"]
    )
    op.create_index("ix_screening_reviews_validation_result_id", "screening_reviews", ["validation_result_id"])


def downgrade() -> None:
    op.drop_table("screening_reviews")
    op.drop_table("watch_list_entries")
    op.drop_table("watch_lists")
