"""An index covering the public talks' listing columns: sitemaps and counts read it, not the table

Revision ID: 0016
Revises: 0014
Create Date: 2026-12-02 07:00:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0016'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade():
    # A talk's row carries its Markdown (kilobytes); at 50,000 talks a scan of the table to
    # list or count the public ones took most of a second. This index answers those alone,
    # in the archive's order (start, then id: the rowid ends every SQLite index).
    op.create_index(
        'ix_talk_listed',
        'talk',
        ['published', 'deleted_at', 'start', 'end', 'listing', 'series_id', 'updated_at', 'title'],
    )


def downgrade():
    op.drop_index('ix_talk_listed', table_name='talk')
