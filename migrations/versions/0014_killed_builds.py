"""Heartbeats: an export build and a scheduler run that died with their process are shown failed within minutes, not left "building" or "running"

Revision ID: 0014_killed_builds
Revises: 0013
Create Date: 2026-12-06 14:00:00

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '0014_killed_builds'
down_revision = '0013'
branch_labels = None
depends_on = None

# Neither table has a trigger, and adding a nullable column rebuilds no table on SQLite.
TABLES = ['export_job', 'scheduler_run']


def upgrade():
    for table in TABLES:
        op.add_column(table, sa.Column('heartbeat_at', sa.DateTime(), nullable=True))


def downgrade():
    for table in reversed(TABLES):
        with op.batch_alter_table(table) as batch:
            batch.drop_column('heartbeat_at')
