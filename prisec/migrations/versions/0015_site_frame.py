"""The site's own name, a series' choice to keep its imported calendar, a paper's arXiv id

Revision ID: 0015
Revises: 0013
Create Date: 2026-12-01 21:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0015'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'site_settings',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False, server_default=''),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_site_settings')),
    )
    with op.batch_alter_table('series', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('keep_imported_calendar', sa.Boolean(), nullable=False,
                      server_default=sa.false())
        )
        batch_op.add_column(
            sa.Column('imported_calendar_label', sa.String(length=200), nullable=False,
                      server_default='')
        )
    with op.batch_alter_table('paper', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('arxiv_id', sa.String(length=32), nullable=False, server_default='')
        )

    # Papers imported before: their arXiv id, read from their address as the dashboard does.
    from prisec.importers.papers import arxiv_id

    paper = sa.table(
        'paper', sa.column('id', sa.Integer), sa.column('url', sa.String),
        sa.column('pdf_url', sa.String), sa.column('arxiv_id', sa.String),
    )
    connection = op.get_bind()
    found = [
        {'paper_id': row.id, 'arxiv_id': arxiv_id(row.url or '') or arxiv_id(row.pdf_url or '')}
        for row in connection.execute(sa.select(paper.c.id, paper.c.url, paper.c.pdf_url))
    ]
    found = [row for row in found if row['arxiv_id']]
    if found:
        connection.execute(
            paper.update().where(paper.c.id == sa.bindparam('paper_id')), found
        )


def downgrade():
    # SQLite drops a column by copying the table: talks point at their series, so the
    # foreign keys wait while the copy replaces it (the pragma is a no-op elsewhere).
    sqlite = op.get_bind().dialect.name == 'sqlite'
    if sqlite:
        op.execute('PRAGMA foreign_keys=OFF')
    with op.batch_alter_table('paper', schema=None) as batch_op:
        batch_op.drop_column('arxiv_id')
    with op.batch_alter_table('series', schema=None) as batch_op:
        batch_op.drop_column('imported_calendar_label')
        batch_op.drop_column('keep_imported_calendar')
    if sqlite:
        op.execute('PRAGMA foreign_keys=ON')
    op.drop_table('site_settings')
