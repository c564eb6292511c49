"""Open-deadline page indexes: the case list by designated doctor in page order; My cases'
two indexes and the outstanding requests' made covering on SQLite too (they now hold every
column the query names, the always-NULL ones of their predicate included), My cases' with
the date of death it sorts by; a user's open notices with their partnership (the header's
count from the index alone on PostgreSQL)

Revision ID: 0022_open_deadline_indexes
Revises: 0021_duplicates_indexes
Create Date: 2026-12-06 17:40:00

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '0022_open_deadline_indexes'
down_revision = '0021_duplicates_indexes'
branch_labels = None
depends_on = None

OPEN_CASE = "closed_on IS NULL"
OPEN_APPLICABLE = "met_on IS NULL AND not_applicable_reason IS NULL"
NOT_RETURNED = "returned_on IS NULL"
OWNER_COLUMNS = ['owner_type', 'owner_id', 'item', 'rule_key', 'due_date', 'extended_to',
                 'paused_reason']


def _doctor_open(columns):
    op.create_index('ix_cdr_case_doctor_open', 'cdr_case', columns, unique=False,
                    postgresql_where=sa.text(OPEN_CASE), sqlite_where=sa.text(OPEN_CASE))


def _open_owner(columns):
    op.create_index('ix_deadline_open_owner', 'deadline', columns, unique=False,
                    postgresql_where=sa.text(OPEN_APPLICABLE),
                    sqlite_where=sa.text(OPEN_APPLICABLE))


def _request_open(columns):
    op.create_index('ix_cdr_agency_request_open', 'cdr_agency_request', columns, unique=False,
                    postgresql_where=sa.text(NOT_RETURNED),
                    sqlite_where=sa.text(NOT_RETURNED))


def upgrade():
    # Plain DROP and CREATE INDEX (no table rebuilt on SQLite, so no trigger is lost).
    op.create_index('ix_cdr_case_partnership_doctor', 'cdr_case',
                    ['partnership_id', 'designated_doctor_id', 'date_of_death', 'id'],
                    unique=False)
    op.drop_index('ix_cdr_case_doctor_open', table_name='cdr_case')
    _doctor_open(['designated_doctor_id', 'partnership_id', 'id', 'date_of_death',
                  'closed_on'])
    op.drop_index('ix_deadline_open_owner', table_name='deadline')
    _open_owner([*OWNER_COLUMNS, 'met_on', 'not_applicable_reason'])
    op.drop_index('ix_cdr_agency_request_open', table_name='cdr_agency_request')
    _request_open(['partnership_id', 'sent_on', 'id', 'returned_on'])
    op.drop_index('ix_reminder_recipient_open', table_name='reminder')
    op.create_index('ix_reminder_recipient_open', 'reminder',
                    ['recipient_id', 'dismissed_at', 'id', 'partnership_id'], unique=False)


def downgrade():
    op.drop_index('ix_reminder_recipient_open', table_name='reminder')
    op.create_index('ix_reminder_recipient_open', 'reminder',
                    ['recipient_id', 'dismissed_at', 'id'], unique=False)
    op.drop_index('ix_cdr_agency_request_open', table_name='cdr_agency_request')
    _request_open(['partnership_id', 'sent_on', 'id'])
    op.drop_index('ix_deadline_open_owner', table_name='deadline')
    _open_owner(OWNER_COLUMNS)
    op.drop_index('ix_cdr_case_doctor_open', table_name='cdr_case')
    _doctor_open(['designated_doctor_id', 'partnership_id', 'id'])
    op.drop_index('ix_cdr_case_partnership_doctor', table_name='cdr_case')
