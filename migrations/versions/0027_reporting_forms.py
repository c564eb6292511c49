"""Reporting forms and dated completions on the child death side: each agency request names the national form it asks for (cdr_agency_request.reporting_form; every existing request was for the core reporting form); a case's information is complete on a date (cdr_case.information_complete_on, taken for existing cases from the day the timeline says it was marked complete); a completed action keeps its evidence (cdr_action.evidence)

Revision ID: 0027_reporting_forms
Revises: 0026_jar_postmortem_inquest
Create Date: 2026-12-06 21:00:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0027_reporting_forms'
down_revision = '0026_jar_postmortem_inquest'
branch_labels = None
depends_on = None

# The day a complete case was last marked complete, as its timeline recorded it (the
# service always gave that entry its day).
MARKED_COMPLETE = (
    "SELECT MAX(t.happened_on) FROM timeline_entry t WHERE t.owner_type = 'cdr_case' "
    "AND t.owner_id = cdr_case.id AND t.kind = 'information' "
    "AND t.text = 'Information gathering marked complete'")


def upgrade():
    # Added in place on both databases (no batch rebuild, so cdr_case keeps its tally
    # triggers).
    op.add_column('cdr_agency_request', sa.Column(
        'reporting_form', sa.String(length=32), server_default='core', nullable=False))
    op.add_column('cdr_case', sa.Column('information_complete_on', sa.Date(), nullable=True))
    op.add_column('cdr_action', sa.Column('evidence', sa.Text(), nullable=True))
    op.execute(sa.text(f"UPDATE cdr_case SET information_complete_on = ({MARKED_COMPLETE}) "
                       "WHERE information_complete = true"))


def downgrade():
    # Dropped in place (SQLite 3.35 and later drop a column no index or trigger names), so
    # cdr_case keeps its triggers.
    op.drop_column('cdr_action', 'evidence')
    op.drop_column('cdr_case', 'information_complete_on')
    op.drop_column('cdr_agency_request', 'reporting_form')
