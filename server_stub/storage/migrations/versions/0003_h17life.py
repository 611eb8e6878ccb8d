"""lead lifecycle: job runs, call-backs, team settings, task moves, pool columns on tasks

Revision ID: 0003_h17life
Revises: 0002
Create Date: 2026-12-04 18:40:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from workbench.core.entities import UTCDateTime

revision = '0003_h17life'
down_revision = '0003_h13auth'
branch_labels = None
depends_on = None

_TASK_COLUMNS = ('assigned_at', 'recycle_at', 'previous_assignee_id', 'barred_until')


def create_callbacks() -> None:
    """The ``callbacks`` table (the same in the local store's 0002_h17life)."""
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


def add_task_columns() -> None:
    with op.batch_alter_table('tasks', schema=None) as batch_op:
        batch_op.add_column(sa.Column('assigned_at', UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('recycle_at', UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('previous_assignee_id', sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column('barred_until', UTCDateTime(), nullable=True))


def add_user_columns() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('grade', sa.String(length=1), nullable=True))
        batch_op.add_column(sa.Column('daily_capacity', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('away', sa.Boolean(), nullable=False, server_default=sa.false()))


def upgrade() -> None:
    add_user_columns()
    op.create_table(
        'assignment_rules',
        sa.Column('name', sa.String(length=40), nullable=False),
        sa.Column('kind', sa.String(length=30), nullable=False),
        sa.Column('params', sa.JSON(), nullable=False),
        sa.Column('description', sa.Text(), nullable=False),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('updated_at', UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('name'),
    )
    op.create_table(
        'lifecycle_job_runs',
        sa.Column('job', sa.String(length=40), nullable=False),
        sa.Column('slot', UTCDateTime(), nullable=False),
        sa.Column('started_at', UTCDateTime(), nullable=False),
        sa.Column('finished_at', UTCDateTime(), nullable=True),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('detail', sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint('job', 'slot'),
    )
    create_callbacks()
    add_task_columns()
    op.create_table(
        'team_lifecycle_settings',
        sa.Column('team_id', sa.String(length=40), nullable=False),
        sa.Column('callback_release_minutes', sa.Integer(), nullable=False),
        sa.Column('recycle_no_contact_days', sa.Integer(), nullable=False),
        sa.Column('recycle_no_deal_days', sa.Integer(), nullable=False),
        sa.Column('recycle_warning_days', sa.Integer(), nullable=False),
        sa.Column('claims_per_day', sa.Integer(), nullable=False),
        sa.Column('reclaim_bar_days', sa.Integer(), nullable=False),
        sa.Column('max_open_items', sa.Integer(), nullable=False),
        sa.Column('new_lead_protect_days', sa.Integer(), nullable=False),
        sa.Column('updated_at', UTCDateTime(), nullable=False),
        sa.Column('updated_by', sa.String(length=40), nullable=True),
        sa.PrimaryKeyConstraint('team_id'),
    )
    op.create_table(
        'task_moves',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('task_id', sa.String(length=40), nullable=False),
        sa.Column('customer_id', sa.String(length=40), nullable=False),
        sa.Column('team_id', sa.String(length=40), nullable=True),
        sa.Column('action', sa.String(length=20), nullable=False),
        sa.Column('from_user_id', sa.String(length=40), nullable=True),
        sa.Column('to_user_id', sa.String(length=40), nullable=True),
        sa.Column('by_user_id', sa.String(length=40), nullable=True),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('at', UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_task_moves_task_id', 'task_moves', ['task_id'], unique=False)
    op.create_index('ix_task_moves_customer_id', 'task_moves', ['customer_id'], unique=False)
    op.create_index('ix_task_moves_user_day', 'task_moves', ['to_user_id', 'action', 'at'], unique=False)


def downgrade() -> None:
    op.drop_table('task_moves')
    op.drop_table('team_lifecycle_settings')
    with op.batch_alter_table('tasks', schema=None) as batch_op:
        for col in reversed(_TASK_COLUMNS):
            batch_op.drop_column(col)
    op.drop_table('callbacks')
    op.drop_table('lifecycle_job_runs')
    op.drop_table('assignment_rules')
    with op.batch_alter_table('users', schema=None) as batch_op:
        for col in ('away', 'daily_capacity', 'grade'):
            batch_op.drop_column(col)
