"""Home, notices and compliance indexes that both planners serve: the id at the end of the
ordered open-deadline, deadline and open-action indexes (PostgreSQL's hold no rowid, so it
sorted every row of the range), open actions a partial index (PostgreSQL reads no order past
an IS NULL column); open cases and incidents by partnership and stage; the partnership in
the notices index; the owner type in the set-aside index (SQLite chose another of the same
columns)

Revision ID: 0023_home_indexes
Revises: 0022_open_deadline_indexes
Create Date: 2026-12-06 17:50:00

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '0023_home_indexes'
down_revision = '0022_open_deadline_indexes'
branch_labels = None
depends_on = None

OPEN = "met_on IS NULL"
SET_ASIDE = "not_applicable_reason IS NOT NULL OR paused_reason IS NOT NULL"
OPEN_CASE = "closed_on IS NULL"
OPEN_ACTION = "completed_on IS NULL"


def _open_due(columns):
    op.create_index('ix_deadline_open_due', 'deadline', columns, unique=False,
                    postgresql_where=sa.text(OPEN), sqlite_where=sa.text(OPEN))


def _set_aside(columns):
    op.create_index('ix_deadline_set_aside', 'deadline', columns, unique=False,
                    postgresql_where=sa.text(SET_ASIDE), sqlite_where=sa.text(SET_ASIDE))


# (name, table, columns before, columns after) of the plain indexes made again.
REMADE = [
    ('ix_deadline_partnership_due', 'deadline', ['partnership_id', 'due_date'],
     ['partnership_id', 'due_date', 'id']),
]


def upgrade():
    # Plain DROP and CREATE INDEX (no table rebuilt on SQLite, so no trigger is lost).
    op.drop_index('ix_deadline_open_due', table_name='deadline')
    _open_due(['partnership_id', 'due_date', 'id'])
    op.drop_index('ix_deadline_set_aside', table_name='deadline')
    _set_aside(['partnership_id', 'owner_type', 'due_date'])
    for name, table, _, after in REMADE:
        op.drop_index(name, table_name=table)
        op.create_index(name, table, after, unique=False)
    op.drop_index('ix_reviews_action_open_due', table_name='reviews_action')
    op.create_index('ix_reviews_action_open_due', 'reviews_action',
                    ['partnership_id', 'due_on', 'id'], unique=False,
                    postgresql_where=sa.text(OPEN_ACTION), sqlite_where=sa.text(OPEN_ACTION))
    op.create_index('ix_cdr_case_partnership_stage', 'cdr_case',
                    ['partnership_id', 'stage', 'closed_on'], unique=False,
                    postgresql_where=sa.text(OPEN_CASE), sqlite_where=sa.text(OPEN_CASE))
    op.create_index('ix_serious_incident_partnership_stage', 'serious_incident',
                    ['partnership_id', 'stage'], unique=False)


def downgrade():
    op.drop_index('ix_serious_incident_partnership_stage', table_name='serious_incident')
    op.drop_index('ix_cdr_case_partnership_stage', table_name='cdr_case')
    op.drop_index('ix_reviews_action_open_due', table_name='reviews_action')
    op.create_index('ix_reviews_action_open_due', 'reviews_action',
                    ['partnership_id', 'completed_on', 'due_on'], unique=False)
    for name, table, before, _ in reversed(REMADE):
        op.drop_index(name, table_name=table)
        op.create_index(name, table, before, unique=False)
    op.drop_index('ix_deadline_set_aside', table_name='deadline')
    _set_aside(['partnership_id', 'due_date'])
    op.drop_index('ix_deadline_open_due', table_name='deadline')
    _open_due(['partnership_id', 'due_date'])
