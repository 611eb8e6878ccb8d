"""lead lifecycle: scheduled job runs

Revision ID: 0003_h17life
Revises: 0002
Create Date: 2026-12-04 18:40:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from workbench.local_store.entities import UTCDateTime

revision = '0003_h17life'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
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


def downgrade() -> None:
    op.drop_table('lifecycle_job_runs')
