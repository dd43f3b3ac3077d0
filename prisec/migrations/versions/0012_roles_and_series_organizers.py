"""Roles: administrators and organizers of named series; invitations with role and series; account events

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01 21:40:00

"""
from alembic import op
import sqlalchemy as sa

import prisec.database


# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    # Every account there is could do everything: each stays an administrator.
    with op.batch_alter_table('organizer', schema=None) as batch_op:
        batch_op.add_column(sa.Column('role', sa.Enum('admin', 'organizer', name='organizer_role', native_enum=False, create_constraint=True, length=16), nullable=False, server_default='admin'))
        batch_op.add_column(sa.Column('last_login_at', prisec.database.UTCDateTime(timezone=True), nullable=True))
    with op.batch_alter_table('organizer', schema=None) as batch_op:
        batch_op.alter_column('role', server_default=None)

    # Invitations made so far were for accounts that could do everything.
    with op.batch_alter_table('organizer_invite', schema=None) as batch_op:
        batch_op.add_column(sa.Column('email', sa.String(length=320), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('role', sa.Enum('admin', 'organizer', name='invite_role', native_enum=False, create_constraint=True, length=16), nullable=False, server_default='admin'))
        batch_op.add_column(sa.Column('withdrawn_at', prisec.database.UTCDateTime(timezone=True), nullable=True))
    with op.batch_alter_table('organizer_invite', schema=None) as batch_op:
        batch_op.alter_column('email', server_default=None)
        batch_op.alter_column('role', server_default=None)

    op.create_table('organizer_series',
    sa.Column('organizer_id', sa.Integer(), nullable=False),
    sa.Column('series_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['organizer_id'], ['organizer.id'], name=op.f('fk_organizer_series_organizer_id_organizer'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['series_id'], ['series.id'], name=op.f('fk_organizer_series_series_id_series'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('organizer_id', 'series_id', name=op.f('pk_organizer_series'))
    )
    with op.batch_alter_table('organizer_series', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_organizer_series_series_id'), ['series_id'], unique=False)

    op.create_table('organizer_invite_series',
    sa.Column('invite_id', sa.Integer(), nullable=False),
    sa.Column('series_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['invite_id'], ['organizer_invite.id'], name=op.f('fk_organizer_invite_series_invite_id_organizer_invite'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['series_id'], ['series.id'], name=op.f('fk_organizer_invite_series_series_id_series'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('invite_id', 'series_id', name=op.f('pk_organizer_invite_series'))
    )

    op.create_table('account_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', prisec.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('organizer_id', sa.Integer(), nullable=True),
    sa.Column('series_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('description', sa.String(length=500), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['organizer.id'], name=op.f('fk_account_event_actor_id_organizer'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['organizer_id'], ['organizer.id'], name=op.f('fk_account_event_organizer_id_organizer'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['series_id'], ['series.id'], name=op.f('fk_account_event_series_id_series'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_account_event'))
    )
    with op.batch_alter_table('account_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_account_event_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_account_event_series_id'), ['series_id'], unique=False)


def downgrade():
    with op.batch_alter_table('account_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_account_event_series_id'))
        batch_op.drop_index(batch_op.f('ix_account_event_created_at'))
    op.drop_table('account_event')
    op.drop_table('organizer_invite_series')
    with op.batch_alter_table('organizer_series', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_organizer_series_series_id'))
    op.drop_table('organizer_series')
    # The enums' CHECK constraints go first: SQLite's table copy would keep them otherwise.
    with op.batch_alter_table('organizer_invite', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_organizer_invite_invite_role'), type_='check')
        batch_op.drop_column('withdrawn_at')
        batch_op.drop_column('role')
        batch_op.drop_column('email')
    with op.batch_alter_table('organizer', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_organizer_organizer_role'), type_='check')
        batch_op.drop_column('last_login_at')
        batch_op.drop_column('role')
