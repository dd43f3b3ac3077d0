"""Merge the accounts, archive, PostgreSQL and announcement branches

Revision ID: 0009
Revises: 0007, 0008
Create Date: 2026-11-25 13:52:28.862998

"""
from alembic import op
import sqlalchemy as sa

import prisec.database


# revision identifiers, used by Alembic.
revision = '0009'
down_revision = ('0007', '0008')
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
