"""Figures the database keeps so that pages read an index in order: a case's open deadlines
in four figures on the case, kept by triggers on `deadline` (cdr.case_due: My cases and the
case list's overdue filter); and on each child and incident how many of its partnership's
share its key, kept by triggers on their tables (tracker.duplicates.SharedKey: the possible
duplicates page reads only those shared)

Revision ID: 0024_kept_figures
Revises: 0023_home_indexes
Create Date: 2026-12-06 21:00:00

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '0024_kept_figures'
down_revision = '0023_home_indexes'
branch_labels = None
depends_on = None

DOCTOR_DUE = "closed_on IS NULL AND next_due IS NOT NULL"
# (name, columns before) of the case list's indexes made again with overdue_from at the end.
REMADE = [
    ('ix_cdr_case_partnership_died', ['partnership_id', 'date_of_death', 'id']),
    ('ix_cdr_case_partnership_jar', ['partnership_id', 'jar_required', 'date_of_death', 'id']),
    ('ix_cdr_case_partnership_doctor',
     ['partnership_id', 'designated_doctor_id', 'date_of_death', 'id']),
]

# --- A frozen copy of cdr.case_due's statements as they are on this migration's day ---------

OWNER = "cdr_case"
# deadline_service.NOT_THE_PARTNERSHIPS and cdr.services.meetings.rule_key(1..3), written out
# because a trigger's SQL is frozen in its migration.
NOT_THE_PARTNERSHIPS = ("cspr_public_until", "national_prepublication_copies",
                        "national_public_until", "national_publication")
MEETINGS = ("rr_meeting_1", "rr_meeting_2", "rr_meeting_3")
COLUMNS = ("next_due", "next_unpaused_due", "meeting_open", "overdue_from")
# The deadline columns the figures read: an update of any other leaves them alone.
READ_COLUMNS = ("owner_type", "owner_id", "item", "rule_key", "due_date", "extended_to",
                "met_on", "not_applicable_reason", "paused_reason")


def _listed(values) -> str:
    return ", ".join(f"'{value}'" for value in values)


def _figures(case_id: str) -> list[str]:
    """SQL: the four figures of case `case_id`, in COLUMNS' order."""
    deadlines = (f"FROM deadline d WHERE d.owner_type = '{OWNER}' AND d.owner_id = {case_id} "
                 "AND d.met_on IS NULL AND d.not_applicable_reason IS NULL "
                 f"AND d.rule_key NOT IN ({_listed(NOT_THE_PARTNERSHIPS)})")
    own = f"{deadlines} AND d.item = ''"
    due = "coalesce(d.extended_to, d.due_date)"
    later = "CASE WHEN d.extended_to > d.due_date THEN d.extended_to ELSE d.due_date END"
    return [f"(SELECT min({due}) {own})",
            f"(SELECT min({due}) {own} AND d.paused_reason IS NULL)",
            f"EXISTS (SELECT 1 {own} AND d.rule_key IN ({_listed(MEETINGS)}))",
            f"(SELECT min({later}) {deadlines} AND d.paused_reason IS NULL)"]


def _recount(case_id: str, only_changed: bool = False) -> str:
    """SQL: an UPDATE setting the figures of case `case_id` (or of every case when None)."""
    sets = ", ".join(f"{column} = {figure}"
                     for column, figure in zip(COLUMNS, _figures(OWNER + ".id"), strict=True))
    where = "" if case_id is None else f" WHERE {OWNER}.id = {case_id}"
    if only_changed:
        where += " AND ({}) IS DISTINCT FROM ({})".format(
            ", ".join(f"{OWNER}.{column}" for column in COLUMNS),
            ", ".join(_figures(OWNER + ".id")))
    return f"UPDATE {OWNER} SET {sets}{where}"  # noqa: S608 (constants, no input)


