"""rate buckets and call grants

``rate_buckets``: token buckets shared by every server process (lookups per user, wrong CTI
secrets per address). ``call_grants``: what a routed call lets its agent do with a customer
outside their scope (read until it expires, one contact event), replacing a scan of the
change log that let one call open a day of writes.

Revision ID: 0003_h13edge
Revises: 0002
Create Date: 2026-12-04 19:00:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import workbench.core.entities  # noqa: F401  (custom column types)

revision = '0003_h13edge'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('rate_buckets',
    sa.Column('key', sa.String(length=120), nullable=False),
    sa.Column('tokens', sa.Float(), nullable=False),
    sa.Column('updated_at', workbench.core.entities.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('key')
    )
    op.create_table('call_grants',
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('user_id', sa.String(length=40), nullable=False),
    sa.Column('customer_id', sa.String(length=40), nullable=False),
    sa.Column('call_key', sa.String(length=120), nullable=False),
    sa.Column('created_at', workbench.core.entities.UTCDateTime(), nullable=False),
    sa.Column('expires_at', workbench.core.entities.UTCDateTime(), nullable=False),
    sa.Column('contact_event_id', sa.String(length=40), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('user_id', 'call_key', name='uq_call_grants_user_call')
    )
    with op.batch_alter_table('call_grants', schema=None) as batch_op:
        batch_op.create_index('ix_call_grants_user_customer', ['user_id', 'customer_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('call_grants', schema=None) as batch_op:
        batch_op.drop_index('ix_call_grants_user_customer')
    op.drop_table('call_grants')
    op.drop_table('rate_buckets')
