"""Merge the branches of the person-records tables (built side by side from 0001).

Revision ID: 0003
Revises: 0002_records, 0002_contact, 0002_finance, 0002_temporary, 0002_dynamic
"""

revision = "0003"
down_revision = ("0002_records", "0002_contact", "0002_finance", "0002_temporary", "0002_dynamic")
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