def trigger_ddl(dialect: str) -> list[str]:
    """The statements that create the triggers keeping the figures (one database's SQL)."""
    on_case = f"{{row}}.owner_type = '{OWNER}'"
    if dialect == "sqlite":
        return [
            "CREATE TRIGGER IF NOT EXISTS cdr_case_due_insert AFTER INSERT ON deadline "
            f"WHEN {on_case.format(row='NEW')} BEGIN {_recount('NEW.owner_id')}; END",
            "CREATE TRIGGER IF NOT EXISTS cdr_case_due_delete AFTER DELETE ON deadline "
            f"WHEN {on_case.format(row='OLD')} BEGIN {_recount('OLD.owner_id')}; END",
            "CREATE TRIGGER IF NOT EXISTS cdr_case_due_update AFTER UPDATE OF "
            f"{', '.join(READ_COLUMNS)} ON deadline WHEN {on_case.format(row='OLD')} OR "
            f"{on_case.format(row='NEW')} BEGIN "
            f"{_recount('OLD.owner_id')} AND {on_case.format(row='OLD')}; "
            f"{_recount('NEW.owner_id')} AND {on_case.format(row='NEW')} AND "
            "(NEW.owner_type IS NOT OLD.owner_type OR NEW.owner_id IS NOT OLD.owner_id); END",
        ]
    if dialect == "postgresql":
        moved = "(NEW.owner_type, NEW.owner_id) IS DISTINCT FROM (OLD.owner_type, OLD.owner_id)"
        return [
            "CREATE OR REPLACE FUNCTION cdr_case_due() RETURNS trigger AS $$ BEGIN "
            f"IF TG_OP <> 'INSERT' AND {on_case.format(row='OLD')} THEN "
            f"{_recount('OLD.owner_id', only_changed=True)}; END IF; "
            f"IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND {moved}) THEN "
            f"IF {on_case.format(row='NEW')} THEN "
            f"{_recount('NEW.owner_id', only_changed=True)}; END IF; END IF; "
            "RETURN NULL; END $$ LANGUAGE plpgsql",
            "CREATE OR REPLACE TRIGGER cdr_case_due AFTER INSERT OR DELETE OR UPDATE OF "
            f"{', '.join(READ_COLUMNS)} ON deadline FOR EACH ROW EXECUTE FUNCTION cdr_case_due()",
        ]
    raise ValueError(f"No case due triggers for {dialect}")


def drop_ddl(dialect: str) -> list[str]:
    """The statements that drop the triggers."""
    if dialect == "sqlite":
        return [f"DROP TRIGGER IF EXISTS cdr_case_due_{event}"
                for event in ("insert", "delete", "update")]
    return ["DROP TRIGGER IF EXISTS cdr_case_due ON deadline",
            "DROP FUNCTION IF EXISTS cdr_case_due()"]




# --- A frozen copy of tracker.duplicates' shared-key statements and the domains' keys ---------

class SharedKey:
    def __init__(self, table, column, keys, columns):
        self.table, self.column, self.keys, self.columns = table, column, keys, columns


SHARED_KEYS = (
    SharedKey("cdr_child_identity", "same_nhs", ("{r}.nhs_number",), ("nhs_number",)),
    SharedKey("cdr_child_identity", "same_name_dob", ("{r}.name_search", "{r}.date_of_birth"),
              ("name_search", "date_of_birth")),
    SharedKey("serious_incident", "same_case", ("{r}.cdr_case_id",), ("cdr_case_id",)),
    SharedKey("serious_incident", "same_child",
              ("lower({r}.child_reference)", "{r}.incident_date", "{r}.la_aware_on"),
              ("child_reference", "incident_date", "la_aware_on")),
)
# (name, table, columns, count column) of the partial indexes of the shared keys' rows.
SHARED_INDEXES = [
    ('ix_cdr_child_identity_nhs_shared', 'cdr_child_identity',
     ['partnership_id', 'nhs_number', 'same_nhs'], 'same_nhs'),
    ('ix_cdr_child_identity_death_shared', 'cdr_child_identity',
     ['partnership_id', 'name_search', 'date_of_birth', 'case_id', 'same_name_dob'],
     'same_name_dob'),
    ('ix_serious_incident_case_shared', 'serious_incident',
     ['partnership_id', 'cdr_case_id', 'same_case'], 'same_case'),
    ('ix_serious_incident_child_shared', 'serious_incident',
     ['partnership_id', sa.text('lower(child_reference)'), 'incident_date', 'la_aware_on',
      'child_reference', 'same_child'], 'same_child'),
]


