"""Cache versions per scope (the site, each series, each talk) instead of one site-wide counter

Revision ID: 0014
Revises: 0015
Create Date: 2026-12-01 21:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0014'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'cache_scope',
        sa.Column('name', sa.String(length=80), nullable=False),
        sa.Column('version', sa.BigInteger(), nullable=False),
        sa.Column('changed_us', sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint('name', name=op.f('pk_cache_scope')),
    )
    op.drop_table('site_state')


def downgrade():
    site_state = op.create_table(
        'site_state',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('data_version', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_site_state')),
    )
    op.bulk_insert(site_state, [{'id': 1, 'data_version': 1}])
    op.drop_table('cache_scope')
