"""work orders carry the appointment agreed with the customer

- ``work_orders.appointment_at`` (aware UTC, indexed: a store's day of appointments) and
  ``work_orders.appointment_minutes`` (the slot's length), both empty for older work orders.
  See ``workbench.core.appointments``.

Revision ID: 0003_h18appt
Revises: 0002_h18pii
Create Date: 2026-12-04 22:00:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import workbench.core.entities

revision = '0003_h18appt'
down_revision = '0002_h18pii'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('work_orders', sa.Column('appointment_at', workbench.core.entities.UTCDateTime(), nullable=True))
    op.add_column('work_orders', sa.Column('appointment_minutes', sa.Integer(), nullable=True))
    op.create_index(op.f('ix_work_orders_appointment_at'), 'work_orders', ['appointment_at'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_work_orders_appointment_at'), table_name='work_orders')
    with op.batch_alter_table('work_orders', schema=None) as batch_op:
        batch_op.drop_column('appointment_minutes')
        batch_op.drop_column('appointment_at')
