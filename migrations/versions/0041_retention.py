"""Retention: each partnership's years per kind of record (retention_rule), and the records
listed for disposal by the daily job, with their legal holds and disposal (retention_due)

Revision ID: 0041_retention
Revises: 0039_review_information_requests
Create Date: 2026-12-07 04:45:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0041_retention'
down_revision = '0039_review_information_requests'
branch_labels = None
depends_on = None


# The append-only trigger, as before (0001) and as now: an update of an audit row's changes
# and detail alone is accepted while the transaction holds a row in audit_scrub_permit
# (tracker.retention.scrub_audit, at disposal); anything else is refused as before.
OLD = {
    "sqlite": [
        "DROP TRIGGER IF EXISTS audit_event_no_update",
        "CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_event "
        "BEGIN SELECT RAISE(ABORT, 'audit_event is append-only'); END",
    ],
    "postgresql": [
        "CREATE OR REPLACE FUNCTION audit_event_append_only() RETURNS trigger AS $$ "
        "BEGIN RAISE EXCEPTION 'audit_event is append-only'; END; $$ LANGUAGE plpgsql",
    ],
}
NEW = {
    "sqlite": [
        "DROP TRIGGER IF EXISTS audit_event_no_update",
        'CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_event WHEN NOT '
        'EXISTS (SELECT 1 FROM audit_scrub_permit) OR NEW.id IS NOT OLD.id OR '
        'NEW.occurred_at IS NOT OLD.occurred_at OR NEW.user_id IS NOT OLD.user_id OR '
        'NEW.user_email IS NOT OLD.user_email OR NEW.action IS NOT OLD.action OR '
        'NEW.object_type IS NOT OLD.object_type OR NEW.object_id IS NOT OLD.object_id OR '
        'NEW.object_label IS NOT OLD.object_label OR NEW.partnership_id IS NOT '
        'OLD.partnership_id OR NEW.ip_address IS NOT OLD.ip_address BEGIN SELECT '
        "RAISE(ABORT, 'audit_event is append-only'); END",
    ],
    "postgresql": [
        'CREATE OR REPLACE FUNCTION audit_event_append_only() RETURNS trigger AS $$ BEGIN'
        " IF TG_OP = 'UPDATE' AND EXISTS (SELECT 1 FROM audit_scrub_permit) AND (NEW.id, "
        'NEW.occurred_at, NEW.user_id, NEW.user_email, NEW.action, NEW.object_type, '
        'NEW.object_id, NEW.object_label, NEW.partnership_id, NEW.ip_address) IS NOT '
        'DISTINCT FROM (OLD.id, OLD.occurred_at, OLD.user_id, OLD.user_email, OLD.action,'
        ' OLD.object_type, OLD.object_id, OLD.object_label, OLD.partnership_id, '
        "OLD.ip_address) THEN RETURN NEW; END IF; RAISE EXCEPTION 'audit_event is "
        "append-only'; END; $$ LANGUAGE plpgsql",
    ],
}


def _triggers(statements):
    for statement in statements[op.get_bind().dialect.name]:
        op.execute(statement)


def upgrade():
    op.create_table(
        'audit_scrub_permit',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_scrub_permit')),
    )
    _triggers(NEW)
    op.create_table(
        'retention_rule',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('partnership_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=32), nullable=False),
        sa.Column('years', sa.Integer(), nullable=False),
        sa.Column('reason', sa.String(length=500), nullable=False),
        sa.Column('updated_by_id', sa.Integer(), nullable=True),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['partnership_id'], ['partnership.id'], ondelete='CASCADE',
                                name=op.f('fk_retention_rule_partnership_id_partnership')),
        sa.ForeignKeyConstraint(['updated_by_id'], ['user.id'], ondelete='SET NULL',
                                name=op.f('fk_retention_rule_updated_by_id_user')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_retention_rule')),
        sa.UniqueConstraint('partnership_id', 'kind', name='uq_retention_rule_kind'),
    )
    op.create_index(op.f('ix_retention_rule_partnership_id'), 'retention_rule',
                    ['partnership_id'], unique=False)
    op.create_table(
        'retention_due',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('partnership_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=32), nullable=False),
        sa.Column('record_id', sa.Integer(), nullable=False),
        sa.Column('reference', sa.String(length=64), nullable=False),
        sa.Column('due_on', sa.Date(), nullable=False),
        sa.Column('listed_at', sa.DateTime(), nullable=False),
        sa.Column('hold_reason', sa.String(length=16), nullable=True),
        sa.Column('hold_detail', sa.String(length=500), nullable=True),
        sa.Column('hold_set_by_id', sa.Integer(), nullable=True),
        sa.Column('hold_set_at', sa.DateTime(), nullable=True),
        sa.Column('disposed_at', sa.DateTime(), nullable=True),
        sa.Column('disposed_by_id', sa.Integer(), nullable=True),
        sa.Column('disposed_count', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['partnership_id'], ['partnership.id'], ondelete='CASCADE',
                                name=op.f('fk_retention_due_partnership_id_partnership')),
        sa.ForeignKeyConstraint(['hold_set_by_id'], ['user.id'], ondelete='SET NULL',
                                name=op.f('fk_retention_due_hold_set_by_id_user')),
        sa.ForeignKeyConstraint(['disposed_by_id'], ['user.id'], ondelete='SET NULL',
                                name=op.f('fk_retention_due_disposed_by_id_user')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_retention_due')),
        sa.UniqueConstraint('kind', 'record_id', name='uq_retention_due_record'),
    )
    op.create_index('ix_retention_due_partnership', 'retention_due',
                    ['partnership_id', 'disposed_at'], unique=False)


def downgrade():
    _triggers(OLD)
    op.drop_table('audit_scrub_permit')
    op.drop_index('ix_retention_due_partnership', table_name='retention_due')
    op.drop_table('retention_due')
    op.drop_index(op.f('ix_retention_rule_partnership_id'), table_name='retention_rule')
    op.drop_table('retention_rule')
