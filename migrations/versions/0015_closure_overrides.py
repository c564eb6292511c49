"""Statutory and Panel deadlines: a partnership's closure days and overrides no longer move them

Working Together's working day is any day but a Saturday, Sunday or bank holiday (2018,
chapter 4 footnote 90): a partnership's own closure days count only for its local-practice
rules, and only local-practice rules may be changed by a partnership. This migration

- adds `rule_override.switched_off_on` and switches off (keeps, never deletes) every override
  of a statutory or Panel rule;
- recomputes the stored due dates of those rules where the partnership has closure days or had
  such an override, from the trigger date kept on each deadline, with the arithmetic of its
  day frozen below (weekends and England and Wales bank holidays, from `holidays` as the app
  reads them). Only `due_date` changes: met dates, extensions and every reason are kept;
- records each move in `deadline_correction` (old and new date), which the partnership's
  settings page lists for its system administrators. The downgrade puts the old dates back
  from there (where nobody has changed them since) and drops both.

Revision ID: 0015_closure_overrides
Revises: 0014_killed_builds
Create Date: 2026-12-06 14:00:00

"""
from datetime import date, timedelta

import holidays
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0015_closure_overrides'
down_revision = '0014_killed_builds'
branch_labels = None
depends_on = None

# The statutory ("must", "should") and Panel rules of Working Together 2018 as they stood at
# this revision: key -> (unit, amount, direction). Frozen here, never read from the app.
FIXED_RULES = {
    'registrar_notification': ('calendar_days', 7, 'after'),
    'coroner_notification': ('working_days', 3, 'after'),
    'panel_notification': ('working_days', 5, 'after'),
    'partners_notification': ('working_days', 5, 'after'),
    'rapid_review': ('working_days', 15, 'after'),
    'cspr_publication': ('months', 6, 'after'),
    'cspr_prepublication_copies': ('working_days', 7, 'before'),
    'cspr_public_until': ('years', 1, 'after'),
    'national_publication': ('months', 6, 'after'),
    'national_prepublication_copies': ('working_days', 7, 'before'),
    'national_public_until': ('years', 3, 'after'),
    'yearly_report': ('months', 12, 'after'),
    'yearly_report_copies': ('calendar_days', 7, 'after'),
}
EDITION = 'WT2018'
FIRST_YEAR, LAST_YEAR = 1990, 2100
BATCH = 1000

rule_override = sa.table(
    'rule_override',
    sa.column('id', sa.Integer), sa.column('partnership_id', sa.Integer),
    sa.column('rule_key', sa.String), sa.column('switched_off_on', sa.Date))
closure_day = sa.table('closure_day', sa.column('partnership_id', sa.Integer))
deadline = sa.table(
    'deadline',
    sa.column('id', sa.Integer), sa.column('partnership_id', sa.Integer),
    sa.column('owner_type', sa.String), sa.column('owner_id', sa.Integer),
    sa.column('rule_key', sa.String), sa.column('edition', sa.String),
    sa.column('trigger_date', sa.Date), sa.column('earliest_date', sa.Date),
    sa.column('due_date', sa.Date))


