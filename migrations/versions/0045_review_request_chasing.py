"""Pausing chasing on a practice review's request for information
(reviews_information_request.chasing_paused_at), as on a reporting-form request

Revision ID: 0045_review_request_chasing
Revises: 0044_retention_free_text
Create Date: 2026-12-07 08:20:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0045_review_request_chasing'
down_revision = '0044_retention_free_text'
branch_labels = None
depends_on = None


def upgrade():
    # Plain add_column: no batch rebuild. Who paused it is in the audit trail.
    op.add_column('reviews_information_request',
                  sa.Column('chasing_paused_at', sa.DateTime(), nullable=True))


def downgrade():
    # A plain DROP COLUMN (SQLite has it since 3.35): a batch rebuild would reflect the
    # serious_incident table the request refers to, whose expression indexes it cannot read.
    op.drop_column('reviews_information_request', 'chasing_paused_at')
