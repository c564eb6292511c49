"""Overdue filters and notices: the lists' overdue index and their filters' case indexes; the annual report's old covering indexes dropped (it reads its tally); notices that clear themselves when their deadline is met, paused, not applicable or deleted

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04 19:05:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

# The SQL this migration runs, frozen as it was on the migration's day: the app's modules
# that make the same triggers for create_all() may change later (a tally's new key, say),
# and an old migration must never run new SQL. A later change is a new migration.
CLEAR_NOTICES_DDL = {
    'sqlite': [
        '''CREATE TRIGGER IF NOT EXISTS reminder_clear_when_done AFTER UPDATE OF met_on, not_applicable_reason, paused_reason ON deadline WHEN (NEW.met_on IS NOT NULL AND OLD.met_on IS NULL) OR (NEW.not_applicable_reason IS NOT NULL AND OLD.not_applicable_reason IS NULL) OR (NEW.paused_reason IS NOT NULL AND OLD.paused_reason IS NULL) BEGIN UPDATE reminder SET dismissed_at = CURRENT_TIMESTAMP WHERE subject_type = 'deadline' AND subject_id = NEW.id AND dismissed_at IS NULL; END''',
        '''CREATE TRIGGER IF NOT EXISTS reminder_clear_when_deleted AFTER DELETE ON deadline BEGIN UPDATE reminder SET dismissed_at = CURRENT_TIMESTAMP WHERE subject_type = 'deadline' AND subject_id = OLD.id AND dismissed_at IS NULL; END''',
    ],
    'postgresql': [
        '''CREATE OR REPLACE FUNCTION reminder_clear_when_done() RETURNS trigger AS $$ BEGIN IF TG_OP = 'DELETE' THEN UPDATE reminder SET dismissed_at = (now() AT TIME ZONE 'utc') WHERE subject_type = 'deadline' AND subject_id = OLD.id AND dismissed_at IS NULL; ELSIF (NEW.met_on IS NOT NULL AND OLD.met_on IS NULL) OR (NEW.not_applicable_reason IS NOT NULL AND OLD.not_applicable_reason IS NULL) OR (NEW.paused_reason IS NOT NULL AND OLD.paused_reason IS NULL) THEN UPDATE reminder SET dismissed_at = (now() AT TIME ZONE 'utc') WHERE subject_type = 'deadline' AND subject_id = NEW.id AND dismissed_at IS NULL; END IF; RETURN NULL; END $$ LANGUAGE plpgsql''',
        '''CREATE OR REPLACE TRIGGER reminder_clear_when_done AFTER DELETE OR UPDATE OF met_on, not_applicable_reason, paused_reason ON deadline FOR EACH ROW EXECUTE FUNCTION reminder_clear_when_done()''',
    ],
}

CLEAR_NOTICES_DROP = {
    'sqlite': [
        '''DROP TRIGGER IF EXISTS reminder_clear_when_done''',
        '''DROP TRIGGER IF EXISTS reminder_clear_when_deleted''',
    ],
    'postgresql': [
        '''DROP TRIGGER IF EXISTS reminder_clear_when_done ON deadline''',
        '''DROP FUNCTION IF EXISTS reminder_clear_when_done()''',
    ],
}

_OPEN_UNPAUSED = sa.text(
    'met_on IS NULL AND not_applicable_reason IS NULL AND paused_reason IS NULL')
_REPORT_COLUMNS = ['date_of_death', 'age_at_death_days', 'sex', 'death_expected',
                   'place_of_death', 'category', 'modifiable_factors']


# Plain create and drop (not batch): no table is rebuilt, so no trigger is lost on SQLite.
def upgrade():
    op.drop_index('ix_cdr_case_notified_report', table_name='cdr_case')
    op.drop_index('ix_cdr_case_reviewed_report', table_name='cdr_case')
    op.create_index('ix_cdr_case_partnership_jar', 'cdr_case',
                    ['partnership_id', 'jar_required', 'date_of_death', 'id'], unique=False)
    op.create_index('ix_deadline_overdue', 'deadline',
                    ['partnership_id', 'owner_type', 'due_date', 'extended_to', 'owner_id',
                     'rule_key', 'met_on', 'not_applicable_reason', 'paused_reason'],
                    unique=False, postgresql_where=_OPEN_UNPAUSED, sqlite_where=_OPEN_UNPAUSED)
    op.create_index('ix_serious_incident_partnership_decision', 'serious_incident',
                    ['partnership_id', 'decision', 'la_aware_on', 'id'], unique=False)
    dialect = op.get_bind().dialect.name
    for statement in CLEAR_NOTICES_DDL[dialect]:
        op.execute(statement)
    # The notices already open about deadlines met, set aside, paused or gone go too.
    now = "(now() AT TIME ZONE 'utc')" if dialect == "postgresql" else "CURRENT_TIMESTAMP"
    op.execute(
        f"UPDATE reminder SET dismissed_at = {now} WHERE subject_type = 'deadline' "
        "AND dismissed_at IS NULL AND NOT EXISTS (SELECT 1 FROM deadline d "
        "WHERE d.id = reminder.subject_id AND d.met_on IS NULL "
        "AND d.not_applicable_reason IS NULL AND d.paused_reason IS NULL)")


def downgrade():
    for statement in CLEAR_NOTICES_DROP[op.get_bind().dialect.name]:
        op.execute(statement)
    op.drop_index('ix_serious_incident_partnership_decision', table_name='serious_incident')
    op.drop_index('ix_deadline_overdue', table_name='deadline')
    op.drop_index('ix_cdr_case_partnership_jar', table_name='cdr_case')
    op.create_index('ix_cdr_case_reviewed_report', 'cdr_case',
                    ['partnership_id', 'review_completed_on', 'notification_received_on',
                     *_REPORT_COLUMNS], unique=False)
    op.create_index('ix_cdr_case_notified_report', 'cdr_case',
                    ['partnership_id', 'notification_received_on', 'review_completed_on',
                     *_REPORT_COLUMNS], unique=False)
