"""Deadlines owned by any domain's case; cases keep their rules edition and a version

The deadline table named its owners by a foreign key per domain (cdr_case_id, incident_id),
so the shell knew every domain. It now names them by owner_type (the owning table's name)
and owner_id, and each domain registers its mapping with the shell. Existing rows keep their
owners. Each case gains the rules edition its clocks started under (WT2018 for every case so
far) and a version for optimistic locking.

Revision ID: 4411d51b9ed5
Revises: 9266f1065174
Create Date: 2026-11-24 08:08:36.316052

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '4411d51b9ed5'
down_revision = '9266f1065174'
branch_labels = None
depends_on = None


def _add_case_columns(table):
    with op.batch_alter_table(table, schema=None) as batch_op:
        batch_op.add_column(sa.Column('rules_edition', sa.String(length=16), server_default='WT2018', nullable=False))
        batch_op.add_column(sa.Column('version', sa.Integer(), server_default='1', nullable=False))


def upgrade():
    _add_case_columns('cdr_case')
    _add_case_columns('serious_incident')

    with op.batch_alter_table('deadline', schema=None) as batch_op:
        batch_op.add_column(sa.Column('owner_type', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('owner_id', sa.Integer(), nullable=True))
    op.execute("UPDATE deadline SET owner_type = 'cdr_case', owner_id = cdr_case_id "
               "WHERE cdr_case_id IS NOT NULL")
    op.execute("UPDATE deadline SET owner_type = 'serious_incident', owner_id = incident_id "
               "WHERE incident_id IS NOT NULL")
    # No deadline without an owner was ever stored; a partnership's own would be its own.
    op.execute("UPDATE deadline SET owner_type = 'partnership', owner_id = partnership_id "
               "WHERE owner_type IS NULL")

    with op.batch_alter_table('deadline', schema=None) as batch_op:
        batch_op.alter_column('owner_type', existing_type=sa.String(length=32), nullable=False)
        batch_op.alter_column('owner_id', existing_type=sa.Integer(), nullable=False)
        batch_op.drop_constraint(batch_op.f('ck_deadline_one_owner'), type_='check')
        batch_op.drop_index(batch_op.f('ix_deadline_cdr_case_id'))
        batch_op.drop_index(batch_op.f('ix_deadline_incident_id'))
        batch_op.drop_constraint(batch_op.f('uq_deadline_cdr_case_rule'), type_='unique')
        batch_op.drop_constraint(batch_op.f('uq_deadline_incident_rule'), type_='unique')
        batch_op.create_unique_constraint('uq_deadline_owner_rule_item', ['owner_type', 'owner_id', 'rule_key', 'item'])
        batch_op.drop_constraint(batch_op.f('fk_deadline_incident_id_serious_incident'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_deadline_cdr_case_id_cdr_case'), type_='foreignkey')
        batch_op.drop_column('cdr_case_id')
        batch_op.drop_column('incident_id')


def downgrade():
    # The case tables first: on SQLite, rebuilding them once the deadline table has its
    # ON DELETE CASCADE keys back would delete every deadline.
    for table in ('serious_incident', 'cdr_case'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('version')
            batch_op.drop_column('rules_edition')

    with op.batch_alter_table('deadline', schema=None) as batch_op:
        batch_op.add_column(sa.Column('incident_id', sa.INTEGER(), nullable=True))
        batch_op.add_column(sa.Column('cdr_case_id', sa.INTEGER(), nullable=True))
    op.execute("UPDATE deadline SET cdr_case_id = owner_id WHERE owner_type = 'cdr_case'")
    op.execute("UPDATE deadline SET incident_id = owner_id WHERE owner_type = 'serious_incident'")
    op.execute("DELETE FROM deadline WHERE cdr_case_id IS NULL AND incident_id IS NULL")
    with op.batch_alter_table('deadline', schema=None) as batch_op:
        batch_op.create_foreign_key(batch_op.f('fk_deadline_cdr_case_id_cdr_case'), 'cdr_case', ['cdr_case_id'], ['id'], ondelete='CASCADE')
        batch_op.create_foreign_key(batch_op.f('fk_deadline_incident_id_serious_incident'), 'serious_incident', ['incident_id'], ['id'], ondelete='CASCADE')
        batch_op.drop_constraint('uq_deadline_owner_rule_item', type_='unique')
        batch_op.create_unique_constraint(batch_op.f('uq_deadline_incident_rule'), ['incident_id', 'rule_key', 'item'])
        batch_op.create_unique_constraint(batch_op.f('uq_deadline_cdr_case_rule'), ['cdr_case_id', 'rule_key', 'item'])
        batch_op.create_check_constraint(batch_op.f('ck_deadline_one_owner'), 'NOT (cdr_case_id IS NOT NULL AND incident_id IS NOT NULL)')
        batch_op.create_index(batch_op.f('ix_deadline_incident_id'), ['incident_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_deadline_cdr_case_id'), ['cdr_case_id'], unique=False)
        batch_op.drop_column('owner_id')
        batch_op.drop_column('owner_type')
