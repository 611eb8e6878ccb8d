"""SMS template drafts of the policy studio (issue #15 point 2)

Revision ID: 0003_h15studio
Revises: 0003_h18appt
Create Date: 2026-12-04 22:10:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from workbench.core.entities import UTCDateTime

revision = '0003_h15studio'
down_revision = '0003_h18appt'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('sms_template_drafts',
                    sa.Column('id', sa.String(length=40), nullable=False),
                    sa.Column('name', sa.String(length=100), nullable=False),
                    sa.Column('policy_id', sa.String(length=40), nullable=True),
                    sa.Column('purpose', sa.String(length=20), nullable=False),
                    sa.Column('body', sa.Text(), nullable=False),
                    sa.Column('base_version', sa.Integer(), nullable=True),
                    sa.Column('updated_at', UTCDateTime(), nullable=False),
                    sa.PrimaryKeyConstraint('id'))


def downgrade() -> None:
    op.drop_table('sms_template_drafts')
