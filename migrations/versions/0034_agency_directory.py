"""The agency directory: each partnership's agencies (agency) and their contacts
(agency_contact), at most one escalation contact an agency; personal links sent to a contact
for one request (agency_link: only the token's hash)

Revision ID: 0034_agency_directory
Revises: 0033_public_notifications
Create Date: 2026-12-07 00:50:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0034_agency_directory'
down_revision = '0033_public_notifications'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'agency',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('name_key', sa.String(length=200), nullable=False),
        sa.Column('kind', sa.String(length=32), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('partnership_id', sa.Integer(), nullable=False),
        sa.Column('version', sa.Integer(), server_default='1', nullable=False),
        sa.ForeignKeyConstraint(['partnership_id'], ['partnership.id'],
                                name=op.f('fk_agency_partnership_id_partnership')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_agency')),
        sa.UniqueConstraint('partnership_id', 'name_key', name='uq_agency_partnership_name'),
    )
    op.create_index(op.f('ix_agency_partnership_id'), 'agency', ['partnership_id'])
    op.create_table(
        'agency_contact',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('agency_id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('role', sa.String(length=200), nullable=True),
        sa.Column('email', sa.String(length=254), nullable=False),
        sa.Column('escalation', sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column('partnership_id', sa.Integer(), nullable=False),
        sa.Column('version', sa.Integer(), server_default='1', nullable=False),
        sa.ForeignKeyConstraint(['agency_id'], ['agency.id'], ondelete='CASCADE',
                                name=op.f('fk_agency_contact_agency_id_agency')),
        sa.ForeignKeyConstraint(['partnership_id'], ['partnership.id'],
                                name=op.f('fk_agency_contact_partnership_id_partnership')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_agency_contact')),
        sa.UniqueConstraint('agency_id', 'email', name='uq_agency_contact_email'),
    )
    op.create_index(op.f('ix_agency_contact_agency_id'), 'agency_contact', ['agency_id'])
    op.create_index(op.f('ix_agency_contact_partnership_id'), 'agency_contact',
                    ['partnership_id'])
    op.create_index('uq_agency_contact_escalation', 'agency_contact', ['agency_id'],
                    unique=True, sqlite_where=sa.text('escalation'),
                    postgresql_where=sa.text('escalation'))
    op.create_table(
        'agency_link',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('owner_type', sa.String(length=32), nullable=False),
        sa.Column('owner_id', sa.Integer(), nullable=False),
        sa.Column('contact_id', sa.Integer(), nullable=False),
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('issued_at', sa.DateTime(), nullable=False),
        sa.Column('issued_by_id', sa.Integer(), nullable=True),
        sa.Column('expires_at', sa.DateTime(), nullable=False),
        sa.Column('opened_at', sa.DateTime(), nullable=True),
        sa.Column('revoked_at', sa.DateTime(), nullable=True),
        sa.Column('revoked_why', sa.String(length=16), nullable=True),
        sa.Column('returned_at', sa.DateTime(), nullable=True),
        sa.Column('partnership_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['contact_id'], ['agency_contact.id'],
                                name=op.f('fk_agency_link_contact_id_agency_contact')),
        sa.ForeignKeyConstraint(['issued_by_id'], ['user.id'],
                                name=op.f('fk_agency_link_issued_by_id_user')),
        sa.ForeignKeyConstraint(['partnership_id'], ['partnership.id'],
                                name=op.f('fk_agency_link_partnership_id_partnership')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_agency_link')),
        sa.UniqueConstraint('token_hash', name=op.f('uq_agency_link_token_hash')),
    )
    op.create_index('ix_agency_link_owner', 'agency_link', ['owner_type', 'owner_id'])
    op.create_index(op.f('ix_agency_link_contact_id'), 'agency_link', ['contact_id'])
    op.create_index(op.f('ix_agency_link_partnership_id'), 'agency_link', ['partnership_id'])


def downgrade():
    op.drop_index(op.f('ix_agency_link_partnership_id'), table_name='agency_link')
    op.drop_index(op.f('ix_agency_link_contact_id'), table_name='agency_link')
    op.drop_index('ix_agency_link_owner', table_name='agency_link')
    op.drop_table('agency_link')
    op.drop_index('uq_agency_contact_escalation', table_name='agency_contact')
    op.drop_index(op.f('ix_agency_contact_partnership_id'), table_name='agency_contact')
    op.drop_index(op.f('ix_agency_contact_agency_id'), table_name='agency_contact')
    op.drop_table('agency_contact')
    op.drop_index(op.f('ix_agency_partnership_id'), table_name='agency')
    op.drop_table('agency')
