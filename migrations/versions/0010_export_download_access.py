"""Export downloads check access again: the permissions a built export's file needs

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06 10:20:00

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

# The text of tracker.export_jobs of this day, copied: a migration keeps its own.
_MADE_BEFORE = 'Made before the tracker was updated: make it again'


def upgrade():
    # A plain ADD COLUMN: SQLite rebuilds no table.
    op.add_column('export_job', sa.Column('permissions', sa.String(length=500), nullable=True))
    # A file built before knows nothing of what it needs, so nobody may download it: its job
    # says so and may be made again (the scheduler's sweep deletes the file in time).
    op.execute(sa.text("UPDATE export_job SET status = 'failed', error = :error "
                       "WHERE status = 'ready'").bindparams(error=_MADE_BEFORE))


def downgrade():
    # export_job has no triggers, so SQLite's batch rebuild of it loses nothing.
    with op.batch_alter_table('export_job', schema=None) as batch_op:
        batch_op.drop_column('permissions')
