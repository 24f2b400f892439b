"""Merge the branches of validations, files and notification channels (built side by side from 0003).

Revision ID: 0005
Revises: 0004_validations, 0004_files, 0004_channels
"""

revision = "0005"
down_revision = ("0004_validations", "0004_files", "0004_channels")
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
