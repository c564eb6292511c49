"""The national notification form on the case: why there is no NHS number, the NCMD alert, ethnicity (2021 census), the fatal event's date, time and place, the senior practitioner present, the causes of death (1a, 1b, 1c, 2), whether a post-mortem is required (cdr_case); the carers (cdr_child_identity, with the child's details); and the case's list of agencies involved (cdr_case_agency). Existing cases hold none of them yet

Revision ID: 0025_national_notification
Revises: 0024_kept_figures
Create Date: 2026-12-06 20:50:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0025_national_notification'
down_revision = '0024_kept_figures'
branch_labels = None
depends_on = None

CASE_COLUMNS = (
    ('nhs_number_absent', sa.String(16)), ('ncmd_alert', sa.String(16)),
    ('ncmd_alert_details', sa.Text()), ('ethnicity', sa.String(32)),
    ('fatal_event_on', sa.Date()), ('fatal_event_time', sa.Time()),
    ('fatal_event_place', sa.String(200)), ('senior_practitioner', sa.String(200)),
    ('cause_1a', sa.String(500)), ('cause_1b', sa.String(500)), ('cause_1c', sa.String(500)),
    ('cause_2', sa.String(500)), ('post_mortem_required', sa.String(16)),
)


def upgrade():
    # Added in place (no batch rebuild: cdr_case's report tally triggers stay as they are).
    for name, kind in CASE_COLUMNS:
        op.add_column('cdr_case', sa.Column(name, kind, nullable=True))
    op.add_column('cdr_child_identity', sa.Column('carers', sa.Text(), nullable=True))
    op.create_table(
        'cdr_case_agency',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('case_id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('kind', sa.String(length=32), nullable=False),
        sa.Column('professional', sa.String(length=200), nullable=True),
        sa.Column('added_on', sa.Date(), nullable=False),
        sa.Column('partnership_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['case_id'], ['cdr_case.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['partnership_id'], ['partnership.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_cdr_case_agency_case_id', 'cdr_case_agency', ['case_id'])
    op.create_index('ix_cdr_case_agency_partnership_id', 'cdr_case_agency', ['partnership_id'])


def downgrade():
    op.drop_index('ix_cdr_case_agency_partnership_id', table_name='cdr_case_agency')
    op.drop_index('ix_cdr_case_agency_case_id', table_name='cdr_case_agency')
    op.drop_table('cdr_case_agency')
    # Plain ALTER TABLE ... DROP COLUMN (SQLite 3.35 and later, PostgreSQL): no batch rebuild,
    # so cdr_case keeps its triggers.
    op.execute(sa.text('ALTER TABLE cdr_child_identity DROP COLUMN carers'))
    for name, _ in reversed(CASE_COLUMNS):
        op.execute(sa.text(f'ALTER TABLE cdr_case DROP COLUMN {name}'))
