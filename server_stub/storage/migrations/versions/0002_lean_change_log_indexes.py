"""lean change-log indexes

Pulls walk the change log's primary key; the single-column indexes on team, store and target
user cost every pushed change three index writes and led SQLite's planner to gather and sort
the rest of the log for each page. One partial index remains, for changes meant for one user.
The client-id index of ``applied_mutations`` was used by no query.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-04 14:30:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('change_log', schema=None) as batch_op:
        batch_op.drop_index('ix_change_log_team_id')
        batch_op.drop_index('ix_change_log_store_id')
        batch_op.drop_index('ix_change_log_target_user_id')
        batch_op.create_index('ix_change_log_target_user', ['target_user_id', 'created_at'], unique=False,
                              sqlite_where=sa.text('target_user_id IS NOT NULL'),
                              postgresql_where=sa.text('target_user_id IS NOT NULL'))
    with op.batch_alter_table('applied_mutations', schema=None) as batch_op:
        batch_op.drop_index('ix_applied_mutations_client_id')


def downgrade() -> None:
    with op.batch_alter_table('applied_mutations', schema=None) as batch_op:
        batch_op.create_index('ix_applied_mutations_client_id', ['client_id'], unique=False)
    with op.batch_alter_table('change_log', schema=None) as batch_op:
        batch_op.drop_index('ix_change_log_target_user',
                            sqlite_where=sa.text('target_user_id IS NOT NULL'),
                            postgresql_where=sa.text('target_user_id IS NOT NULL'))
        batch_op.create_index('ix_change_log_target_user_id', ['target_user_id'], unique=False)
        batch_op.create_index('ix_change_log_store_id', ['store_id'], unique=False)
        batch_op.create_index('ix_change_log_team_id', ['team_id'], unique=False)
