"""Cases sent to the NCMD before the tracker: the day a CDOP administrator marked a case so
(a bulk action for the cases the previous system sent), and the index of the cases not yet
sent leaving them out

Revision ID: 0032_ncmd_before_tracker
Revises: 0031_further_notifications
Create Date: 2026-12-07 00:55:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0032_ncmd_before_tracker'
down_revision = '0031_further_notifications'
branch_labels = None
depends_on = None

OLD_NOT_SENT = "ncmd_analysis_sent_on IS NULL"
NOT_SENT = "ncmd_analysis_sent_on IS NULL AND ncmd_before_tracker_on IS NULL"


def _index(columns, where):
    op.create_index('ix_cdr_case_ncmd_not_sent', 'cdr_case', columns, unique=False,
                    postgresql_where=sa.text(where), sqlite_where=sa.text(where))


def upgrade():
    # Plain ADD COLUMN (no table rebuilt on SQLite, so no trigger is lost).
    op.add_column('cdr_case', sa.Column('ncmd_before_tracker_on', sa.Date(), nullable=True))
    op.drop_index('ix_cdr_case_ncmd_not_sent', table_name='cdr_case')
    _index(['partnership_id', 'notification_received_on', 'id', 'ncmd_analysis_sent_on',
            'ncmd_before_tracker_on'], NOT_SENT)


def downgrade():
    op.drop_index('ix_cdr_case_ncmd_not_sent', table_name='cdr_case')
    _index(['partnership_id', 'notification_received_on', 'id', 'ncmd_analysis_sent_on'],
           OLD_NOT_SENT)
    op.drop_column('cdr_case', 'ncmd_before_tracker_on')
