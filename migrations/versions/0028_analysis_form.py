"""The national analysis form and CDOP meetings that have taken place: the child death review
meeting's draft (proposed category, factors and grade in each of the four domains, modifiable
factors with the reason, actions) beside the CDOP meeting's confirmed analysis (a grade per
domain, the reason for the modifiable-factors answer, actions, and the CDOP meeting the review
was completed at), and a CDOP meeting recorded after it took place (why, and by whom)

Revision ID: 0028_analysis_form
Revises: 0027_reporting_forms
Create Date: 2026-12-06 20:50:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0028_analysis_form'
down_revision = '0027_reporting_forms'
branch_labels = None
depends_on = None

DOMAINS = ('child', 'social', 'physical', 'service')
CASE_COLUMNS = (
    ('draft_category', sa.String(32)),
    *((f'draft_factors_{d}', sa.Text()) for d in DOMAINS),
    *((f'draft_grade_{d}', sa.String(1)) for d in DOMAINS),
    ('draft_modifiable', sa.String(16)),
    ('draft_modifiable_reason', sa.Text()),
    ('draft_actions', sa.Text()),
    *((f'grade_{d}', sa.String(1)) for d in DOMAINS),
    ('modifiable_reason', sa.Text()),
    ('outcome_actions', sa.Text()),
)
# Ids of a CDOP meeting and of a user, indexed, without database foreign keys: SQLite adds a
# foreign key to an existing table only by rebuilding it (a batch alter), which would drop
# cdr_case's tally triggers, and its reflection of a key added with ADD COLUMN lacks the
# name and ON DELETE the models would give it.
REFERENCES = (('cdr_case', 'outcome_meeting_id'), ('cdr_panel_meeting', 'recorded_after_by_id'))


def upgrade():
    for name, type_ in CASE_COLUMNS:
        op.add_column('cdr_case', sa.Column(name, type_, nullable=True))
    op.add_column('cdr_panel_meeting', sa.Column('recorded_after_reason', sa.Text(),
                                                 nullable=True))
    for table, column in REFERENCES:
        op.add_column(table, sa.Column(column, sa.Integer(), nullable=True))
        op.create_index(f'ix_{table}_{column}', table, [column], unique=False)


def downgrade():
    for table, column in REFERENCES:
        op.drop_index(f'ix_{table}_{column}', table_name=table)
        op.drop_column(table, column)
    op.drop_column('cdr_panel_meeting', 'recorded_after_reason')
    for name, _type in reversed(CASE_COLUMNS):
        op.drop_column('cdr_case', name)
