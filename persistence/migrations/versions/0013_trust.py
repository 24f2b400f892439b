"""API key scopes and expiry, stored idempotent responses, and the index behind code-send limits.

Revision ID: 0013_trust
Revises: 0012_list_indexes
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision = "0013_trust"
down_revision = "0012_list_indexes"
branch_labels = None
depends_on = None

Timestamp = sa.DateTime().with_variant(mysql.DATETIME(fsp=6), "mysql", "mariadb")
Blob = sa.LargeBinary().with_variant(mysql.LONGBLOB(), "mysql", "mariadb")


def upgrade() -> None:
    with op.batch_alter_table("api_keys") as batch:
        # NULL: every scope, as keys made before scopes existed keep.
        batch.add_column(sa.Column("scopes", sa.String(64), nullable=True))
        batch.add_column(sa.Column("expires_at", Timestamp, nullable=True))
    op.create_table(
        "idempotent_requests",
        # SHA-256 of the API key id and the client's Idempotency-Key: a key is private to its API key.
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("request_hash", sa.String(64), nullable=False),
        # NULL while the first request runs.
        sa.Column("status", sa.Integer, nullable=True),
        sa.Column("content_type", sa.String(128), nullable=True),
        sa.Column("body", Blob, nullable=True),
        sa.Column("created_at", Timestamp, nullable=False),
        sa.Column("expires_at", Timestamp, nullable=False),
    )
    op.create_index("ix_idempotent_requests_expires_at", "idempotent_requests", ["expires_at"])
    op.create_index(
        "ix_contact_codes_channel_destination_created_at", "contact_codes", ["channel", "destination", "created_at"]
    )


def downgrade() -> None:
    op.drop_index("ix_contact_codes_channel_destination_created_at", "contact_codes")
    op.drop_table("idempotent_requests")
    with op.batch_alter_table("api_keys") as batch:
        batch.drop_column("expires_at")
        batch.drop_column("scopes")
