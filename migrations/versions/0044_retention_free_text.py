"""Retention clears audit labels too: while a disposal holds a row of audit_scrub_permit, the
append-only trigger also accepts an audit row's object_label set to "(removed at disposal)" (an
action's description was its label), and no other label; every other column, and any delete,
are refused as before.

Revision ID: 0044_retention_free_text
Revises: 0043_two_factor_sealed
Create Date: 2026-12-07 08:30:00

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = '0044_retention_free_text'
down_revision = '0043_two_factor_sealed'
branch_labels = None
depends_on = None

# The append-only trigger as 0041_retention made it (a scrub changes changes and detail only),
# and as now (a scrub may also blank the label). Frozen copies: never the app's.
OLD = {
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
NEW = {
    "sqlite": [
        "DROP TRIGGER IF EXISTS audit_event_no_update",
        'CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_event WHEN NOT '
        'EXISTS (SELECT 1 FROM audit_scrub_permit) OR NEW.id IS NOT OLD.id OR '
        'NEW.occurred_at IS NOT OLD.occurred_at OR NEW.user_id IS NOT OLD.user_id OR '
        'NEW.user_email IS NOT OLD.user_email OR NEW.action IS NOT OLD.action OR '
        'NEW.object_type IS NOT OLD.object_type OR NEW.object_id IS NOT OLD.object_id OR '
        '(NEW.object_label IS NOT OLD.object_label AND NEW.object_label IS NOT '
        "'(removed at disposal)') OR NEW.partnership_id IS NOT "
        'OLD.partnership_id OR NEW.ip_address IS NOT OLD.ip_address BEGIN SELECT '
        "RAISE(ABORT, 'audit_event is append-only'); END",
    ],
    "postgresql": [
        'CREATE OR REPLACE FUNCTION audit_event_append_only() RETURNS trigger AS $$ BEGIN'
        " IF TG_OP = 'UPDATE' AND EXISTS (SELECT 1 FROM audit_scrub_permit) AND (NEW.id, "
        'NEW.occurred_at, NEW.user_id, NEW.user_email, NEW.action, NEW.object_type, '
        'NEW.object_id, NEW.partnership_id, NEW.ip_address) IS NOT '
        'DISTINCT FROM (OLD.id, OLD.occurred_at, OLD.user_id, OLD.user_email, OLD.action,'
        ' OLD.object_type, OLD.object_id, OLD.partnership_id, OLD.ip_address) AND '
        '(NEW.object_label IS NOT DISTINCT FROM OLD.object_label OR NEW.object_label = '
        "'(removed at disposal)') THEN RETURN NEW; END IF; RAISE EXCEPTION 'audit_event is "
        "append-only'; END; $$ LANGUAGE plpgsql",
    ],
}


def _triggers(statements):
    for statement in statements[op.get_bind().dialect.name]:
        op.execute(statement)


def upgrade():
    _triggers(NEW)


def downgrade():
    _triggers(OLD)
