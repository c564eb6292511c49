"""The incident's overdue figure and the kept figures' triggers made again: each serious
incident keeps `overdue_from` (reviews.incident_due), read by the tracker list's overdue filter
off its indexes; the triggers keeping the case's and the incident's figures (tracker.kept_due)
are named kept_due_<owner>, so that on PostgreSQL they fire after the tally trigger, and lock
the owner row before they recount; PostgreSQL's shared-key triggers (tracker.duplicates) take
an advisory lock per partnership and table before they recount

Revision ID: 0030_incident_due
Revises: 0029_ncmd
Create Date: 2026-12-07 01:00:00

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '0030_incident_due'
down_revision = '0029_ncmd'
branch_labels = None
depends_on = None

# (name, columns before) of the tracker list's indexes made again with overdue_from at the end.
REMADE = [
    ('ix_serious_incident_partnership_aware', ['partnership_id', 'la_aware_on', 'id']),
    ('ix_serious_incident_partnership_decision',
     ['partnership_id', 'decision', 'la_aware_on', 'id']),
]

# --- A frozen copy of tracker.kept_due's statements as they are on this migration's day -----

NOT_THE_PARTNERSHIPS = ("cspr_public_until", "national_prepublication_copies",
                        "national_public_until", "national_publication")
READ_COLUMNS = ("owner_type", "owner_id", "item", "rule_key", "due_date", "extended_to",
                "met_on", "not_applicable_reason", "paused_reason")
DUE = "coalesce(d.extended_to, d.due_date)"
LATER = "CASE WHEN d.extended_to > d.due_date THEN d.extended_to ELSE d.due_date END"
OVERDUE_FROM = f"(SELECT min({LATER}) {{deadlines}} AND d.paused_reason IS NULL)"
MEETINGS = ("rr_meeting_1", "rr_meeting_2", "rr_meeting_3")
_OWN = "{deadlines} AND d.item = ''"


def _listed(values):
    return ", ".join(f"'{value}'" for value in values)


KEPT = {
    "cdr_case": (
        ("next_due", f"(SELECT min({DUE}) {_OWN})"),
        ("next_unpaused_due", f"(SELECT min({DUE}) {_OWN} AND d.paused_reason IS NULL)"),
        ("meeting_open", f"EXISTS (SELECT 1 {_OWN} AND d.rule_key IN ({_listed(MEETINGS)}))"),
        ("overdue_from", OVERDUE_FROM),
    ),
    "serious_incident": (("overdue_from", OVERDUE_FROM),),
}


def _recount_sql(owner, owner_id=None, only_changed=False):
    columns = [column for column, _ in KEPT[owner]]
    deadlines = (f"FROM deadline d WHERE d.owner_type = '{owner}' "
                 f"AND d.owner_id = {owner}.id "
                 "AND d.met_on IS NULL AND d.not_applicable_reason IS NULL "
                 f"AND d.rule_key NOT IN ({_listed(NOT_THE_PARTNERSHIPS)})")
    figures = [figure.format(deadlines=deadlines) for _, figure in KEPT[owner]]
    sets = ", ".join(f"{column} = {figure}" for column, figure in zip(columns, figures))
    conditions = [] if owner_id is None else [f"{owner}.id = {owner_id}"]
    if only_changed:
        conditions.append("({}) IS DISTINCT FROM ({})".format(
            ", ".join(f"{owner}.{column}" for column in columns), ", ".join(figures)))
    where = f" WHERE {' AND '.join(conditions)}" if conditions else ""
    return f"UPDATE {owner} SET {sets}{where}"


def kept_ddl(owner, dialect):
    name = f"kept_due_{owner}"
    mine = f"{{row}}.owner_type = '{owner}'"
    if dialect == "sqlite":
        return [
            f"CREATE TRIGGER IF NOT EXISTS {name}_insert AFTER INSERT ON deadline "
            f"WHEN {mine.format(row='NEW')} BEGIN {_recount_sql(owner, 'NEW.owner_id')}; END",
            f"CREATE TRIGGER IF NOT EXISTS {name}_delete AFTER DELETE ON deadline "
            f"WHEN {mine.format(row='OLD')} BEGIN {_recount_sql(owner, 'OLD.owner_id')}; END",
            f"CREATE TRIGGER IF NOT EXISTS {name}_update AFTER UPDATE OF "
            f"{', '.join(READ_COLUMNS)} ON deadline WHEN {mine.format(row='OLD')} OR "
            f"{mine.format(row='NEW')} BEGIN "
            f"{_recount_sql(owner, 'OLD.owner_id')} AND {mine.format(row='OLD')}; "
            f"{_recount_sql(owner, 'NEW.owner_id')} AND {mine.format(row='NEW')} AND "
            "(NEW.owner_type IS NOT OLD.owner_type OR NEW.owner_id IS NOT OLD.owner_id); END",
        ]
    moved = "(NEW.owner_type, NEW.owner_id) IS DISTINCT FROM (OLD.owner_type, OLD.owner_id)"

    def recount(row):
        return (f"PERFORM 1 FROM {owner} WHERE id = {row}.owner_id FOR UPDATE; "
                f"{_recount_sql(owner, f'{row}.owner_id', only_changed=True)};")

    return [
        f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger AS $$ BEGIN "
        f"IF TG_OP <> 'INSERT' AND {mine.format(row='OLD')} THEN "
        f"{recount('OLD')} END IF; "
        f"IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND {moved}) THEN "
        f"IF {mine.format(row='NEW')} THEN {recount('NEW')} END IF; END IF; "
        "RETURN NULL; END $$ LANGUAGE plpgsql",
        f"CREATE OR REPLACE TRIGGER {name} AFTER INSERT OR DELETE OR UPDATE OF "
        f"{', '.join(READ_COLUMNS)} ON deadline FOR EACH ROW "
        f"EXECUTE FUNCTION {name}()",
    ]


def kept_drop(owner, dialect):
    name = f"kept_due_{owner}"
    if dialect == "sqlite":
        return [f"DROP TRIGGER IF EXISTS {name}_{event}"
                for event in ("insert", "delete", "update")]
    return [f"DROP TRIGGER IF EXISTS {name} ON deadline", f"DROP FUNCTION IF EXISTS {name}()"]


# 0024's case due triggers, under their old names.
OLD_CASE_DUE = {
    "sqlite": [f"DROP TRIGGER IF EXISTS cdr_case_due_{event}"
               for event in ("insert", "delete", "update")],
    "postgresql": ["DROP TRIGGER IF EXISTS cdr_case_due ON deadline",
                   "DROP FUNCTION IF EXISTS cdr_case_due()"],
}

# --- A frozen copy of tracker.duplicates' PostgreSQL shared-key statements -------------------

DUPLICATE_LOCK = 7032
SHARED_KEYS = (  # table, column, keys, columns
    ("cdr_child_identity", "same_nhs", ("{r}.nhs_number",), ("nhs_number",)),
    ("cdr_child_identity", "same_name_dob", ("{r}.name_search", "{r}.date_of_birth"),
     ("name_search", "date_of_birth")),
    ("serious_incident", "same_case", ("{r}.cdr_case_id",), ("cdr_case_id",)),
    ("serious_incident", "same_child",
     ("lower({r}.child_reference)", "{r}.incident_date", "{r}.la_aware_on"),
     ("child_reference", "incident_date", "la_aware_on")),
)
ALIKE = "IS NOT DISTINCT FROM"


def _same(keys, a, b):
    terms = [f"{a}.partnership_id = {b}.partnership_id",
             f"{keys[0].format(r=a)} = {keys[0].format(r=b)}"]
    terms += [f"{key.format(r=a)} {ALIKE} {key.format(r=b)}" for key in keys[1:]]
    return " AND ".join(terms)


def _count(table, keys):
    return f"(SELECT count(*) FROM {table} o WHERE {_same(keys, 'o', table)})"


def _recount_key(table, column, keys, row):
    where = (f"{_same(keys, table, row)} AND {keys[0].format(r=row)} IS NOT NULL"
             f" AND {table}.{column} IS DISTINCT FROM {_count(table, keys)}")
    return f"UPDATE {table} SET {column} = {_count(table, keys)} WHERE {where}"


def _zero(table, column, keys, row):
    return (f"UPDATE {table} SET {column} = 0 WHERE id = {row}.id "
            f"AND {column} <> 0 AND {keys[0].format(r=row)} IS NULL")


def sharing_function(table, column, keys, locked):
    name = f"{table}_{column}"
    unchanged = " AND ".join(f"{key.format(r='OLD')} {ALIKE} {key.format(r='NEW')}"
                             for key in keys)
    hashed = [f"CASE WHEN {keys[0].format(r=row)} IS NOT NULL THEN "
              f"hashtext('{table}:' || {row}.partnership_id) END" for row in ("OLD", "NEW")]
    lock = (f"PERFORM pg_advisory_xact_lock({DUPLICATE_LOCK}, h) FROM (SELECT DISTINCT h FROM "
            f"(VALUES ({hashed[0]}), ({hashed[1]})) v (h) WHERE h IS NOT NULL ORDER BY h) k; "
            if locked else "")
    return (
        f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger AS $$ BEGIN "
        f"IF TG_OP = 'UPDATE' AND OLD.partnership_id = NEW.partnership_id AND {unchanged} "
        "THEN RETURN NULL; END IF; "
        f"{lock}"
        f"IF TG_OP <> 'INSERT' THEN {_recount_key(table, column, keys, 'OLD')}; END IF; "
        f"IF TG_OP <> 'DELETE' THEN {_recount_key(table, column, keys, 'NEW')}; "
        f"{_zero(table, column, keys, 'NEW')}; END IF; RETURN NULL; END $$ LANGUAGE plpgsql")


def _recount_case_due_0024():
    """0024's cdr_case_due triggers (for the downgrade), from 0024's own frozen copy."""
    import importlib.util
    from pathlib import Path
    path = Path(__file__).with_name('0024_kept_figures.py')
    spec = importlib.util.spec_from_file_location('_m0024', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def upgrade():
    dialect = op.get_bind().dialect.name
    # Plain ADD COLUMN and CREATE INDEX (no table rebuilt on SQLite, so no trigger is lost).
    op.add_column('serious_incident', sa.Column('overdue_from', sa.Date(), nullable=True))
    for name, columns in REMADE:
        op.drop_index(name, table_name='serious_incident')
        op.create_index(name, 'serious_incident', [*columns, 'overdue_from'], unique=False)
    for statement in OLD_CASE_DUE[dialect]:
        op.execute(statement)
    for owner in KEPT:
        for statement in kept_ddl(owner, dialect):
            op.execute(statement)
    op.execute(_recount_sql("serious_incident"))
    op.execute(_recount_sql("cdr_case", only_changed=True))
    if dialect == "postgresql":
        for table, column, keys, _ in SHARED_KEYS:
            op.execute(sharing_function(table, column, keys, locked=True))


def downgrade():
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        for table, column, keys, _ in SHARED_KEYS:
            op.execute(sharing_function(table, column, keys, locked=False))
    for owner in KEPT:
        for statement in kept_drop(owner, dialect):
            op.execute(statement)
    for statement in _recount_case_due_0024().trigger_ddl(dialect):
        op.execute(statement)
    for name, columns in REMADE:
        op.drop_index(name, table_name='serious_incident')
        op.create_index(name, 'serious_incident', columns, unique=False)
    op.drop_column('serious_incident', 'overdue_from')
