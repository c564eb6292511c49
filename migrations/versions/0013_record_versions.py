"""Record versions: every record changed through an edit form gets a version (1 for the rows already there), so a save made on a page opened before someone else's is refused

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06 10:00:00

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None

# The tables of tracker.versioning.Versioned models, and the user table (whose version only
# its edit form bumps). None of them has a trigger, and adding a column with a default
# rebuilds no table on SQLite.
TABLES = ['cdr_agency_request', 'cdr_panel_item', 'reviews_recommendation', 'reviews_action',
          'reviews_reviewer', 'reviews_request', 'reviews_yearly_report', 'rule_override',
          'reminder_policy', 'user']


def upgrade():
    for table in TABLES:
        op.add_column(table, sa.Column('version', sa.Integer(), server_default='1',
                                       nullable=False))


def downgrade():
    for table in reversed(TABLES):
        with op.batch_alter_table(table) as batch:
            batch.drop_column('version')
