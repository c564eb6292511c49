"""Signed-in sessions kept on the server (user_session: the hash of the token the signed
session cookie holds, when it began, was last used and ended, its network and browser)

Revision ID: 0040_user_sessions
Revises: 0041_retention
Create Date: 2026-12-07 04:45:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0040_user_sessions'
down_revision = '0041_retention'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'user_session',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('started_at', sa.DateTime(), nullable=False),
        sa.Column('last_seen_at', sa.DateTime(), nullable=False),
        sa.Column('ended_at', sa.DateTime(), nullable=True),
        sa.Column('network', sa.String(length=64), nullable=True),
        sa.Column('browser', sa.String(length=32), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['user.id'], ondelete='CASCADE',
                                name=op.f('fk_user_session_user_id_user')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_user_session')),
        sa.UniqueConstraint('token_hash', name=op.f('uq_user_session_token_hash')),
    )
    op.create_index('ix_user_session_user_ended', 'user_session', ['user_id', 'ended_at'])


def downgrade():
    op.drop_index('ix_user_session_user_ended', table_name='user_session')
    op.drop_table('user_session')
