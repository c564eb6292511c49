"""Submission keys: each form that creates a record is saved once per key (the submission table); no existing record changes, and duplicates already stored are listed on the partnership's page, not deleted

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06 10:30:00

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


# A new table only: no table is rebuilt, so no trigger is lost on SQLite, and no unique
# constraint is added over stored records (duplicates already there are listed instead).
def upgrade():
    op.create_table(
        'submission',
        sa.Column('key', sa.String(length=64), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('url', sa.String(length=500), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_submission_user_id_user'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('key', name=op.f('pk_submission')),
    )
    op.create_index(op.f('ix_submission_user_id'), 'submission', ['user_id'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_submission_user_id'), table_name='submission')
    op.drop_table('submission')
