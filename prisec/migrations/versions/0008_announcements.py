"""Announcements and speaker links: series template, zones, address; sends; links, proposals

Revision ID: 0008
Revises: 0002
Create Date: 2026-11-25 13:20:00

"""
from alembic import op
import sqlalchemy as sa

import prisec.database


# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0002'
branch_labels = None
depends_on = None

DEFAULT_ZONES = "Europe/London\nAmerica/New_York\nAmerica/Los_Angeles\nAsia/Shanghai"


def upgrade():
    with op.batch_alter_table('series', schema=None) as batch_op:
        batch_op.add_column(sa.Column('announcement_template', sa.Text(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('announcement_zones', sa.Text(), nullable=False, server_default=DEFAULT_ZONES))
        batch_op.add_column(sa.Column('announcement_address', sa.String(length=320), nullable=False, server_default=''))
    # The server defaults only fill existing rows; the model supplies values from now on.
    with op.batch_alter_table('series', schema=None) as batch_op:
        batch_op.alter_column('announcement_template', server_default=None)
        batch_op.alter_column('announcement_zones', server_default=None)
        batch_op.alter_column('announcement_address', server_default=None)

    op.create_table('announcement_send',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('talk_id', sa.Integer(), nullable=False),
    sa.Column('talk_version', sa.Integer(), nullable=False),
    sa.Column('organizer_id', sa.Integer(), nullable=True),
    sa.Column('sent_at', prisec.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('recipient', sa.String(length=320), nullable=False),
    sa.Column('subject', sa.String(length=500), nullable=False),
    sa.Column('message_id', sa.String(length=300), nullable=False),
    sa.ForeignKeyConstraint(['organizer_id'], ['organizer.id'], name=op.f('fk_announcement_send_organizer_id_organizer')),
    sa.ForeignKeyConstraint(['talk_id'], ['talk.id'], name=op.f('fk_announcement_send_talk_id_talk'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_announcement_send'))
    )
    with op.batch_alter_table('announcement_send', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_announcement_send_talk_id'), ['talk_id'], unique=False)

    op.create_table('speaker_form_link',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('talk_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', prisec.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', prisec.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', prisec.database.UTCDateTime(timezone=True), nullable=True),
    sa.Column('answered_at', prisec.database.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['organizer.id'], name=op.f('fk_speaker_form_link_created_by_id_organizer')),
    sa.ForeignKeyConstraint(['talk_id'], ['talk.id'], name=op.f('fk_speaker_form_link_talk_id_talk'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_speaker_form_link')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_speaker_form_link_token_hash'))
    )
    with op.batch_alter_table('speaker_form_link', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_speaker_form_link_talk_id'), ['talk_id'], unique=False)

    op.create_table('speaker_proposal',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('link_id', sa.Integer(), nullable=False),
    sa.Column('talk_id', sa.Integer(), nullable=False),
    sa.Column('submitted_at', prisec.database.UTCDateTime(timezone=True), nullable=False),
    sa.Column('proposed', sa.JSON(), nullable=False),
    sa.Column('reviewed_at', prisec.database.UTCDateTime(timezone=True), nullable=True),
    sa.Column('reviewed_by_id', sa.Integer(), nullable=True),
    sa.Column('accepted', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['link_id'], ['speaker_form_link.id'], name=op.f('fk_speaker_proposal_link_id_speaker_form_link'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['reviewed_by_id'], ['organizer.id'], name=op.f('fk_speaker_proposal_reviewed_by_id_organizer')),
    sa.ForeignKeyConstraint(['talk_id'], ['talk.id'], name=op.f('fk_speaker_proposal_talk_id_talk'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_speaker_proposal'))
    )
    with op.batch_alter_table('speaker_proposal', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_speaker_proposal_link_id'), ['link_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_speaker_proposal_talk_id'), ['talk_id'], unique=False)


def downgrade():
    with op.batch_alter_table('speaker_proposal', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_speaker_proposal_talk_id'))
        batch_op.drop_index(batch_op.f('ix_speaker_proposal_link_id'))
    op.drop_table('speaker_proposal')
    with op.batch_alter_table('speaker_form_link', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_speaker_form_link_talk_id'))
    op.drop_table('speaker_form_link')
    with op.batch_alter_table('announcement_send', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_announcement_send_talk_id'))
    op.drop_table('announcement_send')
    with op.batch_alter_table('series', schema=None) as batch_op:
        batch_op.drop_column('announcement_address')
        batch_op.drop_column('announcement_zones')
        batch_op.drop_column('announcement_template')
