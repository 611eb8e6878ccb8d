"""login throttles, known devices, login events, spent refresh tokens

``login_failures`` (one row per failure, counted after the password check, so parallel
attempts overtook the limit) gives way to ``login_throttles``: one counter row per throttle
key, reserved before the check under a row lock. ``login_devices`` remembers the devices a
user logged in from (they pass while others are throttled), ``login_events`` every password
check and its outcome, ``spent_refresh_tokens`` the refresh tokens already exchanged (a
replay revokes the session). User rows in the change log get their team and store as scope
tags, so each desktop receives only the names it shows.

Revision ID: 0003_h13auth
Revises: 0002
Create Date: 2026-12-04 19:00:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import workbench.core.entities  # noqa: F401  (custom column types)

revision = '0003_h13auth'
down_revision = '0003_h15sms'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('login_throttles',
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('scope', sa.String(length=10), nullable=False),
    sa.Column('username', sa.String(length=60), nullable=False),
    sa.Column('source', sa.String(length=80), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('blocked_until', workbench.core.entities.UTCDateTime(), nullable=False),
    sa.Column('last_at', workbench.core.entities.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('key')
    )
    with op.batch_alter_table('login_throttles', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_login_throttles_username'), ['username'], unique=False)
        batch_op.create_index(batch_op.f('ix_login_throttles_source'), ['source'], unique=False)

    op.create_table('login_devices',
    sa.Column('user_id', sa.String(length=40), nullable=False),
    sa.Column('device_hash', sa.String(length=64), nullable=False),
    sa.Column('first_at', workbench.core.entities.UTCDateTime(), nullable=False),
    sa.Column('last_at', workbench.core.entities.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('user_id', 'device_hash')
    )

    op.create_table('login_events',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('at', workbench.core.entities.UTCDateTime(), nullable=False),
    sa.Column('username', sa.String(length=60), nullable=False),
    sa.Column('address', sa.String(length=60), nullable=False),
    sa.Column('known_device', sa.Boolean(), nullable=False),
    sa.Column('outcome', sa.String(length=20), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('login_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_login_events_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_login_events_username'), ['username'], unique=False)

    op.create_table('spent_refresh_tokens',
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('session_id', sa.String(length=40), nullable=False),
    sa.Column('spent_at', workbench.core.entities.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('token_hash')
    )
    with op.batch_alter_table('spent_refresh_tokens', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_spent_refresh_tokens_session_id'), ['session_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_spent_refresh_tokens_spent_at'), ['spent_at'], unique=False)

    with op.batch_alter_table('login_failures', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_login_failures_username'))
        batch_op.drop_index(batch_op.f('ix_login_failures_at'))
        batch_op.drop_index(batch_op.f('ix_login_failures_address'))
    op.drop_table('login_failures')

    # user rows already in the change log: scoped by their team and store from now on
    op.execute(
        "UPDATE change_log SET "
        "team_id = (SELECT users.team_id FROM users WHERE users.id = change_log.entity_id), "
        "store_id = (SELECT users.store_id FROM users WHERE users.id = change_log.entity_id) "
        "WHERE entity = 'user'")


def downgrade() -> None:
    op.execute("UPDATE change_log SET team_id = NULL, store_id = NULL WHERE entity = 'user'")
    op.create_table('login_failures',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('username', sa.String(length=60), nullable=False),
    sa.Column('address', sa.String(length=60), nullable=False),
    sa.Column('at', workbench.core.entities.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('login_failures', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_login_failures_address'), ['address'], unique=False)
        batch_op.create_index(batch_op.f('ix_login_failures_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_login_failures_username'), ['username'], unique=False)
    with op.batch_alter_table('spent_refresh_tokens', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_spent_refresh_tokens_spent_at'))
        batch_op.drop_index(batch_op.f('ix_spent_refresh_tokens_session_id'))
    op.drop_table('spent_refresh_tokens')
    with op.batch_alter_table('login_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_login_events_username'))
        batch_op.drop_index(batch_op.f('ix_login_events_at'))
    op.drop_table('login_events')
    op.drop_table('login_devices')
    with op.batch_alter_table('login_throttles', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_login_throttles_source'))
        batch_op.drop_index(batch_op.f('ix_login_throttles_username'))
    op.drop_table('login_throttles')
