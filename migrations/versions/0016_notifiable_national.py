"""Notifiable incidents and the Panel's national review: serious_incident.abuse_or_neglect_known_on (the day the local authority came to know or suspect abuse or neglect; when later than its awareness of the incident, it starts the Panel's and the partners' clocks) and serious_incident.panel_decision_on (the Panel's decision on a national review, which starts its clocks). An incident without abuse or neglect known or suspected is not notifiable to the Panel (Children Act 2004 s16C(1)): its Panel notification, partners' notification and rapid review deadlines are deleted, each deletion written to the audit trail with what the deadline held (its met date, reasons and extension)

Revision ID: 0016_notifiable_national
Revises: 0015_closure_overrides
Create Date: 2026-12-06 14:10:00

"""
from datetime import UTC, date, datetime

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0016_notifiable_national'
down_revision = '0015_closure_overrides'
branch_labels = None
depends_on = None

NOT_NOTIFIABLE_RULES = ('panel_notification', 'partners_notification', 'rapid_review')
DETAIL = ('Migration 0016: not notifiable to the Panel (abuse or neglect is not known or '
          'suspected, Children Act 2004 section 16C(1)), so the deadline no longer applies')

incident = sa.table(
    'serious_incident',
    sa.column('id', sa.Integer), sa.column('la_aware_on', sa.Date),
    sa.column('abuse_or_neglect_suspected', sa.Boolean),
    sa.column('abuse_or_neglect_known_on', sa.Date),
    sa.column('decision', sa.String), sa.column('decision_on', sa.Date),
    sa.column('panel_decision_on', sa.Date),
)
deadline = sa.table(
    'deadline',
    *(sa.column(name, sa.Integer) for name in ('id', 'partnership_id', 'owner_id',
                                               'rules_version')),
    *(sa.column(name, sa.String) for name in ('owner_type', 'rule_key', 'edition', 'item',
                                              'not_applicable_reason', 'paused_reason',
                                              'extension_reason')),
    *(sa.column(name, sa.Date) for name in ('trigger_date', 'earliest_date', 'due_date',
                                            'met_on', 'extended_to')),
    sa.column('updated_at', sa.DateTime),
)
reminder = sa.table(
    'reminder', sa.column('subject_type', sa.String), sa.column('subject_id', sa.Integer),
    sa.column('dismissed_at', sa.DateTime),
)
deadline_correction = sa.table('deadline_correction', sa.column('deadline_id', sa.Integer))
# The national review's clocks, now the Panel's: shown for information, never reminded.
PANEL_RULES = ('national_publication', 'national_prepublication_copies', 'national_public_until')
audit_event = sa.table(
    'audit_event',
    sa.column('occurred_at', sa.DateTime), sa.column('action', sa.String),
    sa.column('object_type', sa.String), sa.column('object_id', sa.String),
    sa.column('object_label', sa.String), sa.column('partnership_id', sa.Integer),
    sa.column('changes', sa.JSON), sa.column('detail', sa.String),
)


def _jsonable(value):
    return value.isoformat() if isinstance(value, date | datetime) else value


def upgrade():
    op.add_column('serious_incident', sa.Column('abuse_or_neglect_known_on', sa.Date(),
                                                nullable=True))
    op.add_column('serious_incident', sa.Column('panel_decision_on', sa.Date(),
                                                nullable=True))
    # A suspicion recorded with the incident dates from awareness (no later day: the column
    # stays empty), and the Panel's decision on a national review from the decision recorded:
    # the dates that started the clocks until now, so no stored due date moves.
    op.execute(incident.update().where(incident.c.decision == 'national')
               .values(panel_decision_on=incident.c.decision_on))

    gone = sa.and_(
        deadline.c.owner_type == 'serious_incident',
        deadline.c.rule_key.in_(NOT_NOTIFIABLE_RULES),
        deadline.c.owner_id.in_(sa.select(incident.c.id).where(
            incident.c.abuse_or_neglect_suspected.is_(sa.false()))),
    )
    bind = op.get_bind()
    now = datetime.now(UTC).replace(tzinfo=None)
    # Notices already given about the Panel's clocks are dismissed (and so kept out of the
    # next digest), as the database does for a deadline met or deleted.
    op.execute(reminder.update().where(
        reminder.c.subject_type == 'deadline', reminder.c.dismissed_at.is_(None),
        reminder.c.subject_id.in_(sa.select(deadline.c.id)
                                  .where(deadline.c.rule_key.in_(PANEL_RULES))),
    ).values(dismissed_at=now))
    rows = bind.execute(sa.select(deadline).where(gone).order_by(deadline.c.id)).mappings().all()
    if not rows:
        return
    bind.execute(audit_event.insert(), [
        {'occurred_at': now, 'action': 'delete', 'object_type': 'Deadline',
         'object_id': str(row['id']), 'object_label': row['rule_key'],
         'partnership_id': row['partnership_id'], 'detail': DETAIL,
         'changes': {name: [_jsonable(value), None] for name, value in row.items()}}
        for row in rows
    ])
    deleted = [row['id'] for row in rows]
    # Migration 0015 may have listed them as moved: a deadline gone is not shown as moved.
    bind.execute(deadline_correction.delete().where(deadline_correction.c.deadline_id.in_(deleted)))
    bind.execute(deadline.delete().where(deadline.c.id.in_(deleted)))


def downgrade():
    # The deleted deadlines are not put back (the audit trail holds them); rebuilding the
    # stored deadlines under the earlier code recreates them from the incidents' dates.
    with op.batch_alter_table('serious_incident') as batch:
        batch.drop_column('panel_decision_on')
        batch.drop_column('abuse_or_neglect_known_on')
