"""The contacts a partnership's accessibility statement and privacy notice show
(partnership_contacts: one row per partnership, none until first saved)

Revision ID: 0042_partnership_contacts
Revises: 0037_agency_attachments
Create Date: 2026-12-07 04:45:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0042_partnership_contacts'
down_revision = '0037_agency_attachments'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'partnership_contacts',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('partnership_id', sa.Integer(), nullable=False),
        sa.Column('data_protection_officer', sa.Text(), nullable=True),
        sa.Column('privacy_contact', sa.Text(), nullable=True),
        sa.Column('accessibility_email', sa.String(length=254), nullable=True),
        sa.Column('lawful_basis', sa.Text(), nullable=True),
        sa.Column('updated_by_id', sa.Integer(), nullable=True),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.Column('version', sa.Integer(), server_default='1', nullable=False),
        sa.ForeignKeyConstraint(['partnership_id'], ['partnership.id'], ondelete='CASCADE',
                                name=op.f('fk_partnership_contacts_partnership_id_partnership')),
        sa.ForeignKeyConstraint(['updated_by_id'], ['user.id'],
                                name=op.f('fk_partnership_contacts_updated_by_id_user')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_partnership_contacts')),
        sa.UniqueConstraint('partnership_id', name=op.f('uq_partnership_contacts_partnership_id')),
    )
    op.create_index(op.f('ix_partnership_contacts_updated_by_id'), 'partnership_contacts',
                    ['updated_by_id'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_partnership_contacts_updated_by_id'),
                  table_name='partnership_contacts')
    op.drop_table('partnership_contacts')
