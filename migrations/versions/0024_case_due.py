"""A case's open deadlines in four figures kept on the case by triggers on `deadline`
(cdr.case_due): My cases and the case list's overdue filter read them off indexes on
`cdr_case` in page order instead of every open case's or overdue deadline

Revision ID: 0024_case_due
Revises: 0023_home_indexes
Create Date: 2026-12-06 21:00:00

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '0024_case_due'
down_revision = '0023_home_indexes'
branch_labels = None
depends_on = None

OPEN_CASE = "closed_on IS NULL"
DOCTOR_DUE = "closed_on IS NULL AND next_due IS NOT NULL"
# (name, columns before, columns after) of the case list's indexes made again with overdue_from.
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
    for statement in trigger_ddl(op.get_bind().dialect.name):
        op.execute(statement)
    op.execute(_recount(None))


def downgrade():
    for statement in drop_ddl(op.get_bind().dialect.name):
        op.execute(statement)
    op.drop_index('ix_cdr_case_doctor_due', table_name='cdr_case')
    for name, columns in REMADE:
        op.drop_index(name, table_name='cdr_case')
        op.create_index(name, 'cdr_case', columns, unique=False)
    for column in ('overdue_from', 'meeting_open', 'next_unpaused_due', 'next_due'):
        op.drop_column('cdr_case', column)
