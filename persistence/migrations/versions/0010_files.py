"""media, temporary files, local e-signature documents and signers

Revision ID: 0004_files
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision = "0004_files"
down_revision = "0003"
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
        "media",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("uuid", UUID, nullable=False),
        sa.Column("model_type", sa.String(length=64), nullable=False),
        sa.Column("model_id", UUID, nullable=False),
        sa.Column("collection_name", sa.String(length=255), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("file_name", sa.String(length=255), nullable=False),
        sa.Column("mime_type", sa.String(length=255), nullable=True),
        sa.Column("disk", sa.String(length=32), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("custom_properties", JSON, nullable=True),
        sa.Column("order_column", sa.Integer(), nullable=True),
        sa.Column("storage_key", sa.String(length=512), nullable=False),
        *_timestamps(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_media")),
        sa.UniqueConstraint("uuid", name=op.f("uq_media_uuid")),
    )
    op.create_index("ix_media_owner", "media", ["model_type", "model_id", "collection_name"])
    op.create_table(
        "temporary_files",
        sa.Column("id", UUID, nullable=False),
        sa.Column("file_name", sa.String(length=255), nullable=False),
        sa.Column("mime_type", sa.String(length=255), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("storage_key", sa.String(length=512), nullable=False),
        sa.Column("expires_at", TIMESTAMP, nullable=False),
        *_timestamps(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_temporary_files")),
    )
    op.create_index(op.f("ix_temporary_files_expires_at"), "temporary_files", ["expires_at"])
    op.create_table(
        "signature_documents",
        sa.Column("id", UUID, nullable=False),
        sa.Column("template_id", UUID, nullable=True),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("send_email", sa.Boolean(), nullable=False),
        sa.Column("autosigning", sa.Boolean(), nullable=False),
        sa.Column("expires_in", sa.Integer(), nullable=True),
        sa.Column("from_file", sa.Boolean(), nullable=False),
        sa.Column("last_generated_at", TIMESTAMP, nullable=True),
        sa.Column("signed_at", TIMESTAMP, nullable=True),
        *_timestamps(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_signature_documents")),
    )
    op.create_table(
        "signers",
        sa.Column("id", UUID, nullable=False),
        sa.Column("document_id", UUID, nullable=False),
        sa.Column("person_id", UUID, nullable=False),
        sa.Column("name", sa.String(length=255), nullable=True),
        sa.Column("email", sa.String(length=255), nullable=True),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("is_permanent", sa.Boolean(), nullable=False),
        sa.Column("external_person_id", sa.String(length=255), nullable=True),
        sa.Column("expires_in", sa.Integer(), nullable=True),
        sa.Column("signed_at", TIMESTAMP, nullable=True),
        sa.Column("metadata", JSON, nullable=True),
        sa.Column("fillable_elements", JSON, nullable=True),
        *_timestamps(),
        sa.ForeignKeyConstraint(
            ["document_id"], ["signature_documents.id"], name=op.f("fk_signers_document_id_signature_documents")
        ),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"], name=op.f("fk_signers_person_id_people")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_signers")),
    )
    op.create_index(op.f("ix_signers_document_id"), "signers", ["document_id"])
    op.create_index(op.f("ix_signers_person_id"), "signers", ["person_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_signers_person_id"), table_name="signers")
    op.drop_index(op.f("ix_signers_document_id"), table_name="signers")
    op.drop_table("signers")
    op.drop_table("signature_documents")
    op.drop_index(op.f("ix_temporary_files_expires_at"), table_name="temporary_files")
    op.drop_table("temporary_files")
    op.drop_index("ix_media_owner", table_name="media")
    op.drop_table("media")
