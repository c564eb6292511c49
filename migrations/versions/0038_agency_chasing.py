"""Chasing agencies: the chase ledger (agency_chase: one row per request, stage, contact and
day, under a unique key), pausing chasing on a reporting-form request, and an agency contact
made inactive (agency_contact.active), and a partnership's own link expiry
(partnership.agency_link_days)

Revision ID: 0038_agency_chasing
Revises: 0040_user_sessions
Create Date: 2026-12-07 04:50:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0038_agency_chasing'
down_revision = '0040_user_sessions'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'agency_chase',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('owner_type', sa.String(length=32), nullable=False),
        sa.Column('owner_id', sa.Integer(), nullable=False),
        sa.Column('stage', sa.String(length=16), nullable=False),
        sa.Column('contact_id', sa.Integer(), nullable=False),
        sa.Column('fire_date', sa.Date(), nullable=False),
        sa.Column('partnership_id', sa.Integer(), nullable=False),
        sa.Column('link_id', sa.Integer(), nullable=False),
        sa.Column('due_date', sa.Date(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('claim', sa.String(length=32), nullable=False),
        sa.Column('email_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['contact_id'], ['agency_contact.id'], ondelete='CASCADE',
                                name=op.f('fk_agency_chase_contact_id_agency_contact')),
        sa.ForeignKeyConstraint(['partnership_id'], ['partnership.id'], ondelete='CASCADE',
                                name=op.f('fk_agency_chase_partnership_id_partnership')),
        sa.ForeignKeyConstraint(['link_id'], ['agency_link.id'], ondelete='CASCADE',
                                name=op.f('fk_agency_chase_link_id_agency_link')),
        sa.ForeignKeyConstraint(['email_id'], ['outbound_email.id'], ondelete='SET NULL',
                                name=op.f('fk_agency_chase_email_id_outbound_email')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_agency_chase')),
        sa.UniqueConstraint('owner_type', 'owner_id', 'stage', 'contact_id', 'fire_date',
                            name='uq_agency_chase_key'),
    )
    op.create_index('ix_agency_chase_fire_date', 'agency_chase', ['fire_date'])
    op.create_index(op.f('ix_agency_chase_partnership_id'), 'agency_chase', ['partnership_id'])
    op.create_index(op.f('ix_agency_chase_link_id'), 'agency_chase', ['link_id'])
    op.create_index(op.f('ix_agency_chase_claim'), 'agency_chase', ['claim'])
    # Plain add_column: no batch rebuild of cdr_agency_request. Who paused it is in the audit
    # trail (the change is audited under the user).
    op.add_column('cdr_agency_request', sa.Column('chasing_paused_at', sa.DateTime(),
                                                  nullable=True))
    op.add_column('agency_contact', sa.Column('active', sa.Boolean(), nullable=False,
                                              server_default=sa.true()))
    op.add_column('partnership', sa.Column('agency_link_days', sa.Integer(), nullable=True))


def downgrade():
    with op.batch_alter_table('partnership') as batch:
        batch.drop_column('agency_link_days')
    with op.batch_alter_table('agency_contact') as batch:
        batch.drop_column('active')
    with op.batch_alter_table('cdr_agency_request') as batch:
        batch.drop_column('chasing_paused_at')
    op.drop_index(op.f('ix_agency_chase_claim'), table_name='agency_chase')
    op.drop_index(op.f('ix_agency_chase_link_id'), table_name='agency_chase')
    op.drop_index(op.f('ix_agency_chase_partnership_id'), table_name='agency_chase')
    op.drop_index('ix_agency_chase_fire_date', table_name='agency_chase')
    op.drop_table('agency_chase')
