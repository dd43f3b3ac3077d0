"""Full-text search index of talks on PostgreSQL (a tsvector per talk, GIN-indexed)

Revision ID: 0007
Revises: 0003
Create Date: 2026-11-25 13:05:00

"""
import unicodedata

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0003'
branch_labels = None
depends_on = None

# SQLite searches with the FTS5 table of 0003; this is PostgreSQL's counterpart. The
# application keeps it up to date as it writes (prisec/search.py), folding diacritics in
# Python, so no unaccent extension is needed.
_DOCUMENT = (
    "setweight(to_tsvector('simple', :title), 'A') || "
    "setweight(to_tsvector('simple', :speakers), 'B') || "
    "setweight(to_tsvector('simple', :affiliations), 'C') || "
    "setweight(to_tsvector('simple', :abstract), 'D')"
)


def _fold(text):
    decomposed = unicodedata.normalize("NFKD", text or "")
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


def upgrade():
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return  # SQLite has its FTS5 table (0003)
    op.create_table(
        'talk_search',
        sa.Column('talk_id', sa.Integer(), nullable=False),
        sa.Column('document', postgresql.TSVECTOR(), nullable=False),
        sa.ForeignKeyConstraint(['talk_id'], ['talk.id'], name='fk_talk_search_talk_id_talk', ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('talk_id', name='pk_talk_search'),
    )
    op.create_index('ix_talk_search_document', 'talk_search', ['document'], postgresql_using='gin')
    people = {}
    for talk_id, honorific, name, affiliation in bind.execute(sa.text(
        "SELECT ts.talk_id, s.honorific, s.name, s.affiliation FROM talk_speaker ts "
        "JOIN speaker s ON s.id = ts.speaker_id ORDER BY ts.talk_id, ts.position"
    )):
        entry = people.setdefault(talk_id, ([], []))
        entry[0].append(f"{honorific or ''} {name}".strip())
        entry[1].append(affiliation or "")
    rows = [
        {
            "talk_id": talk_id,
            "title": _fold(title),
            "speakers": _fold(" ".join(people.get(talk_id, ([], []))[0])),
            "affiliations": _fold(" ".join(people.get(talk_id, ([], []))[1])),
            "abstract": _fold(abstract),
        }
        for talk_id, title, abstract in bind.execute(sa.text("SELECT id, title, abstract FROM talk"))
    ]
    if rows:
        bind.execute(
            sa.text(f"INSERT INTO talk_search (talk_id, document) VALUES (:talk_id, {_DOCUMENT})"),
            rows,
        )


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.drop_index('ix_talk_search_document', table_name='talk_search')
    op.drop_table('talk_search')
