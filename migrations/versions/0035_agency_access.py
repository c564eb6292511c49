"""The agency side of a personal link: one-time codes (agency_code: only a keyed hash),
agency sessions (agency_session: only the cookie token's hash), the online reporting form's
answers (agency_answer: a draft, then sent, queried or accepted), and a link's wrong-code count
and lock (agency_link.failed_codes, locked_at)

Revision ID: 0035_agency_access
Revises: 0034_agency_directory
Create Date: 2026-12-07 01:30:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0035_agency_access'
down_revision = '0034_agency_directory'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('agency_link', sa.Column('failed_codes', sa.Integer(), server_default='0',
                                           nullable=False))
    op.add_column('agency_link', sa.Column('locked_at', sa.DateTime(), nullable=True))
    op.create_table(
        'agency_code',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('link_id', sa.Integer(), nullable=False),
        sa.Column('code_hash', sa.String(length=64), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('expires_at', sa.DateTime(), nullable=False),
        sa.Column('used_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['link_id'], ['agency_link.id'], ondelete='CASCADE',
                                name=op.f('fk_agency_code_link_id_agency_link')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_agency_code')),
    )
    op.create_index(op.f('ix_agency_code_link_id'), 'agency_code', ['link_id'])
    op.create_table(
        'agency_session',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('link_id', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('last_seen_at', sa.DateTime(), nullable=False),
        sa.Column('ended_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['link_id'], ['agency_link.id'], ondelete='CASCADE',
                                name=op.f('fk_agency_session_link_id_agency_link')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_agency_session')),
        sa.UniqueConstraint('token_hash', name=op.f('uq_agency_session_token_hash')),
    )
    op.create_index(op.f('ix_agency_session_link_id'), 'agency_session', ['link_id'])
    op.create_table(
        'agency_answer',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('link_id', sa.Integer(), nullable=False),
        sa.Column('partnership_id', sa.Integer(), nullable=False),
        sa.Column('answers', sa.JSON(), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('saved_at', sa.DateTime(), nullable=False),
        sa.Column('submitted_at', sa.DateTime(), nullable=True),
        sa.Column('question', sa.Text(), nullable=True),
        sa.Column('reviewed_at', sa.DateTime(), nullable=True),
        sa.Column('reviewed_by_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['link_id'], ['agency_link.id'], ondelete='CASCADE',
                                name=op.f('fk_agency_answer_link_id_agency_link')),
        sa.ForeignKeyConstraint(['partnership_id'], ['partnership.id'],
                                name=op.f('fk_agency_answer_partnership_id_partnership')),
        sa.ForeignKeyConstraint(['reviewed_by_id'], ['user.id'],
                                name=op.f('fk_agency_answer_reviewed_by_id_user')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_agency_answer')),
        sa.UniqueConstraint('link_id', name=op.f('uq_agency_answer_link_id')),
    )
    op.create_index(op.f('ix_agency_answer_partnership_id'), 'agency_answer',
                    ['partnership_id'])


def downgrade():
    op.drop_index(op.f('ix_agency_answer_partnership_id'), table_name='agency_answer')
    op.drop_table('agency_answer')
    op.drop_index(op.f('ix_agency_session_link_id'), table_name='agency_session')
    op.drop_table('agency_session')
    op.drop_index(op.f('ix_agency_code_link_id'), table_name='agency_code')
    op.drop_table('agency_code')
    with op.batch_alter_table('agency_link') as batch_op:
        batch_op.drop_column('locked_at')
        batch_op.drop_column('failed_codes')
