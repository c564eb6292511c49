"""Public notifications: whether a partnership takes notifications of a death from people
without an account (partnership.takes_public_notifications), each notification sent that
way from draft to triage (cdr_public_notification), and the uses of the public form counted
for its rate limits (cdr_public_form_use)

Revision ID: 0033_public_notifications
Revises: 0032_ncmd_before_tracker
Create Date: 2026-12-07 00:45:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0033_public_notifications'
down_revision = '0032_ncmd_before_tracker'
branch_labels = None
depends_on = None


def upgrade():
    # Plain ADD COLUMN: no batch rebuild of partnership.
    op.add_column('partnership', sa.Column('takes_public_notifications', sa.Boolean(),
                                           server_default=sa.false(), nullable=False))
    op.create_table(
        'cdr_public_notification',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('reference', sa.String(length=40), nullable=True),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('token_hash', sa.String(length=64), nullable=True),
        sa.Column('expires_at', sa.DateTime(), nullable=True),
        sa.Column('answers', sa.JSON(), nullable=False),
        sa.Column('notifier_name', sa.String(length=200), nullable=True),
        sa.Column('notifier_role', sa.String(length=200), nullable=True),
        sa.Column('notifier_organisation', sa.String(length=200), nullable=True),
        sa.Column('notifier_email', sa.String(length=254), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('submitted_at', sa.DateTime(), nullable=True),
        sa.Column('triaged_at', sa.DateTime(), nullable=True),
        sa.Column('triaged_by_id', sa.Integer(), nullable=True),
        sa.Column('decline_reason', sa.String(length=16), nullable=True),
        sa.Column('decline_where', sa.Text(), nullable=True),
        sa.Column('forwarded_to_id', sa.Integer(), nullable=True),
        sa.Column('forwarded_from_id', sa.Integer(), nullable=True),
        sa.Column('case_id', sa.Integer(), nullable=True),
        sa.Column('partnership_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['case_id'], ['cdr_case.id'], ondelete='SET NULL',
                                name='fk_cdr_public_notification_case_id_cdr_case'),
        sa.ForeignKeyConstraint(['forwarded_from_id'], ['partnership.id'], ondelete='SET NULL',
                                name='fk_cdr_public_notification_forwarded_from_id_partnership'),
        sa.ForeignKeyConstraint(['forwarded_to_id'], ['partnership.id'], ondelete='SET NULL',
                                name='fk_cdr_public_notification_forwarded_to_id_partnership'),
        sa.ForeignKeyConstraint(['partnership_id'], ['partnership.id'],
                                name='fk_cdr_public_notification_partnership_id_partnership'),
        sa.ForeignKeyConstraint(['triaged_by_id'], ['user.id'], ondelete='SET NULL',
                                name='fk_cdr_public_notification_triaged_by_id_user'),
        sa.PrimaryKeyConstraint('id', name='pk_cdr_public_notification'),
        sa.UniqueConstraint('partnership_id', 'reference',
                            name='uq_cdr_public_notification_reference'),
        sa.UniqueConstraint('token_hash', name='uq_cdr_public_notification_token_hash'),
    )
    op.create_index('ix_cdr_public_notification_queue', 'cdr_public_notification',
                    ['partnership_id', 'status', 'submitted_at'])
    op.create_index('ix_cdr_public_notification_case_id', 'cdr_public_notification',
                    ['case_id'])
    op.create_index('ix_cdr_public_notification_expires_at', 'cdr_public_notification',
                    ['expires_at'])
    op.create_index('ix_cdr_public_notification_partnership_id', 'cdr_public_notification',
                    ['partnership_id'])
    op.create_table(
        'cdr_public_form_use',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('client_hash', sa.String(length=64), nullable=False),
        sa.Column('at', sa.DateTime(), nullable=False),
        sa.Column('partnership_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['partnership_id'], ['partnership.id'],
                                name='fk_cdr_public_form_use_partnership_id_partnership'),
        sa.PrimaryKeyConstraint('id', name='pk_cdr_public_form_use'),
    )
    op.create_index('ix_cdr_public_form_use_client_at', 'cdr_public_form_use',
                    ['client_hash', 'at'])
    op.create_index('ix_cdr_public_form_use_partnership_at', 'cdr_public_form_use',
                    ['partnership_id', 'at'])
    op.create_index('ix_cdr_public_form_use_partnership_id', 'cdr_public_form_use',
                    ['partnership_id'])


def downgrade():
    op.drop_table('cdr_public_form_use')
    op.drop_table('cdr_public_notification')
    op.drop_column('partnership', 'takes_public_notifications')
