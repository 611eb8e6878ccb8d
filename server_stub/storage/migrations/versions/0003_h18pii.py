"""serve grants, one customer per person, an append-only audit log

- ``teams.serves_callers``: a hotline team whose agents may serve any caller;
- ``scripts.channel``: scripts of one channel (a hotline greeting, a store's welcome);
- ``serve_grants``: per call or visit, expiring (``server_stub.grants``);
- ``customer_keys``: each normalised number / ID hash of a customer, unique
  (``server_stub.identity``); filled from the existing customers (the first customer of a
  number keeps it; ``workbench-server merge-duplicates`` merges the rest);
- ``audit_log`` gains address, session and row count; triggers refuse every UPDATE and the
  DELETE of an entry younger than the retention period of ``audit_settings`` (never less than
  :data:`MIN_RETENTION_DAYS`). SQLite keeps triggers only while the table is not rebuilt: later
  migrations must not use ``batch_alter_table`` on ``audit_log`` without re-creating them.

Revision ID: 0003_h18pii
Revises: 0002
Create Date: 2026-12-04 18:50:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import workbench.core.entities

revision = '0003_h18pii'
down_revision = '0003_h17life'
branch_labels = None
depends_on = None

MIN_RETENTION_DAYS = 30

_SQLITE_TRIGGERS = (
    """CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
       BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END""",
    f"""CREATE TRIGGER audit_log_no_early_delete BEFORE DELETE ON audit_log
       WHEN OLD.at > datetime('now', '-' || max({MIN_RETENTION_DAYS},
            coalesce((SELECT retention_days FROM audit_settings WHERE id = 1), 365)) || ' days')
       BEGIN SELECT RAISE(ABORT, 'the audit log is append-only (entries are kept for the retention period)'); END""",
)
_PG_FUNCTION = f"""
CREATE OR REPLACE FUNCTION audit_log_guard() RETURNS trigger AS $$
DECLARE keep integer;
BEGIN
    IF TG_OP = 'UPDATE' THEN
        RAISE EXCEPTION 'the audit log is append-only';
    END IF;
    SELECT retention_days INTO keep FROM audit_settings WHERE id = 1;
    IF OLD.at > (now() AT TIME ZONE 'utc') - make_interval(days => greatest({MIN_RETENTION_DAYS}, coalesce(keep, 365))) THEN
        RAISE EXCEPTION 'the audit log is append-only (entries are kept for the retention period)';
    END IF;
    RETURN OLD;
END $$ LANGUAGE plpgsql
"""
_PG_TRIGGER = """CREATE TRIGGER audit_log_guard BEFORE UPDATE OR DELETE ON audit_log
                 FOR EACH ROW EXECUTE FUNCTION audit_log_guard()"""


def upgrade() -> None:
    op.add_column('teams', sa.Column('serves_callers', sa.Boolean(), server_default=sa.false(), nullable=False))
    op.add_column('scripts', sa.Column('channel', sa.String(length=20), nullable=True))
    op.create_table('serve_grants',
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('user_id', sa.String(length=40), nullable=False),
    sa.Column('customer_id', sa.String(length=40), nullable=False),
    sa.Column('source', sa.String(length=20), nullable=False),
    sa.Column('call_id', sa.String(length=80), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('created_at', workbench.core.entities.UTCDateTime(), nullable=False),
    sa.Column('expires_at', workbench.core.entities.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_serve_grants_user_customer', 'serve_grants', ['user_id', 'customer_id', 'expires_at'])
    op.create_table('customer_keys',
    sa.Column('key', sa.String(length=80), nullable=False),
    sa.Column('customer_id', sa.String(length=40), nullable=False),
    sa.PrimaryKeyConstraint('key')
    )
    op.create_index(op.f('ix_customer_keys_customer_id'), 'customer_keys', ['customer_id'])
    for column in ('phone', 'phone2'):
        op.execute(f"INSERT INTO customer_keys (key, customer_id) "
                   f"SELECT 'm:' || {column}, min(id) FROM customers WHERE {column} IS NOT NULL AND {column} <> '' "
                   f"GROUP BY {column} ON CONFLICT DO NOTHING")
    op.create_table('audit_settings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('retention_days', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.execute("INSERT INTO audit_settings (id, retention_days) VALUES (1, 365)")
    # plain ALTER TABLE (no batch mode): SQLite's batch mode rebuilds the table, and triggers with it
    op.add_column('audit_log', sa.Column('address', sa.String(length=60), nullable=True))
    op.add_column('audit_log', sa.Column('session_id', sa.String(length=40), nullable=True))
    op.add_column('audit_log', sa.Column('rows', sa.Integer(), nullable=True))
    op.create_index('ix_audit_log_customer', 'audit_log', ['customer_id'],
                    sqlite_where=sa.text('customer_id IS NOT NULL'), postgresql_where=sa.text('customer_id IS NOT NULL'))
    op.create_index('ix_audit_log_at', 'audit_log', ['at'])
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(_PG_FUNCTION)
        op.execute(_PG_TRIGGER)
    else:
        for statement in _SQLITE_TRIGGERS:
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("DROP TRIGGER IF EXISTS audit_log_guard ON audit_log")
        op.execute("DROP FUNCTION IF EXISTS audit_log_guard()")
    else:
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_update")
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_early_delete")
    op.drop_index('ix_audit_log_at', table_name='audit_log')
    op.drop_index('ix_audit_log_customer', table_name='audit_log')
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.drop_column('rows')
        batch_op.drop_column('session_id')
        batch_op.drop_column('address')
    op.drop_table('audit_settings')
    op.drop_index(op.f('ix_customer_keys_customer_id'), table_name='customer_keys')
    op.drop_table('customer_keys')
    op.drop_index('ix_serve_grants_user_customer', table_name='serve_grants')
    op.drop_table('serve_grants')
    with op.batch_alter_table('teams', schema=None) as batch_op:
        batch_op.drop_column('serves_callers')
    with op.batch_alter_table('scripts', schema=None) as batch_op:
        batch_op.drop_column('channel')
