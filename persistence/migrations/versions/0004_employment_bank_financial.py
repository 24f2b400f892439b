"""employment, bank and financial data of people

Revision ID: 0002_finance
Revises: 0001

Account, CLABE and card number hold Fernet tokens (persistence/crypto.py), hence String(255).
"""

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import mysql

revision = '0002_finance'
down_revision = '0001'
branch_labels = None
depends_on = None


def _timestamp():
    return sa.DateTime().with_variant(mysql.DATETIME(fsp=6), 'mariadb').with_variant(mysql.DATETIME(fsp=6), 'mysql')


def _json():
    return sa.JSON().with_variant(mysql.JSON(), 'mariadb').with_variant(mysql.JSON(), 'mysql')


def _record_columns(table):
    """id, person_id and the timestamps every person's record has, with their keys."""
    return [
        sa.Column('id', sa.String(length=36), nullable=False),
        sa.Column('person_id', sa.String(length=36), nullable=False),
        sa.Column('created_at', _timestamp(), nullable=False),
        sa.Column('updated_at', _timestamp(), nullable=False),
        sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f(f'fk_{table}_person_id_people')),
        sa.PrimaryKeyConstraint('id', name=op.f(f'pk_{table}')),
    ]


def _indexes(table):
    with op.batch_alter_table(table, schema=None) as batch_op:
        batch_op.create_index(f'ix_{table}_created_at_id', ['created_at', 'id'], unique=False)
        batch_op.create_index(batch_op.f(f'ix_{table}_person_id'), ['person_id'], unique=False)


def upgrade() -> None:
    op.create_table('employment_data',
    *_record_columns('employment_data'),
    sa.Column('current_occupation', sa.String(length=255), nullable=True),
    sa.Column('position', sa.String(length=255), nullable=True),
    sa.Column('industry', sa.String(length=255), nullable=True),
    sa.Column('company_name', sa.String(length=255), nullable=True),
    sa.Column('company_phone', sa.String(length=30), nullable=True),
    sa.Column('company_address', sa.String(length=1000), nullable=True),
    sa.Column('seniority', sa.Integer(), nullable=True),
    sa.Column('employee_id', sa.String(length=36), nullable=True),
    sa.Column('employee_type', sa.String(length=255), nullable=True),
    sa.Column('employee_status', sa.String(length=255), nullable=True),
    sa.Column('hiring_date', sa.Date(), nullable=True),
    sa.Column('termination_date', sa.Date(), nullable=True),
    sa.Column('payment_frequency', sa.String(length=255), nullable=True),
    sa.Column('gross_salary', sa.Numeric(precision=18, scale=2), nullable=True),
    sa.Column('net_salary', sa.Numeric(precision=18, scale=2), nullable=True),
    )
    _indexes('employment_data')

    op.create_table('bank_data',
    *_record_columns('bank_data'),
    sa.Column('bank', sa.String(length=255), nullable=False),
    sa.Column('account', sa.String(length=255), nullable=False),
    sa.Column('clabe', sa.String(length=255), nullable=False),
    sa.Column('card_number', sa.String(length=255), nullable=True),
    sa.Column('validated_at', _timestamp(), nullable=True),
    )
    _indexes('bank_data')

    op.create_table('financial_data',
    *_record_columns('financial_data'),
    sa.Column('monthly_income', sa.Numeric(precision=18, scale=2), nullable=True),
    sa.Column('monthly_expenses', sa.Numeric(precision=18, scale=2), nullable=True),
    sa.Column('dependents', sa.Integer(), nullable=True),
    sa.Column('metadata', _json(), nullable=True),
    )
    _indexes('financial_data')


def downgrade() -> None:
    # Dropping a table drops its indexes (MariaDB refuses to drop the one its foreign key uses first).
    for table in ('financial_data', 'bank_data', 'employment_data'):
        op.drop_table(table)
