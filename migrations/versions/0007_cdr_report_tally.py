"""Report tally: child death cases counted per partnership, month, measure and group, kept by triggers on cdr_case, for the annual report data

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04 19:00:00

"""
from alembic import op
import sqlalchemy as sa

from cdr.report_tally import drop_ddl, recount_sql, trigger_ddl

# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('cdr_report_tally',
    sa.Column('partnership_id', sa.Integer(), nullable=False),
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('measure', sa.String(length=16), nullable=False),
    sa.Column('dimension', sa.String(length=16), nullable=False),
    sa.Column('value', sa.String(length=64), nullable=False),
    sa.Column('n', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('partnership_id', 'month', 'measure', 'dimension', 'value',
                            name=op.f('pk_cdr_report_tally'))
    )
    dialect = op.get_bind().dialect.name
    # The triggers first, then the count of the cases already stored, in one transaction:
    # on PostgreSQL creating a trigger locks out writers until the upgrade commits, so no
    # write falls between the count and the triggers.
    for statement in trigger_ddl(dialect):
        op.execute(statement)
    op.execute(recount_sql(dialect))


def downgrade():
    for statement in drop_ddl(op.get_bind().dialect.name):
        op.execute(statement)
    op.drop_table('cdr_report_tally')
