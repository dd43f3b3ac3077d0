"""A series' default live stream and location for new talks, a cancelled talk's note

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-02 06:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('series', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('livestream_url', sa.String(length=2000), nullable=False, server_default='')
        )
        batch_op.add_column(
            sa.Column('location', sa.String(length=300), nullable=False, server_default='')
        )
    with op.batch_alter_table('talk', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('cancel_note', sa.String(length=1000), nullable=False, server_default='')
        )


def downgrade():
    # SQLite drops a column by copying the table: talks point at their series (and revisions
    # and speakers at talks), so the foreign keys wait while the copy replaces it.
    sqlite = op.get_bind().dialect.name == 'sqlite'
    if sqlite:
        op.execute('PRAGMA foreign_keys=OFF')
    with op.batch_alter_table('talk', schema=None) as batch_op:
        batch_op.drop_column('cancel_note')
    with op.batch_alter_table('series', schema=None) as batch_op:
        batch_op.drop_column('location')
        batch_op.drop_column('livestream_url')
    if sqlite:
        op.execute('PRAGMA foreign_keys=ON')
