"""References issued from a counter: reference_counter (per partnership, series and year), seeded from the references already stored; previous_reference on cdr_case and serious_incident for an imported reference not of the partnership's own form

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06 10:00:00

"""
import re

from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None

# The form a partnership's own references take (as of this migration): SERIES-CODE-YEAR-NNNN.
_OWN = re.compile(r'(CDOP|CSPR)-(.+)-([0-9]{4})-([0-9]{4,6})')
_TABLES = {'cdr_case': 'CDOP', 'serious_incident': 'CSPR'}


# Plain add_column and create_index (no batch): SQLite rebuilds no table, so the tally
# triggers on cdr_case stay.
def upgrade():
    op.create_table(
        'reference_counter',
        sa.Column('partnership_id', sa.Integer(), nullable=False),
        sa.Column('series', sa.String(length=8), nullable=False),
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('last_number', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['partnership_id'], ['partnership.id'],
                                name=op.f('fk_reference_counter_partnership_id_partnership'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('partnership_id', 'series', 'year',
                                name=op.f('pk_reference_counter')),
    )
    for table in _TABLES:
        op.add_column(table, sa.Column('previous_reference', sa.String(length=40),
                                       nullable=True))
        op.create_index(op.f(f'ix_{table}_previous_reference'), table,
                        ['previous_reference'], unique=False)
    _seed()


def _seed():
    """Each counter starts at the highest number already stored in its partnership's own
    form (whichever partnership holds the record now: a transferred case keeps its
    reference), so existing references stay valid and none is issued twice."""
    bind = op.get_bind()
    codes = {code.upper(): pid for pid, code in
             bind.execute(sa.text('SELECT id, code FROM partnership'))}
    highest = {}
    for table, series in _TABLES.items():
        for (reference,) in bind.execute(sa.text(f'SELECT reference FROM {table}')):
            found = _OWN.fullmatch((reference or '').upper())
            if found is None or found[1] != series or found[2] not in codes:
                continue
            number = int(found[4])
            if number == 0 or found[4] != f'{number:04d}':
                continue
            key = (codes[found[2]], series, int(found[3]))
            highest[key] = max(highest.get(key, 0), number)
    counter = sa.table('reference_counter', sa.column('partnership_id'), sa.column('series'),
                       sa.column('year'), sa.column('last_number'))
    if highest:
        op.bulk_insert(counter, [
            {'partnership_id': pid, 'series': series, 'year': year, 'last_number': number}
            for (pid, series, year), number in sorted(highest.items())])


def downgrade():
    # SQLite 3.35+ drops a column in place (ALTER TABLE … DROP COLUMN), keeping the triggers.
    for table in reversed(list(_TABLES)):
        op.drop_index(op.f(f'ix_{table}_previous_reference'), table_name=table)
        op.drop_column(table, 'previous_reference')
    op.drop_table('reference_counter')
