"""custom catalogs and their values, dynamic properties and dynamic values

Revision ID: 0002_dynamic
Revises: 0001
"""

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import mysql

revision = '0002_dynamic'
down_revision = '0001'
branch_labels = None
depends_on = None

TIMESTAMP = sa.DateTime().with_variant(mysql.DATETIME(fsp=6), 'mariadb').with_variant(mysql.DATETIME(fsp=6), 'mysql')
JSON = sa.JSON().with_variant(mysql.JSON(), 'mariadb').with_variant(mysql.JSON(), 'mysql')


def _timestamps():
    return [sa.Column('created_at', TIMESTAMP, nullable=False), sa.Column('updated_at', TIMESTAMP, nullable=False)]


def upgrade() -> None:
    op.create_table('custom_catalogs',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    *_timestamps(),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_custom_catalogs'))
    )
    op.create_table('custom_catalog_values',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('custom_catalog_id', sa.Integer(), nullable=False),
    sa.Column('label', sa.String(length=255), nullable=False),
    sa.Column('type', sa.String(length=16), nullable=False),
    sa.Column('value', JSON, nullable=False),
    sa.Column('value_hash', sa.String(length=64), nullable=False),
    sa.Column('groups', JSON, nullable=True),
    *_timestamps(),
    sa.ForeignKeyConstraint(['custom_catalog_id'], ['custom_catalogs.id'], name=op.f('fk_custom_catalog_values_custom_catalog_id_custom_catalogs')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_custom_catalog_values')),
    sa.UniqueConstraint('custom_catalog_id', 'value_hash', name=op.f('uq_custom_catalog_values_catalog_value'))
    )
    with op.batch_alter_table('custom_catalog_values', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_custom_catalog_values_custom_catalog_id'), ['custom_catalog_id'], unique=False)

    op.create_table('dynamic_properties',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('key', sa.String(length=255), nullable=False),
    sa.Column('descriptor', JSON, nullable=False),
    *_timestamps(),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dynamic_properties')),
    sa.UniqueConstraint('key', name=op.f('uq_dynamic_properties_key'))
    )
    op.create_table('dynamic_values',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('person_id', sa.String(length=36), nullable=False),
    sa.Column('dynamic_property_id', sa.String(length=36), nullable=False),
    sa.Column('field_values', JSON, nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    *_timestamps(),
    sa.ForeignKeyConstraint(['dynamic_property_id'], ['dynamic_properties.id'], name=op.f('fk_dynamic_values_dynamic_property_id_dynamic_properties')),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_dynamic_values_person_id_people')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dynamic_values')),
    sa.UniqueConstraint('person_id', 'dynamic_property_id', 'version', name=op.f('uq_dynamic_values_person_property_version'))
    )
    with op.batch_alter_table('dynamic_values', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_dynamic_values_dynamic_property_id'), ['dynamic_property_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('dynamic_values', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_dynamic_values_dynamic_property_id'))
    op.drop_table('dynamic_values')
    op.drop_table('dynamic_properties')
    with op.batch_alter_table('custom_catalog_values', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_custom_catalog_values_custom_catalog_id'))
    op.drop_table('custom_catalog_values')
    op.drop_table('custom_catalogs')
