"""One index for the dashboard of a series: its talks by date, with what the sections filter on

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-02 07:00:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade():
    # Covering: counting a section and finding one page of it read the index alone, never the
    # talks' long rows (abstracts, bios), so a series of thousands of talks costs one page.
    op.create_index(
        'ix_talk_series_start',
        'talk',
        ['series_id', 'start', 'published', 'deleted_at', 'listing', 'end', 'status'],
    )


def downgrade():
    op.drop_index('ix_talk_series_start', table_name='talk')
