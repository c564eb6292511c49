"""The child death case: no post-mortem (why, when, who decided), the inquest, any prevention
of future deaths report, the family's key worker and the bereavement support offered

Plain add_column on cdr_case (no batch rebuild, so its triggers stay); every new column is
nullable, so existing cases keep working unchanged.

Revision ID: 0026_jar_postmortem_inquest
Revises: 0025_national_notification
Create Date: 2026-12-06 21:00:00

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '0026_jar_postmortem_inquest'
down_revision = '0025_national_notification'
branch_labels = None
depends_on = None

COLUMNS = (
    ('no_post_mortem', sa.String(length=24)),
    ('no_post_mortem_on', sa.Date()),
    ('no_post_mortem_decided_by', sa.String(length=200)),
    ('inquest_on', sa.Date()),
    ('inquest_conclusion', sa.Text()),
    ('pfd_report_on', sa.Date()),
    ('pfd_report_concerns', sa.Text()),
    ('key_worker_name', sa.String(length=200)),
    ('key_worker_agency', sa.String(length=200)),
    ('family_information_offered_on', sa.Date()),
    ('bereavement_support_offered', sa.String(length=16)),
    ('bereavement_support_details', sa.Text()),
)


def upgrade():
    for name, type_ in COLUMNS:
        op.add_column('cdr_case', sa.Column(name, type_, nullable=True))


def downgrade():
    # Plain drop_column: SQLite (3.35 and later) drops a column in place, so the table is not
    # rebuilt and keeps its triggers (cdr_report_tally's); none of them reads these columns.
    for name, _ in reversed(COLUMNS):
        op.drop_column('cdr_case', name)
