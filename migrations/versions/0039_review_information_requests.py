"""A practice review's requests for information to agencies of the directory, for the rapid
review or the local review, sent as personal links (reviews_information_request)

Revision ID: 0039_review_information_requests
Revises: 0042_partnership_contacts
Create Date: 2026-12-07 04:45:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0039_review_information_requests'
down_revision = '0042_partnership_contacts'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'reviews_information_request',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('incident_id', sa.Integer(), nullable=False),
        sa.Column('agency_id', sa.Integer(), nullable=False),
        sa.Column('stage', sa.String(length=16), nullable=False),
        sa.Column('asked', sa.Text(), nullable=False),
        sa.Column('due_on', sa.Date(), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('returned_at', sa.DateTime(), nullable=True),
        sa.Column('accepted_on', sa.Date(), nullable=True),
        sa.Column('partnership_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ['incident_id'], ['serious_incident.id'], ondelete='CASCADE',
            name=op.f('fk_reviews_information_request_incident_id_serious_incident')),
        sa.ForeignKeyConstraint(['agency_id'], ['agency.id'],
                                name=op.f('fk_reviews_information_request_agency_id_agency')),
        sa.ForeignKeyConstraint(['created_by_id'], ['user.id'],
                                name=op.f('fk_reviews_information_request_created_by_id_user')),
        sa.ForeignKeyConstraint(
            ['partnership_id'], ['partnership.id'],
            name=op.f('fk_reviews_information_request_partnership_id_partnership')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_reviews_information_request')),
    )
    for column in ('incident_id', 'agency_id', 'partnership_id'):
        op.create_index(op.f(f'ix_reviews_information_request_{column}'),
                        'reviews_information_request', [column])


def downgrade():
    op.drop_table('reviews_information_request')
