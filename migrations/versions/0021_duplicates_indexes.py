"""Records stored twice, grouped off indexes: a partnership's children by NHS number and by
name and date of birth, and its incidents by child death case and by child and dates

Revision ID: 0021_duplicates_indexes
Revises: 0020_review_steps_2023
Create Date: 2026-12-06 17:40:00

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '0021_duplicates_indexes'
down_revision = '0020_review_steps_2023'
branch_labels = None
depends_on = None


def upgrade():
    # Plain CREATE INDEX (no table rebuilt on SQLite, so no trigger is lost).
    op.create_index('ix_cdr_child_identity_partnership_nhs', 'cdr_child_identity',
                    ['partnership_id', 'nhs_number'], unique=False)
    op.create_index('ix_cdr_child_identity_partnership_death', 'cdr_child_identity',
                    ['partnership_id', 'name_search', 'date_of_birth'], unique=False)
    op.create_index('ix_serious_incident_partnership_case', 'serious_incident',
                    ['partnership_id', 'cdr_case_id'], unique=False)
    op.create_index('ix_serious_incident_partnership_child', 'serious_incident',
                    ['partnership_id', sa.text('lower(child_reference)'), 'incident_date',
                     'la_aware_on', 'child_reference'], unique=False)


def downgrade():
    op.drop_index('ix_serious_incident_partnership_child', table_name='serious_incident')
    op.drop_index('ix_serious_incident_partnership_case', table_name='serious_incident')
    op.drop_index('ix_cdr_child_identity_partnership_death', table_name='cdr_child_identity')
    op.drop_index('ix_cdr_child_identity_partnership_nhs', table_name='cdr_child_identity')
