"""scrub ID numbers from local stores synced before the server cut them down; scripts.channel

Desks keep no more of an ID number than its last 2 characters (issue #18: with the birth
year and the area code, more would narrow the ID number down to a few candidates); the ID
suffix is gone (the store's ID search runs on the server).

Revision ID: 0002_h18pii
Revises: 0001
Create Date: 2026-12-04 19:00:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0002_h18pii'
down_revision = '0002_h17life'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('scripts', sa.Column('channel', sa.String(length=20), nullable=True))
    op.execute("UPDATE customers SET id_suffix = NULL, id_number_masked = CASE "
               "WHEN id_number_masked = '' OR substr(id_number_masked, -1) = '*' THEN '' "
               "ELSE '****************' || substr(id_number_masked, -2) END")


def downgrade() -> None:
    with op.batch_alter_table('scripts', schema=None) as batch_op:
        batch_op.drop_column('channel')
    # what was scrubbed is not coming back
