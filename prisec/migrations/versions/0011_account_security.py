"""Accounts the server can end: session generations, successful logins, one-time account links

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01 21:30:00

"""
from alembic import op
import sqlalchemy as sa

import prisec.database


# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('organizer', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('session_generation', sa.Integer(), nullable=False, server_default='0')
        )

    with op.batch_alter_table('login_attempt', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('succeeded', sa.Boolean(), nullable=False, server_default=sa.false())
        )

    op.create_table(
        'account_token',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('purpose', sa.String(length=20), nullable=False),
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('organizer_id', sa.Integer(), nullable=False),
        sa.Column('new_email', sa.String(length=320), nullable=True),
        sa.Column('created_at', prisec.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column('expires_at', prisec.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column('used_at', prisec.database.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ['organizer_id'], ['organizer.id'],
            name=op.f('fk_account_token_organizer_id_organizer'), ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_account_token')),
        sa.UniqueConstraint('token_hash', name=op.f('uq_account_token_token_hash')),
    )
    with op.batch_alter_table('account_token', schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f('ix_account_token_organizer_id'), ['organizer_id'], unique=False
        )


def downgrade():
    with op.batch_alter_table('account_token', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_account_token_organizer_id'))
    op.drop_table('account_token')
    with op.batch_alter_table('login_attempt', schema=None) as batch_op:
        batch_op.drop_column('succeeded')
    with op.batch_alter_table('organizer', schema=None) as batch_op:
        batch_op.drop_column('session_generation')
