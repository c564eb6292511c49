"""Page indexes for PostgreSQL and SQLite alike: a designated doctor's open cases, and the
open deadlines of given owners (My cases from the indexes alone)

Revision ID: 0017_pg_page_indexes
Revises: 0016_notifiable_national
Create Date: 2026-12-06 14:20:00

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '0017_pg_page_indexes'
down_revision = '0016_notifiable_national'
branch_labels = None
depends_on = None

OPEN_CASE = "closed_on IS NULL"
OPEN_APPLICABLE = "met_on IS NULL AND not_applicable_reason IS NULL"


def upgrade():
    # Plain CREATE INDEX (no table rebuilt on SQLite, so no trigger is lost).
    op.create_index('ix_cdr_case_doctor_open', 'cdr_case',
                    ['designated_doctor_id', 'partnership_id', 'id'], unique=False,
                    postgresql_where=sa.text(OPEN_CASE), sqlite_where=sa.text(OPEN_CASE))
    op.create_index('ix_deadline_open_owner', 'deadline',
                    ['owner_type', 'owner_id', 'item', 'rule_key', 'due_date', 'extended_to',
                     'paused_reason'], unique=False,
                    postgresql_where=sa.text(OPEN_APPLICABLE),
                    sqlite_where=sa.text(OPEN_APPLICABLE))


def downgrade():
    op.drop_index('ix_deadline_open_owner', table_name='deadline')
    op.drop_index('ix_cdr_case_doctor_open', table_name='cdr_case')
