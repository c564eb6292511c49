"""The NCMD status of a child death case: the date each national form (notification,
reporting forms, analysis) was sent to the National Child Mortality Database and who marked
it, and the index of the cases not yet sent, oldest notified first; and the timeline's
words for the CDOP's meetings: "CDOP meeting" (the national Panel is another body)

Revision ID: 0029_ncmd
Revises: 0028_analysis_form
Create Date: 2026-12-06 20:50:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0029_ncmd'
down_revision = '0028_analysis_form'
branch_labels = None
depends_on = None

FORMS = ('notification', 'reporting', 'analysis')
NOT_SENT = "ncmd_analysis_sent_on IS NULL"
# The words the timeline's stored lines used for a CDOP's meeting, and the ones it uses now
# ("Added to the agenda of the CDOP meeting of 1 April 2026").
OLD_WORDS, NEW_WORDS = 'CDOP panel meeting', 'CDOP meeting'


def _reword(old, new):
    timeline = sa.table('timeline_entry', sa.column('text', sa.String))
    op.execute(timeline.update().where(timeline.c.text.like(f'%{old}%'))
               .values(text=sa.func.replace(timeline.c.text, old, new)))


def upgrade():
    # Plain ADD COLUMN (no table rebuilt on SQLite, so no trigger is lost). Alembic adds no
    # foreign key on SQLite without a rebuild, but SQLite's own ADD COLUMN takes one inline.
    sqlite = op.get_bind().dialect.name == 'sqlite'
    for form in FORMS:
        op.add_column('cdr_case', sa.Column(f'ncmd_{form}_sent_on', sa.Date(), nullable=True))
        fk = f'fk_cdr_case_ncmd_{form}_sent_by_id_user'
        if sqlite:
            op.execute(f'ALTER TABLE cdr_case ADD COLUMN ncmd_{form}_sent_by_id INTEGER '
                       f'CONSTRAINT {fk} REFERENCES "user" (id)')
        else:
            op.add_column('cdr_case', sa.Column(f'ncmd_{form}_sent_by_id', sa.Integer(),
                                                nullable=True))
            op.create_foreign_key(fk, 'cdr_case', 'user', [f'ncmd_{form}_sent_by_id'], ['id'])
    op.create_index('ix_cdr_case_ncmd_not_sent', 'cdr_case',
                    ['partnership_id', 'notification_received_on', 'id',
                     'ncmd_analysis_sent_on'], unique=False,
                    postgresql_where=sa.text(NOT_SENT), sqlite_where=sa.text(NOT_SENT))
    _reword(OLD_WORDS, NEW_WORDS)


def downgrade():
    _reword(NEW_WORDS, OLD_WORDS)
    op.drop_index('ix_cdr_case_ncmd_not_sent', table_name='cdr_case')
    for form in reversed(FORMS):
        if op.get_bind().dialect.name != 'sqlite':
            op.drop_constraint(f'fk_cdr_case_ncmd_{form}_sent_by_id_user', 'cdr_case',
                               type_='foreignkey')
        # SQLite (3.35 and later) drops a column its index no longer names; its inline foreign
        # key goes with it.
        op.drop_column('cdr_case', f'ncmd_{form}_sent_by_id')
        op.drop_column('cdr_case', f'ncmd_{form}_sent_on')
