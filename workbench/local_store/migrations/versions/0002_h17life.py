"""lead lifecycle: call-backs, pool columns on tasks

Revision ID: 0002_h17life
Revises: 0001
Create Date: 2026-12-04 18:50:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from workbench.core.entities import UTCDateTime

revision = '0002_h17life'
down_revision = '0001'
branch_labels = None
depends_on = None

_TASK_COLUMNS = ('assigned_at', 'recycle_at', 'previous_assignee_id', 'barred_until')


def upgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('grade', sa.String(length=1), nullable=True))
        batch_op.add_column(sa.Column('daily_capacity', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('away', sa.Boolean(), nullable=False, server_default=sa.false()))
    op.create_table(
        'callbacks',
        sa.Column('id', sa.String(length=40), nullable=False),
        sa.Column('customer_id', sa.String(length=40), nullable=False),
        sa.Column('team_id', sa.String(length=40), nullable=True),
        sa.Column('owner_id', sa.String(length=40), nullable=True),
        sa.Column('created_by', sa.String(length=40), nullable=True),
        sa.Column('due_at', UTCDateTime(), nullable=False),
        sa.Column('requested_at', UTCDateTime(), nullable=True),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('released_at', UTCDateTime(), nullable=True),
        sa.Column('contact_event_id', sa.String(length=40), nullable=True),
        sa.Column('closed_by_event_id', sa.String(length=40), nullable=True),
        sa.Column('note', sa.Text(), nullable=False),
        sa.Column('created_at', UTCDateTime(), nullable=False),
        sa.Column('updated_at', UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    for col in ('customer_id', 'team_id', 'owner_id', 'due_at'):
        op.create_index(f'ix_callbacks_{col}', 'callbacks', [col], unique=False)
    with op.batch_alter_table('tasks', schema=None) as batch_op:
        batch_op.add_column(sa.Column('assigned_at', UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('recycle_at', UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('previous_assignee_id', sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column('barred_until', UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('tasks', schema=None) as batch_op:
        for col in reversed(_TASK_COLUMNS):
            batch_op.drop_column(col)
    op.drop_table('callbacks')
    with op.batch_alter_table('users', schema=None) as batch_op:
        for col in ('away', 'daily_capacity', 'grade'):
            batch_op.drop_column(col)
