"""Series can be moved to the trash, and the demo series is marked as such

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01 21:30:00

"""
from alembic import op
import sqlalchemy as sa

import prisec.database


# revision identifiers, used by Alembic.
revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    # Plain ADD COLUMN on every engine: a batch copy of the table on SQLite would drop the
    # old one, which talks reference, and SQLite refuses that while foreign keys are on.
    op.add_column(
        'series', sa.Column('is_demo', sa.Boolean(), nullable=False, server_default=sa.false())
    )
    op.add_column(
        'series', sa.Column('deleted_at', prisec.database.UTCDateTime(timezone=True), nullable=True)
    )

    # A demo seeded before this revision: the PriSec-ML series that no organizer ever edited
    # (every revision of its talks is the seed's, without an author).
    series = sa.table(
        'series', sa.column('id', sa.Integer), sa.column('slug', sa.String),
        sa.column('is_demo', sa.Boolean),
    )
    talk = sa.table('talk', sa.column('id', sa.Integer), sa.column('series_id', sa.Integer))
    revision_table = sa.table(
        'talk_revision', sa.column('talk_id', sa.Integer), sa.column('organizer_id', sa.Integer)
    )
    edited = (
        sa.select(talk.c.series_id)
        .join(revision_table, revision_table.c.talk_id == talk.c.id)
        .where(revision_table.c.organizer_id.is_not(None))
    )
    op.get_bind().execute(
        series.update()
        .where(series.c.slug == 'prisec-ml', series.c.id.not_in(edited))
        .values(is_demo=True)
    )


def downgrade():
    if op.get_bind().dialect.name == 'sqlite':
        # SQLite's own DROP COLUMN (3.35+), for the same reason as above.
        op.execute('ALTER TABLE series DROP COLUMN deleted_at')
        op.execute('ALTER TABLE series DROP COLUMN is_demo')
        return
    op.drop_column('series', 'deleted_at')
    op.drop_column('series', 'is_demo')
