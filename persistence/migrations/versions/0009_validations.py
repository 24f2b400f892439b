"""validations and validation results

Revision ID: 0004_validations
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision = "0004_validations"
down_revision = "0003"
branch_labels = None
depends_on = None

TIMESTAMP = sa.DateTime().with_variant(mysql.DATETIME(fsp=6), "mariadb").with_variant(mysql.DATETIME(fsp=6), "mysql")
JSON = sa.JSON().with_variant(mysql.JSON(), "mariadb").with_variant(mysql.JSON(), "mysql")


def _timestamps():
    return [sa.Column("created_at", TIMESTAMP, nullable=False), sa.Column("updated_at", TIMESTAMP, nullable=False)]


def upgrade() -> None:
    op.create_table(
        "validations",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("class", sa.String(length=32), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("config", JSON, nullable=False),
        sa.Column("execution_type", sa.String(length=16), nullable=False),
        sa.Column("allow_retry", sa.Boolean(), nullable=False),
        *_timestamps(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_validations")),
    )
    op.create_index("ix_validations_created_at_id", "validations", ["created_at", "id"])
    op.create_table(
        "validation_results",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("model_type", sa.String(length=32), nullable=False),
        sa.Column("model_id", sa.String(length=36), nullable=False),
        sa.Column("validation_id", sa.String(length=36), nullable=False),
        sa.Column("status", sa.Integer(), nullable=False),
        sa.Column("content", JSON, nullable=True),
        sa.Column("metadata", JSON, nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("retries", sa.Integer(), nullable=False),
        sa.Column("executed_at", TIMESTAMP, nullable=True),
        *_timestamps(),
        sa.ForeignKeyConstraint(
            ["validation_id"], ["validations.id"], name=op.f("fk_validation_results_validation_id_validations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_validation_results")),
    )
    op.create_index(op.f("ix_validation_results_validation_id"), "validation_results", ["validation_id"])
    op.create_index("ix_validation_results_model_id_created_at", "validation_results", ["model_id", "created_at"])
    op.create_index("ix_validation_results_created_at_id", "validation_results", ["created_at", "id"])


def downgrade() -> None:
    op.drop_table("validation_results")
    op.drop_table("validations")
