"""Two-factor sign-in: a user's authenticator secret (second_factor: unconfirmed while being
set up, then with the last time step used) and their single-use recovery codes
(recovery_code: only a keyed hash)

Revision ID: 0036_two_factor
Revises: 0035_agency_access
Create Date: 2026-12-07 02:30:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0036_two_factor'
down_revision = '0035_agency_access'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'second_factor',
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('secret', sa.String(length=64), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('confirmed_at', sa.DateTime(), nullable=True),
        sa.Column('last_step', sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['user.id'], ondelete='CASCADE',
                                name=op.f('fk_second_factor_user_id_user')),
        sa.PrimaryKeyConstraint('user_id', name=op.f('pk_second_factor')),
    )
    op.create_table(
        'recovery_code',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('code_hash', sa.String(length=64), nullable=False),
        sa.Column('used_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['user.id'], ondelete='CASCADE',
                                name=op.f('fk_recovery_code_user_id_user')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_recovery_code')),
    )
    op.create_index('ix_recovery_code_user_hash', 'recovery_code', ['user_id', 'code_hash'])


def downgrade():
    op.drop_index('ix_recovery_code_user_hash', table_name='recovery_code')
    op.drop_table('recovery_code')
    op.drop_table('second_factor')