def _correction_columns():
    """Fresh columns each time (a Column belongs to one Table; up, down, up makes two)."""
    return (
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('partnership_id', sa.Integer(), nullable=False),
        sa.Column('deadline_id', sa.Integer(), nullable=False),
        sa.Column('owner_type', sa.String(length=32), nullable=False),
        sa.Column('owner_id', sa.Integer(), nullable=False),
        sa.Column('rule_key', sa.String(length=64), nullable=False),
        sa.Column('old_due_date', sa.Date(), nullable=True),
        sa.Column('new_due_date', sa.Date(), nullable=True),
        sa.Column('cause', sa.String(length=32), nullable=False),
        sa.Column('corrected_on', sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(['partnership_id'], ['partnership.id'],
                                name=op.f('fk_deadline_correction_partnership_id_partnership'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_deadline_correction')),
    )


# --- The arithmetic of this revision's day (tracker/calendar.py, weekends and bank holidays) --

_BANK_HOLIDAYS = None


def _bank_holidays():
    global _BANK_HOLIDAYS
    if _BANK_HOLIDAYS is None:
        _BANK_HOLIDAYS = frozenset(holidays.UK(subdiv='ENG',
                                               years=range(FIRST_YEAR, LAST_YEAR + 1)))
    return _BANK_HOLIDAYS


def _working(day):
    return day.weekday() < 5 and day not in _bank_holidays()


def _move_working_days(day, n, step):
    """The n-th working day strictly after (step 1) or before (step -1) day."""
    while n > 0:
        day += timedelta(days=step)
        if _working(day):
            n -= 1
    return day


def _shift_months(day, n):
    year, month0 = divmod(day.year * 12 + day.month - 1 + n, 12)
    month = month0 + 1
    first_of_next = date(year + month // 12, month % 12 + 1, 1)
    return date(year, month, min(day.day, (first_of_next - timedelta(days=1)).day))


def _due(rule_key, trigger):
    """The rule's due date from the trigger, or None outside the supported calendar."""
    unit, amount, direction = FIXED_RULES[rule_key]
    sign = 1 if direction == 'after' else -1
    if unit == 'working_days':
        due = _move_working_days(trigger, amount, sign)
    elif unit == 'calendar_days':
        due = trigger + timedelta(days=sign * amount)
    else:
        due = _shift_months(trigger, sign * amount * (12 if unit == 'years' else 1))
    return due if FIRST_YEAR <= due.year <= LAST_YEAR else None


# --- Upgrade and downgrade --------------------------------------------------------------------


def upgrade():
    op.add_column('rule_override', sa.Column('switched_off_on', sa.Date(), nullable=True))
    correction = op.create_table('deadline_correction', *_correction_columns())
    op.create_index(op.f('ix_deadline_correction_partnership_id'), 'deadline_correction',
                    ['partnership_id'], unique=False)
    connection = op.get_bind()
    today = date.today()
    fixed = sorted(FIXED_RULES)

    overridden = {
        (row.partnership_id, row.rule_key) for row in connection.execute(
            sa.select(rule_override.c.partnership_id, rule_override.c.rule_key)
            .where(rule_override.c.rule_key.in_(fixed)))
    }
    connection.execute(sa.update(rule_override).where(rule_override.c.rule_key.in_(fixed))
                       .values(switched_off_on=today))
    closing = set(connection.execute(sa.select(closure_day.c.partnership_id).distinct())
                  .scalars())
    affected = closing | {pid for pid, _ in overridden}
    if not affected:
        return
    rows = connection.execute(
        sa.select(deadline.c.id, deadline.c.partnership_id, deadline.c.owner_type,
                  deadline.c.owner_id, deadline.c.rule_key, deadline.c.trigger_date,
                  deadline.c.due_date)
        .where(deadline.c.rule_key.in_(fixed), deadline.c.edition == EDITION,
               deadline.c.trigger_date.is_not(None),
               deadline.c.partnership_id.in_(sorted(affected)))
        .order_by(deadline.c.id)).all()
    moves, records = [], []
    for row in rows:
        switched_off = (row.partnership_id, row.rule_key) in overridden
        by_closures = (row.partnership_id in closing
                       and FIXED_RULES[row.rule_key][0] == 'working_days')
        if not (switched_off or by_closures):
            continue
        due = _due(row.rule_key, row.trigger_date)
        if due is None or due == row.due_date:
            continue
        moves.append({'b_id': row.id, 'b_due': due})
        records.append({'partnership_id': row.partnership_id, 'deadline_id': row.id,
                        'owner_type': row.owner_type, 'owner_id': row.owner_id,
                        'rule_key': row.rule_key, 'old_due_date': row.due_date,
                        'new_due_date': due,
                        'cause': 'override_switched_off' if switched_off else 'closure_days',
                        'corrected_on': today})
    update = (sa.update(deadline).where(deadline.c.id == sa.bindparam('b_id'))
              .values(due_date=sa.bindparam('b_due'), earliest_date=None))
    for start in range(0, len(moves), BATCH):
        connection.execute(update, moves[start:start + BATCH])
        connection.execute(sa.insert(correction), records[start:start + BATCH])


def downgrade():
    connection = op.get_bind()
    correction = sa.table('deadline_correction', sa.column('id', sa.Integer),
                          sa.column('deadline_id', sa.Integer),
                          sa.column('old_due_date', sa.Date), sa.column('new_due_date', sa.Date))
    back = [{'b_id': row.deadline_id, 'b_old': row.old_due_date, 'b_new': row.new_due_date}
            for row in connection.execute(
                sa.select(correction.c.deadline_id, correction.c.old_due_date,
                          correction.c.new_due_date).order_by(correction.c.id))]
    restore = (sa.update(deadline)
               .where(deadline.c.id == sa.bindparam('b_id'),
                      deadline.c.due_date == sa.bindparam('b_new'))
               .values(due_date=sa.bindparam('b_old')))
    for start in range(0, len(back), BATCH):
        connection.execute(restore, back[start:start + BATCH])
    op.drop_index(op.f('ix_deadline_correction_partnership_id'),
                  table_name='deadline_correction')
    op.drop_table('deadline_correction')
    with op.batch_alter_table('rule_override') as batch:
        batch.drop_column('switched_off_on')
