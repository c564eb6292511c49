"""Retention: each partnership's years per kind of record (retention_rule), and the records
listed for disposal by the daily job, with their legal holds and disposal (retention_due)

Revision ID: 0041_retention
Revises: 0036_two_factor
Create Date: 2026-12-07 04:45:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0041_retention'
down_revision = '0036_two_factor'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'retention_rule',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('partnership_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=32), nullable=False),
        sa.Column('years', sa.Integer(), nullable=False),
        sa.Column('reason', sa.String(length=500), nullable=False),
        sa.Column('updated_by_id', sa.Integer(), nullable=True),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['partnership_id'], ['partnership.id'], ondelete='CASCADE',
                                name=op.f('fk_retention_rule_partnership_id_partnership')),
        sa.ForeignKeyConstraint(['updated_by_id'], ['user.id'], ondelete='SET NULL',
                                name=op.f('fk_retention_rule_updated_by_id_user')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_retention_rule')),
        sa.UniqueConstraint('partnership_id', 'kind', name='uq_retention_rule_kind'),
    )
    op.create_index(op.f('ix_retention_rule_partnership_id'), 'retention_rule',
                    ['partnership_id'], unique=False)
    op.create_table(
        'retention_due',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('partnership_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=32), nullable=False),
        sa.Column('record_id', sa.Integer(), nullable=False),
        sa.Column('reference', sa.String(length=64), nullable=False),
        sa.Column('due_on', sa.Date(), nullable=False),
        sa.Column('listed_at', sa.DateTime(), nullable=False),
        sa.Column('hold_reason', sa.String(length=16), nullable=True),
        sa.Column('hold_detail', sa.String(length=500), nullable=True),
        sa.Column('hold_set_by_id', sa.Integer(), nullable=True),
        sa.Column('hold_set_at', sa.DateTime(), nullable=True),
        sa.Column('disposed_at', sa.DateTime(), nullable=True),
        sa.Column('disposed_by_id', sa.Integer(), nullable=True),
        sa.Column('disposed_count', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['partnership_id'], ['partnership.id'], ondelete='CASCADE',
                                name=op.f('fk_retention_due_partnership_id_partnership')),
        sa.ForeignKeyConstraint(['hold_set_by_id'], ['user.id'], ondelete='SET NULL',
                                name=op.f('fk_retention_due_hold_set_by_id_user')),
        sa.ForeignKeyConstraint(['disposed_by_id'], ['user.id'], ondelete='SET NULL',
                                name=op.f('fk_retention_due_disposed_by_id_user')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_retention_due')),
        sa.UniqueConstraint('kind', 'record_id', name='uq_retention_due_record'),
    )
    op.create_index('ix_retention_due_partnership', 'retention_due',
                    ['partnership_id', 'disposed_at'], unique=False)


def downgrade():
    op.drop_index('ix_retention_due_partnership', table_name='retention_due')
    op.drop_table('retention_due')
    op.drop_index(op.f('ix_retention_rule_partnership_id'), table_name='retention_rule')
    op.drop_table('retention_rule')
