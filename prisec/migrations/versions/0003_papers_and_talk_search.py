"""Papers, and a full-text search index of talks (SQLite FTS5)

Revision ID: 0003
Revises: 0001
Create Date: 2026-11-25 12:20:00

"""
from alembic import op
import sqlalchemy as sa

import prisec.database


# revision identifiers, used by Alembic.
revision = '0003'
down_revision = '0001'
branch_labels = None
depends_on = None

# What is searched for each talk: its title, its speakers' names, their affiliations and
# the abstract. The application keeps the table up to date as it writes (prisec/search.py);
# no triggers or views, because SQLite refuses to rename a table that a trigger or view
# on another table names, and Alembic's batch mode renames tables on SQLite.
_FILL = """
INSERT INTO talk_fts (rowid, title, speakers, affiliations, abstract)
SELECT
    t.id,
    t.title,
    coalesce((SELECT group_concat(trim(s.honorific || ' ' || s.name), ' ')
              FROM talk_speaker ts JOIN speaker s ON s.id = ts.speaker_id
              WHERE ts.talk_id = t.id), ''),
    coalesce((SELECT group_concat(s.affiliation, ' ')
              FROM talk_speaker ts JOIN speaker s ON s.id = ts.speaker_id
              WHERE ts.talk_id = t.id), ''),
    t.abstract
FROM talk t
"""


def upgrade():
    op.create_table('paper',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=500), nullable=False),
    sa.Column('authors', sa.JSON(), nullable=False),
    sa.Column('published_on', sa.Date(), nullable=False),
    sa.Column('category', sa.String(length=16), nullable=False),
    sa.Column('abstract', sa.Text(), nullable=False),
    sa.Column('url', sa.String(length=2000), nullable=False),
    sa.Column('pdf_url', sa.String(length=2000), nullable=False),
    sa.Column('code_url', sa.String(length=2000), nullable=False),
    sa.Column('created_at', prisec.database.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_paper'))
    )
    with op.batch_alter_table('paper', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_paper_category'), ['category'], unique=False)
        batch_op.create_index(batch_op.f('ix_paper_published_on'), ['published_on'], unique=False)

    op.create_table('talk_paper',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('talk_id', sa.Integer(), nullable=False),
    sa.Column('paper_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['paper_id'], ['paper.id'], name=op.f('fk_talk_paper_paper_id_paper'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['talk_id'], ['talk.id'], name=op.f('fk_talk_paper_talk_id_talk'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_talk_paper')),
    sa.UniqueConstraint('talk_id', 'paper_id', name=op.f('uq_talk_paper_talk_id'))
    )
    with op.batch_alter_table('talk_paper', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_talk_paper_paper_id'), ['paper_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_talk_paper_talk_id'), ['talk_id'], unique=False)

    if op.get_bind().dialect.name != "sqlite":
        return  # other databases search with their own means (prisec/search.py)
    op.execute(
        "CREATE VIRTUAL TABLE talk_fts USING fts5("
        "title, speakers, affiliations, abstract, "
        "tokenize = 'unicode61 remove_diacritics 2', prefix = '2 3')"
    )
    op.execute(_FILL)


def downgrade():
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TABLE IF EXISTS talk_fts")

    with op.batch_alter_table('talk_paper', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_talk_paper_talk_id'))
        batch_op.drop_index(batch_op.f('ix_talk_paper_paper_id'))

    op.drop_table('talk_paper')
    with op.batch_alter_table('paper', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_paper_published_on'))
        batch_op.drop_index(batch_op.f('ix_paper_category'))

    op.drop_table('paper')
