"""Deadline tally: how many deadlines of each kind fall due in each month, kept by triggers on the deadline table, for the compliance report

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04 18:50:00

"""
from alembic import op
import sqlalchemy as sa

from tracker.compliance_tally import drop_ddl, recount_sql, trigger_ddl

# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('deadline_tally',
    sa.Column('partnership_id', sa.Integer(), nullable=False),
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('owner_type', sa.String(length=32), nullable=False),
    sa.Column('rule_key', sa.String(length=64), nullable=False),
    sa.Column('outcome', sa.String(length=16), nullable=False),
    sa.Column('days_late', sa.Integer(), nullable=False),
    sa.Column('open_until', sa.Date(), nullable=False),
    sa.Column('extended', sa.Integer(), nullable=False),
    sa.Column('n', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('partnership_id', 'month', 'owner_type', 'rule_key', 'outcome',
                            'days_late', 'open_until', 'extended',
                            name=op.f('pk_deadline_tally'))
    )
    dialect = op.get_bind().dialect.name
    # The triggers first, then the count of the deadlines already stored, in one transaction:
    # on PostgreSQL creating a trigger locks out writers until the upgrade commits, so no
    # write falls between the count and the triggers.
    for statement in trigger_ddl(dialect):
        op.execute(statement)
    op.execute(recount_sql(dialect))


def downgrade():
    for statement in drop_ddl(op.get_bind().dialect.name):
        op.execute(statement)
    op.drop_table('deadline_tally')
