"""Deadline tally: how many deadlines of each kind fall due in each month, kept by triggers on the deadline table, for the compliance report

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04 18:50:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

# The SQL this migration runs, frozen as it was on the migration's day: the app's modules
# that make the same triggers for create_all() may change later (a tally's new key, say),
# and an old migration must never run new SQL. A later change is a new migration.
TRIGGER_DDL = {
    'sqlite': [
        '''CREATE TRIGGER IF NOT EXISTS deadline_tally_insert AFTER INSERT ON deadline WHEN NEW.due_date IS NOT NULL BEGIN INSERT INTO deadline_tally (partnership_id, month, owner_type, rule_key, outcome, days_late, open_until, extended, n) VALUES (NEW.partnership_id, date(NEW.due_date, 'start of month'), NEW.owner_type, NEW.rule_key, CASE WHEN NEW.not_applicable_reason IS NOT NULL THEN 'not_applicable' WHEN NEW.met_on <= COALESCE(NEW.extended_to, NEW.due_date) THEN 'met_on_time' WHEN NEW.met_on > COALESCE(NEW.extended_to, NEW.due_date) THEN 'met_late' WHEN NEW.paused_reason IS NOT NULL THEN 'paused' ELSE 'open' END, CASE WHEN NEW.not_applicable_reason IS NULL AND NEW.met_on > COALESCE(NEW.extended_to, NEW.due_date) THEN CAST(julianday(NEW.met_on) - julianday(COALESCE(NEW.extended_to, NEW.due_date)) AS INTEGER) ELSE 0 END, CASE WHEN NEW.not_applicable_reason IS NULL AND NEW.met_on IS NULL AND NEW.paused_reason IS NULL THEN COALESCE(NEW.extended_to, NEW.due_date) ELSE '0001-01-01' END, CASE WHEN NEW.not_applicable_reason IS NULL AND NEW.extended_to IS NOT NULL THEN 1 ELSE 0 END, 1) ON CONFLICT (partnership_id, month, owner_type, rule_key, outcome, days_late, open_until, extended) DO UPDATE SET n = deadline_tally.n + 1; END''',
        '''CREATE TRIGGER IF NOT EXISTS deadline_tally_delete AFTER DELETE ON deadline WHEN OLD.due_date IS NOT NULL BEGIN UPDATE deadline_tally SET n = n - 1 WHERE partnership_id = OLD.partnership_id AND month = date(OLD.due_date, 'start of month') AND owner_type = OLD.owner_type AND rule_key = OLD.rule_key AND outcome = CASE WHEN OLD.not_applicable_reason IS NOT NULL THEN 'not_applicable' WHEN OLD.met_on <= COALESCE(OLD.extended_to, OLD.due_date) THEN 'met_on_time' WHEN OLD.met_on > COALESCE(OLD.extended_to, OLD.due_date) THEN 'met_late' WHEN OLD.paused_reason IS NOT NULL THEN 'paused' ELSE 'open' END AND days_late = CASE WHEN OLD.not_applicable_reason IS NULL AND OLD.met_on > COALESCE(OLD.extended_to, OLD.due_date) THEN CAST(julianday(OLD.met_on) - julianday(COALESCE(OLD.extended_to, OLD.due_date)) AS INTEGER) ELSE 0 END AND open_until = CASE WHEN OLD.not_applicable_reason IS NULL AND OLD.met_on IS NULL AND OLD.paused_reason IS NULL THEN COALESCE(OLD.extended_to, OLD.due_date) ELSE '0001-01-01' END AND extended = CASE WHEN OLD.not_applicable_reason IS NULL AND OLD.extended_to IS NOT NULL THEN 1 ELSE 0 END; DELETE FROM deadline_tally WHERE partnership_id = OLD.partnership_id AND month = date(OLD.due_date, 'start of month') AND owner_type = OLD.owner_type AND rule_key = OLD.rule_key AND outcome = CASE WHEN OLD.not_applicable_reason IS NOT NULL THEN 'not_applicable' WHEN OLD.met_on <= COALESCE(OLD.extended_to, OLD.due_date) THEN 'met_on_time' WHEN OLD.met_on > COALESCE(OLD.extended_to, OLD.due_date) THEN 'met_late' WHEN OLD.paused_reason IS NOT NULL THEN 'paused' ELSE 'open' END AND days_late = CASE WHEN OLD.not_applicable_reason IS NULL AND OLD.met_on > COALESCE(OLD.extended_to, OLD.due_date) THEN CAST(julianday(OLD.met_on) - julianday(COALESCE(OLD.extended_to, OLD.due_date)) AS INTEGER) ELSE 0 END AND open_until = CASE WHEN OLD.not_applicable_reason IS NULL AND OLD.met_on IS NULL AND OLD.paused_reason IS NULL THEN COALESCE(OLD.extended_to, OLD.due_date) ELSE '0001-01-01' END AND extended = CASE WHEN OLD.not_applicable_reason IS NULL AND OLD.extended_to IS NOT NULL THEN 1 ELSE 0 END AND n <= 0; END''',
        '''CREATE TRIGGER IF NOT EXISTS deadline_tally_update_new AFTER UPDATE OF partnership_id, owner_type, rule_key, due_date, met_on, extended_to, not_applicable_reason, paused_reason ON deadline WHEN NEW.due_date IS NOT NULL BEGIN INSERT INTO deadline_tally (partnership_id, month, owner_type, rule_key, outcome, days_late, open_until, extended, n) VALUES (NEW.partnership_id, date(NEW.due_date, 'start of month'), NEW.owner_type, NEW.rule_key, CASE WHEN NEW.not_applicable_reason IS NOT NULL THEN 'not_applicable' WHEN NEW.met_on <= COALESCE(NEW.extended_to, NEW.due_date) THEN 'met_on_time' WHEN NEW.met_on > COALESCE(NEW.extended_to, NEW.due_date) THEN 'met_late' WHEN NEW.paused_reason IS NOT NULL THEN 'paused' ELSE 'open' END, CASE WHEN NEW.not_applicable_reason IS NULL AND NEW.met_on > COALESCE(NEW.extended_to, NEW.due_date) THEN CAST(julianday(NEW.met_on) - julianday(COALESCE(NEW.extended_to, NEW.due_date)) AS INTEGER) ELSE 0 END, CASE WHEN NEW.not_applicable_reason IS NULL AND NEW.met_on IS NULL AND NEW.paused_reason IS NULL THEN COALESCE(NEW.extended_to, NEW.due_date) ELSE '0001-01-01' END, CASE WHEN NEW.not_applicable_reason IS NULL AND NEW.extended_to IS NOT NULL THEN 1 ELSE 0 END, 1) ON CONFLICT (partnership_id, month, owner_type, rule_key, outcome, days_late, open_until, extended) DO UPDATE SET n = deadline_tally.n + 1; END''',
        '''CREATE TRIGGER IF NOT EXISTS deadline_tally_update_old AFTER UPDATE OF partnership_id, owner_type, rule_key, due_date, met_on, extended_to, not_applicable_reason, paused_reason ON deadline WHEN OLD.due_date IS NOT NULL BEGIN UPDATE deadline_tally SET n = n - 1 WHERE partnership_id = OLD.partnership_id AND month = date(OLD.due_date, 'start of month') AND owner_type = OLD.owner_type AND rule_key = OLD.rule_key AND outcome = CASE WHEN OLD.not_applicable_reason IS NOT NULL THEN 'not_applicable' WHEN OLD.met_on <= COALESCE(OLD.extended_to, OLD.due_date) THEN 'met_on_time' WHEN OLD.met_on > COALESCE(OLD.extended_to, OLD.due_date) THEN 'met_late' WHEN OLD.paused_reason IS NOT NULL THEN 'paused' ELSE 'open' END AND days_late = CASE WHEN OLD.not_applicable_reason IS NULL AND OLD.met_on > COALESCE(OLD.extended_to, OLD.due_date) THEN CAST(julianday(OLD.met_on) - julianday(COALESCE(OLD.extended_to, OLD.due_date)) AS INTEGER) ELSE 0 END AND open_until = CASE WHEN OLD.not_applicable_reason IS NULL AND OLD.met_on IS NULL AND OLD.paused_reason IS NULL THEN COALESCE(OLD.extended_to, OLD.due_date) ELSE '0001-01-01' END AND extended = CASE WHEN OLD.not_applicable_reason IS NULL AND OLD.extended_to IS NOT NULL THEN 1 ELSE 0 END; DELETE FROM deadline_tally WHERE partnership_id = OLD.partnership_id AND month = date(OLD.due_date, 'start of month') AND owner_type = OLD.owner_type AND rule_key = OLD.rule_key AND outcome = CASE WHEN OLD.not_applicable_reason IS NOT NULL THEN 'not_applicable' WHEN OLD.met_on <= COALESCE(OLD.extended_to, OLD.due_date) THEN 'met_on_time' WHEN OLD.met_on > COALESCE(OLD.extended_to, OLD.due_date) THEN 'met_late' WHEN OLD.paused_reason IS NOT NULL THEN 'paused' ELSE 'open' END AND days_late = CASE WHEN OLD.not_applicable_reason IS NULL AND OLD.met_on > COALESCE(OLD.extended_to, OLD.due_date) THEN CAST(julianday(OLD.met_on) - julianday(COALESCE(OLD.extended_to, OLD.due_date)) AS INTEGER) ELSE 0 END AND open_until = CASE WHEN OLD.not_applicable_reason IS NULL AND OLD.met_on IS NULL AND OLD.paused_reason IS NULL THEN COALESCE(OLD.extended_to, OLD.due_date) ELSE '0001-01-01' END AND extended = CASE WHEN OLD.not_applicable_reason IS NULL AND OLD.extended_to IS NOT NULL THEN 1 ELSE 0 END AND n <= 0; END''',
    ],
    'postgresql': [
        '''
CREATE OR REPLACE FUNCTION deadline_tally_change() RETURNS trigger AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND OLD.partnership_id <> NEW.partnership_id THEN
    PERFORM pg_advisory_xact_lock(7031, LEAST(OLD.partnership_id, NEW.partnership_id));
    PERFORM pg_advisory_xact_lock(7031, GREATEST(OLD.partnership_id, NEW.partnership_id));
  ELSIF TG_OP = 'DELETE' THEN
    PERFORM pg_advisory_xact_lock(7031, OLD.partnership_id);
  ELSE
    PERFORM pg_advisory_xact_lock(7031, NEW.partnership_id);
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.due_date IS NOT NULL THEN
    INSERT INTO deadline_tally (partnership_id, month, owner_type, rule_key, outcome, days_late, open_until, extended, n) VALUES (NEW.partnership_id, CAST(date_trunc('month', NEW.due_date) AS date), NEW.owner_type, NEW.rule_key, CASE WHEN NEW.not_applicable_reason IS NOT NULL THEN 'not_applicable' WHEN NEW.met_on <= COALESCE(NEW.extended_to, NEW.due_date) THEN 'met_on_time' WHEN NEW.met_on > COALESCE(NEW.extended_to, NEW.due_date) THEN 'met_late' WHEN NEW.paused_reason IS NOT NULL THEN 'paused' ELSE 'open' END, CASE WHEN NEW.not_applicable_reason IS NULL AND NEW.met_on > COALESCE(NEW.extended_to, NEW.due_date) THEN (NEW.met_on - COALESCE(NEW.extended_to, NEW.due_date)) ELSE 0 END, CASE WHEN NEW.not_applicable_reason IS NULL AND NEW.met_on IS NULL AND NEW.paused_reason IS NULL THEN COALESCE(NEW.extended_to, NEW.due_date) ELSE DATE '0001-01-01' END, CASE WHEN NEW.not_applicable_reason IS NULL AND NEW.extended_to IS NOT NULL THEN 1 ELSE 0 END, 1) ON CONFLICT (partnership_id, month, owner_type, rule_key, outcome, days_late, open_until, extended) DO UPDATE SET n = deadline_tally.n + 1;
  END IF;
  IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.due_date IS NOT NULL THEN
    UPDATE deadline_tally SET n = n - 1 WHERE partnership_id = OLD.partnership_id AND month = CAST(date_trunc('month', OLD.due_date) AS date) AND owner_type = OLD.owner_type AND rule_key = OLD.rule_key AND outcome = CASE WHEN OLD.not_applicable_reason IS NOT NULL THEN 'not_applicable' WHEN OLD.met_on <= COALESCE(OLD.extended_to, OLD.due_date) THEN 'met_on_time' WHEN OLD.met_on > COALESCE(OLD.extended_to, OLD.due_date) THEN 'met_late' WHEN OLD.paused_reason IS NOT NULL THEN 'paused' ELSE 'open' END AND days_late = CASE WHEN OLD.not_applicable_reason IS NULL AND OLD.met_on > COALESCE(OLD.extended_to, OLD.due_date) THEN (OLD.met_on - COALESCE(OLD.extended_to, OLD.due_date)) ELSE 0 END AND open_until = CASE WHEN OLD.not_applicable_reason IS NULL AND OLD.met_on IS NULL AND OLD.paused_reason IS NULL THEN COALESCE(OLD.extended_to, OLD.due_date) ELSE DATE '0001-01-01' END AND extended = CASE WHEN OLD.not_applicable_reason IS NULL AND OLD.extended_to IS NOT NULL THEN 1 ELSE 0 END;
    DELETE FROM deadline_tally WHERE partnership_id = OLD.partnership_id AND month = CAST(date_trunc('month', OLD.due_date) AS date) AND owner_type = OLD.owner_type AND rule_key = OLD.rule_key AND outcome = CASE WHEN OLD.not_applicable_reason IS NOT NULL THEN 'not_applicable' WHEN OLD.met_on <= COALESCE(OLD.extended_to, OLD.due_date) THEN 'met_on_time' WHEN OLD.met_on > COALESCE(OLD.extended_to, OLD.due_date) THEN 'met_late' WHEN OLD.paused_reason IS NOT NULL THEN 'paused' ELSE 'open' END AND days_late = CASE WHEN OLD.not_applicable_reason IS NULL AND OLD.met_on > COALESCE(OLD.extended_to, OLD.due_date) THEN (OLD.met_on - COALESCE(OLD.extended_to, OLD.due_date)) ELSE 0 END AND open_until = CASE WHEN OLD.not_applicable_reason IS NULL AND OLD.met_on IS NULL AND OLD.paused_reason IS NULL THEN COALESCE(OLD.extended_to, OLD.due_date) ELSE DATE '0001-01-01' END AND extended = CASE WHEN OLD.not_applicable_reason IS NULL AND OLD.extended_to IS NOT NULL THEN 1 ELSE 0 END AND n <= 0;
  END IF;
  RETURN NULL;
END
$$ LANGUAGE plpgsql''',
        '''CREATE OR REPLACE TRIGGER deadline_tally_change AFTER INSERT OR DELETE OR UPDATE OF partnership_id, owner_type, rule_key, due_date, met_on, extended_to, not_applicable_reason, paused_reason ON deadline FOR EACH ROW EXECUTE FUNCTION deadline_tally_change()''',
    ],
}

RECOUNT_SQL = {
    'sqlite': '''INSERT INTO deadline_tally (partnership_id, month, owner_type, rule_key, outcome, days_late, open_until, extended, n) SELECT deadline.partnership_id, date(deadline.due_date, 'start of month'), deadline.owner_type, deadline.rule_key, CASE WHEN deadline.not_applicable_reason IS NOT NULL THEN 'not_applicable' WHEN deadline.met_on <= COALESCE(deadline.extended_to, deadline.due_date) THEN 'met_on_time' WHEN deadline.met_on > COALESCE(deadline.extended_to, deadline.due_date) THEN 'met_late' WHEN deadline.paused_reason IS NOT NULL THEN 'paused' ELSE 'open' END, CASE WHEN deadline.not_applicable_reason IS NULL AND deadline.met_on > COALESCE(deadline.extended_to, deadline.due_date) THEN CAST(julianday(deadline.met_on) - julianday(COALESCE(deadline.extended_to, deadline.due_date)) AS INTEGER) ELSE 0 END, CASE WHEN deadline.not_applicable_reason IS NULL AND deadline.met_on IS NULL AND deadline.paused_reason IS NULL THEN COALESCE(deadline.extended_to, deadline.due_date) ELSE '0001-01-01' END, CASE WHEN deadline.not_applicable_reason IS NULL AND deadline.extended_to IS NOT NULL THEN 1 ELSE 0 END, count(*) FROM deadline WHERE deadline.due_date IS NOT NULL GROUP BY deadline.partnership_id, date(deadline.due_date, 'start of month'), deadline.owner_type, deadline.rule_key, CASE WHEN deadline.not_applicable_reason IS NOT NULL THEN 'not_applicable' WHEN deadline.met_on <= COALESCE(deadline.extended_to, deadline.due_date) THEN 'met_on_time' WHEN deadline.met_on > COALESCE(deadline.extended_to, deadline.due_date) THEN 'met_late' WHEN deadline.paused_reason IS NOT NULL THEN 'paused' ELSE 'open' END, CASE WHEN deadline.not_applicable_reason IS NULL AND deadline.met_on > COALESCE(deadline.extended_to, deadline.due_date) THEN CAST(julianday(deadline.met_on) - julianday(COALESCE(deadline.extended_to, deadline.due_date)) AS INTEGER) ELSE 0 END, CASE WHEN deadline.not_applicable_reason IS NULL AND deadline.met_on IS NULL AND deadline.paused_reason IS NULL THEN COALESCE(deadline.extended_to, deadline.due_date) ELSE '0001-01-01' END, CASE WHEN deadline.not_applicable_reason IS NULL AND deadline.extended_to IS NOT NULL THEN 1 ELSE 0 END''',
    'postgresql': '''INSERT INTO deadline_tally (partnership_id, month, owner_type, rule_key, outcome, days_late, open_until, extended, n) SELECT deadline.partnership_id, CAST(date_trunc('month', deadline.due_date) AS date), deadline.owner_type, deadline.rule_key, CASE WHEN deadline.not_applicable_reason IS NOT NULL THEN 'not_applicable' WHEN deadline.met_on <= COALESCE(deadline.extended_to, deadline.due_date) THEN 'met_on_time' WHEN deadline.met_on > COALESCE(deadline.extended_to, deadline.due_date) THEN 'met_late' WHEN deadline.paused_reason IS NOT NULL THEN 'paused' ELSE 'open' END, CASE WHEN deadline.not_applicable_reason IS NULL AND deadline.met_on > COALESCE(deadline.extended_to, deadline.due_date) THEN (deadline.met_on - COALESCE(deadline.extended_to, deadline.due_date)) ELSE 0 END, CASE WHEN deadline.not_applicable_reason IS NULL AND deadline.met_on IS NULL AND deadline.paused_reason IS NULL THEN COALESCE(deadline.extended_to, deadline.due_date) ELSE DATE '0001-01-01' END, CASE WHEN deadline.not_applicable_reason IS NULL AND deadline.extended_to IS NOT NULL THEN 1 ELSE 0 END, count(*) FROM deadline WHERE deadline.due_date IS NOT NULL GROUP BY deadline.partnership_id, CAST(date_trunc('month', deadline.due_date) AS date), deadline.owner_type, deadline.rule_key, CASE WHEN deadline.not_applicable_reason IS NOT NULL THEN 'not_applicable' WHEN deadline.met_on <= COALESCE(deadline.extended_to, deadline.due_date) THEN 'met_on_time' WHEN deadline.met_on > COALESCE(deadline.extended_to, deadline.due_date) THEN 'met_late' WHEN deadline.paused_reason IS NOT NULL THEN 'paused' ELSE 'open' END, CASE WHEN deadline.not_applicable_reason IS NULL AND deadline.met_on > COALESCE(deadline.extended_to, deadline.due_date) THEN (deadline.met_on - COALESCE(deadline.extended_to, deadline.due_date)) ELSE 0 END, CASE WHEN deadline.not_applicable_reason IS NULL AND deadline.met_on IS NULL AND deadline.paused_reason IS NULL THEN COALESCE(deadline.extended_to, deadline.due_date) ELSE DATE '0001-01-01' END, CASE WHEN deadline.not_applicable_reason IS NULL AND deadline.extended_to IS NOT NULL THEN 1 ELSE 0 END''',
}

DROP_DDL = {
    'sqlite': [
        '''DROP TRIGGER IF EXISTS deadline_tally_insert''',
        '''DROP TRIGGER IF EXISTS deadline_tally_delete''',
        '''DROP TRIGGER IF EXISTS deadline_tally_update_new''',
        '''DROP TRIGGER IF EXISTS deadline_tally_update_old''',
    ],
    'postgresql': [
        '''DROP TRIGGER IF EXISTS deadline_tally_change ON deadline''',
        '''DROP FUNCTION IF EXISTS deadline_tally_change()''',
    ],
}


def upgrade():
    op.create_table('deadline_tally',
    sa.Column('partnership_id', sa.Integer(), nullable=False),
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('owner_type', sa.String(length=32), nullable=False),
    sa.Column('rule_key', sa.String(length=64), nullable=False),
    sa.Column('outcome', sa.String(length=16), nullable=False),
    sa.Column('days_late', sa.Integer(), nullable=False),
    sa.Column('open_until', sa.Date(), nullable=False),
    sa.Column('extended', sa.Integer(), nullable=False),
    sa.Column('n', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('partnership_id', 'month', 'owner_type', 'rule_key', 'outcome',
                            'days_late', 'open_until', 'extended',
                            name=op.f('pk_deadline_tally'))
    )
    dialect = op.get_bind().dialect.name
    # The triggers first, then the count of the deadlines already stored, in one transaction:
    # on PostgreSQL creating a trigger locks out writers until the upgrade commits, so no
    # write falls between the count and the triggers.
    for statement in TRIGGER_DDL[dialect]:
        op.execute(statement)
    op.execute(RECOUNT_SQL[dialect])


def downgrade():
    for statement in DROP_DDL[op.get_bind().dialect.name]:
        op.execute(statement)
    op.drop_table('deadline_tally')