def _key(spec, n, row):
    return spec.keys[n].format(r=row)


def _same(spec, a, b, alike):
    """SQL: rows `a` and `b` are of one partnership and have one key (`alike`: SQLite's IS or
    PostgreSQL's IS NOT DISTINCT FROM, for the keys after the first)."""
    terms = [f"{a}.partnership_id = {b}.partnership_id", f"{_key(spec, 0, a)} = {_key(spec, 0, b)}"]
    terms += [f"{_key(spec, n, a)} {alike} {_key(spec, n, b)}" for n in range(1, len(spec.keys))]
    return " AND ".join(terms)


def _count(spec, alike):
    """SQL: how many rows have the key of the `spec.table` row being updated."""
    return (f"(SELECT count(*) FROM {spec.table} o "  # noqa: S608 (constants, no input)
            f"WHERE {_same(spec, 'o', spec.table, alike)})")


def _recount_key(spec, row, alike, only_changed=False):
    """SQL: set the count of every row with the key of `row` (NEW or OLD), and of `row`
    itself to 0 when it has none (after a change of key)."""
    where = f"{_same(spec, spec.table, row, alike)} AND {_key(spec, 0, row)} IS NOT NULL"
    if only_changed:
        where += f" AND {spec.table}.{spec.column} IS DISTINCT FROM {_count(spec, alike)}"
    return f"UPDATE {spec.table} SET {spec.column} = {_count(spec, alike)} WHERE {where}"  # noqa: S608


def _zero(spec, row):
    return (f"UPDATE {spec.table} SET {spec.column} = 0 WHERE id = {row}.id "  # noqa: S608
            f"AND {spec.column} <> 0 AND {_key(spec, 0, row)} IS NULL")


def sharing_ddl(spec: SharedKey, dialect: str) -> list[str]:
    """The statements that create the triggers keeping `spec.column` (one database's SQL)."""
    name = f"{spec.table}_{spec.column}"
    watched = ", ".join(("partnership_id", *spec.columns))
    if dialect == "sqlite":
        unchanged = " AND ".join(f"{_key(spec, n, 'OLD')} IS {_key(spec, n, 'NEW')}"
                                 for n in range(len(spec.keys)))
        return [
            f"CREATE TRIGGER IF NOT EXISTS {name}_insert AFTER INSERT ON {spec.table} "
            f"BEGIN {_recount_key(spec, 'NEW', 'IS')}; END",
            f"CREATE TRIGGER IF NOT EXISTS {name}_delete AFTER DELETE ON {spec.table} "
            f"BEGIN {_recount_key(spec, 'OLD', 'IS')}; END",
            f"CREATE TRIGGER IF NOT EXISTS {name}_update AFTER UPDATE OF {watched} ON "
            f"{spec.table} WHEN NOT (OLD.partnership_id IS NEW.partnership_id AND {unchanged}) "
            f"BEGIN {_recount_key(spec, 'OLD', 'IS')}; {_recount_key(spec, 'NEW', 'IS')}; "
            f"{_zero(spec, 'NEW')}; END",
        ]
    if dialect == "postgresql":
        alike = "IS NOT DISTINCT FROM"
        unchanged = " AND ".join(f"{_key(spec, n, 'OLD')} {alike} {_key(spec, n, 'NEW')}"
                                 for n in range(len(spec.keys)))
        return [
            f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger AS $$ BEGIN "
            f"IF TG_OP = 'UPDATE' AND OLD.partnership_id = NEW.partnership_id AND {unchanged} "
            "THEN RETURN NULL; END IF; "
            f"IF TG_OP <> 'INSERT' THEN {_recount_key(spec, 'OLD', alike, True)}; END IF; "
            f"IF TG_OP <> 'DELETE' THEN {_recount_key(spec, 'NEW', alike, True)}; "
            f"{_zero(spec, 'NEW')}; END IF; RETURN NULL; END $$ LANGUAGE plpgsql",
            f"CREATE OR REPLACE TRIGGER {name} AFTER INSERT OR DELETE OR UPDATE OF {watched} "
            f"ON {spec.table} FOR EACH ROW EXECUTE FUNCTION {name}()",
        ]
    raise ValueError(f"No shared key triggers for {dialect}")


