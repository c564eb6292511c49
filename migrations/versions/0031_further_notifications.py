"""Further notifications keep their own answers (cdr_notification.answers) and the agencies
they add are marked as theirs (cdr_case_agency.notification_id); the timeline's lines on a
decision that no post-mortem will be held no longer hold who decided (free text that may be
a person's name: it stays in the case's own field)

Revision ID: 0031_further_notifications
Revises: 0030_incident_due
Create Date: 2026-12-07 00:50:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0031_further_notifications'
down_revision = '0030_incident_due'
branch_labels = None
depends_on = None

# The decisions (cdr.models.case.NO_POST_MORTEM) and the words the timeline stored after
# "(decided by <who>)", copied here: a migration imports nothing from the app.
DECISIONS = ('No post-mortem will be held', 'The coroner has not taken the case')
TAIL = ': the third rapid response meeting is not needed'


def _forget_who_decided():
    timeline = sa.table('timeline_entry', sa.column('kind', sa.String),
                        sa.column('text', sa.String))
    for decision in DECISIONS:
        op.execute(timeline.update()
                   .where(timeline.c.kind == 'post_mortem',
                          timeline.c.text.like(f'{decision} (decided by %){TAIL}'))
                   .values(text=f'{decision}{TAIL}'))


def upgrade():
    # Plain ADD COLUMN (no table rebuilt on SQLite, so no trigger is lost). Alembic adds no
    # foreign key on SQLite without a rebuild, but SQLite's own ADD COLUMN takes one inline.
    op.add_column('cdr_notification', sa.Column('answers', sa.JSON(), nullable=True))
    if op.get_bind().dialect.name == 'sqlite':
        op.execute('ALTER TABLE cdr_case_agency ADD COLUMN notification_id INTEGER '
                   'CONSTRAINT fk_cdr_case_agency_notification_id_cdr_notification '
                   'REFERENCES cdr_notification (id)')
    else:
        op.add_column('cdr_case_agency', sa.Column('notification_id', sa.Integer(),
                                                   nullable=True))
        op.create_foreign_key('fk_cdr_case_agency_notification_id_cdr_notification',
                              'cdr_case_agency', 'cdr_notification', ['notification_id'],
                              ['id'])
    _forget_who_decided()


def downgrade():
    # Who decided is not put back in the timeline: it is still in the case's own field.
    # SQLite drops the column with its inline foreign key (no table rebuilt, as in 0029).
    if op.get_bind().dialect.name != 'sqlite':
        op.drop_constraint('fk_cdr_case_agency_notification_id_cdr_notification',
                           'cdr_case_agency', type_='foreignkey')
    op.drop_column('cdr_case_agency', 'notification_id')
    op.drop_column('cdr_notification', 'answers')
