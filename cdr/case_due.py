"""A case's open deadlines in four figures kept on the case by the database: what My cases
and the overdue filter ask, read in order from an index on `cdr_case` instead of joining
every open case to its deadlines.

- `next_due`: the earliest (extended) due date of its open deadlines (My cases' order);
- `next_unpaused_due`: the same of the unpaused ones (My cases' "overdue or due soon");
- `meeting_open`: whether a rapid response meeting's deadline is open (My cases);
  these three over its own deadlines (`item` ''), as my_cases reads them;
- `overdue_from`: the earliest date past which one of its open, unpaused deadlines (of any
  item) is overdue: the later of its due date and its extension (tracker.overdue_owners'
  test), so the case is overdue when `overdue_from < today`.

"Open" is deadline_service.open_deadlines(). A date is worked out when the deadlines change,
never from today, so the figures need no job to age them: the pages compare them with today.

Triggers on `deadline` (insert, delete, and an update of any column read here) recount the
case's figures whoever writes: a page, the bulk recompute, an import, raw SQL. On
PostgreSQL the case row is written (and so locked) only when a figure changes. They are
made with the tables by `db.create_all()` (_attach), and for an existing database by
migration 0024 with a frozen copy of these statements (a change here needs a new migration);
`recount_sql()` recounts every case.
"""

from __future__ import annotations

import sqlalchemy as sa

from tracker.extensions import db

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


def recount_sql() -> str:
    """SQL (both databases): every case's figures recounted from its deadlines."""
    return _recount(None)


def recount() -> None:
    """Recount every case's figures (no commit)."""
    db.session.execute(sa.text(recount_sql()))


def _attach() -> None:
    # After every table is made: the triggers name both `deadline` and `cdr_case`.
    for dialect in ("sqlite", "postgresql"):
        for statement in trigger_ddl(dialect):
            sa.event.listen(db.metadata, "after_create",
                            sa.DDL(statement).execute_if(dialect=dialect))


_attach()