def sharing_drop(spec: SharedKey, dialect: str) -> list[str]:
    """The statements that drop the triggers."""
    name = f"{spec.table}_{spec.column}"
    if dialect == "sqlite":
        return [f"DROP TRIGGER IF EXISTS {name}_{event}"
                for event in ("insert", "delete", "update")]
    return [f"DROP TRIGGER IF EXISTS {name} ON {spec.table}", f"DROP FUNCTION IF EXISTS {name}()"]


def sharing_recount_sql(spec: SharedKey, dialect: str) -> str:
    """SQL: every row's count recounted."""
    alike = "IS" if dialect == "sqlite" else "IS NOT DISTINCT FROM"
    return (f"UPDATE {spec.table} SET {spec.column} = CASE WHEN {_key(spec, 0, spec.table)} "  # noqa: S608
            f"IS NOT NULL THEN {_count(spec, alike)} ELSE 0 END")



def upgrade():
    # Plain ADD COLUMN and CREATE INDEX (no table rebuilt on SQLite, so no trigger is lost).
    op.add_column('cdr_case', sa.Column('next_due', sa.Date(), nullable=True))
    op.add_column('cdr_case', sa.Column('next_unpaused_due', sa.Date(), nullable=True))
    op.add_column('cdr_case', sa.Column('meeting_open', sa.Boolean(), nullable=False,
                                        server_default=sa.false()))
    op.add_column('cdr_case', sa.Column('overdue_from', sa.Date(), nullable=True))
    for name, columns in REMADE:
        op.drop_index(name, table_name='cdr_case')
        op.create_index(name, 'cdr_case', [*columns, 'overdue_from'], unique=False)
    op.create_index('ix_cdr_case_doctor_due', 'cdr_case',
                    ['designated_doctor_id', 'next_due', 'date_of_death', 'id',
                     'partnership_id', 'next_unpaused_due', 'meeting_open', 'closed_on'],
                    unique=False, postgresql_where=sa.text(DOCTOR_DUE),
                    sqlite_where=sa.text(DOCTOR_DUE))
    dialect = op.get_bind().dialect.name
    for statement in trigger_ddl(dialect):
        op.execute(statement)
    op.execute(_recount(None))
    for spec in SHARED_KEYS:
        op.add_column(spec.table, sa.Column(spec.column, sa.Integer(), nullable=False,
                                            server_default='0'))
        op.execute(sharing_recount_sql(spec, dialect))
        for statement in sharing_ddl(spec, dialect):
            op.execute(statement)
    for name, table, columns, count in SHARED_INDEXES:
        op.create_index(name, table, columns, unique=False,
                        postgresql_where=sa.text(f'{count} > 1'),
                        sqlite_where=sa.text(f'{count} > 1'))


def downgrade():
    dialect = op.get_bind().dialect.name
    for name, table, _, _ in SHARED_INDEXES:
        op.drop_index(name, table_name=table)
    for spec in SHARED_KEYS:
        for statement in sharing_drop(spec, dialect):
            op.execute(statement)
        op.drop_column(spec.table, spec.column)
    for statement in drop_ddl(dialect):
        op.execute(statement)
    op.drop_index('ix_cdr_case_doctor_due', table_name='cdr_case')
    for name, columns in REMADE:
        op.drop_index(name, table_name='cdr_case')
        op.create_index(name, 'cdr_case', columns, unique=False)
    for column in ('overdue_from', 'meeting_open', 'next_unpaused_due', 'next_due'):
        op.drop_column('cdr_case', column)
