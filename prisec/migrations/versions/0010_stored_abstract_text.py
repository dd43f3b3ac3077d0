"""Talks keep their abstract as plain text beside the Markdown, for feeds and previews

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-25 15:00:00

"""
from alembic import op
import sqlalchemy as sa

import prisec.database


# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('talk', schema=None) as batch_op:
        batch_op.add_column(sa.Column('abstract_text', sa.Text(), nullable=True))

    # Derived by the same function the model calls on every save, in batches so that an
    # archive of many thousand talks never sits in memory at once.
    from prisec.models import abstract_to_text

    talk = sa.table(
        'talk', sa.column('id', sa.Integer), sa.column('abstract', sa.Text),
        sa.column('abstract_text', sa.Text),
    )
    connection = op.get_bind()
    last_id = 0
    while True:
        rows = connection.execute(
            sa.select(talk.c.id, talk.c.abstract)
            .where(talk.c.id > last_id)
            .order_by(talk.c.id)
            .limit(500)
        ).all()
        if not rows:
            break
        connection.execute(
            talk.update().where(talk.c.id == sa.bindparam('talk_id')),
            [{'talk_id': row.id, 'abstract_text': abstract_to_text(row.abstract)} for row in rows],
        )
        last_id = rows[-1].id


def downgrade():
    with op.batch_alter_table('talk', schema=None) as batch_op:
        batch_op.drop_column('abstract_text')
