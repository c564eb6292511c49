"""The deadline tally: how many deadlines of each kind fall due in each month, kept by the database.

Deadline compliance (tracker.compliance) counts a partnership's deadlines due in a period by
rule and outcome. Counting a year of them row by row grows with the number of cases, so the
database keeps this tally beside the `deadline` table: one row per partnership, month of the
due date (its first day), owner type, rule, stored outcome, days late, "open until" and
extended, with how many deadlines are of that kind. Whole months of a period are read from
it; only the days of a month the period cuts through are counted from `deadline` itself.

Triggers on `deadline` (insert, delete, and an update of any column the tally reads) keep it
exact whoever writes: the ORM, the bulk recompute, the demo seed, a transfer, raw SQL. They
are made with the `deadline` table by `db.create_all()` (see _attach); migration 0006 holds a
frozen copy of this SQL as it was, so a change here needs a new migration that makes them again.
`rebuild()` recounts the whole tally from `deadline` (the tests prove with it that the
triggers keep the tally exact). The SQL here is built from this module's constants only.

What is stored does not depend on today: a deadline neither met, paused nor set aside is
stored as "open" with the date it is due by (its extension, if any); the report decides on
the day whether that is missed or outstanding. `days_late` is 0 and `open_until` is
NOT_OPEN when they do not apply (a key column cannot be NULL and stay unique).
"""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
import sqlalchemy.orm as so

from tracker.deadline_models import Deadline
from tracker.extensions import db

# "open_until" of a deadline that is not open (a key column cannot be NULL).
NOT_OPEN = date(1, 1, 1)
OPEN = "open"
# The columns of `deadline` the tally reads: an update of any other column leaves it alone.
READ_COLUMNS = ("partnership_id", "owner_type", "rule_key", "due_date", "met_on",
                "extended_to", "not_applicable_reason", "paused_reason")
KEY = ("partnership_id", "month", "owner_type", "rule_key", "outcome", "days_late",
       "open_until", "extended")


class DeadlineTally(db.Model):
    """How many deadlines of one kind fall due in one month of a partnership (see module)."""

    __tablename__ = "deadline_tally"

    partnership_id: so.Mapped[int] = so.mapped_column(primary_key=True)
    month: so.Mapped[date] = so.mapped_column(primary_key=True)
    owner_type: so.Mapped[str] = so.mapped_column(sa.String(32), primary_key=True)
    rule_key: so.Mapped[str] = so.mapped_column(sa.String(64), primary_key=True)
    # not_applicable, met_on_time, met_late, paused or open (tracker.compliance._outcome).
    outcome: so.Mapped[str] = so.mapped_column(sa.String(16), primary_key=True)
    days_late: so.Mapped[int] = so.mapped_column(primary_key=True)
    open_until: so.Mapped[date] = so.mapped_column(primary_key=True)
    extended: so.Mapped[int] = so.mapped_column(primary_key=True)
    n: so.Mapped[int]


# --- The key of a deadline row, in each database's SQL ----------------------------------------

_DIALECT = {
    "sqlite": {"month": "date({r}.due_date, 'start of month')",
               "days": "CAST(julianday({r}.met_on) - julianday({eff}) AS INTEGER)",
               "not_open": "'0001-01-01'"},
    "postgresql": {"month": "CAST(date_trunc('month', {r}.due_date) AS date)",
                   "days": "({r}.met_on - {eff})",
                   "not_open": "DATE '0001-01-01'"},
}


def key_sql(dialect: str, row: str) -> list[str]:
    """The tally key of a `deadline` row named `row` (NEW, OLD or a table), as SQL, in KEY order.

    The same outcome as tracker.compliance._outcome, less the day: set aside (not applicable)
    first, then met on time or late, then paused, else open until its (extended) due date.
    """
    words = _DIALECT[dialect]
    eff = f"COALESCE({row}.extended_to, {row}.due_date)"
    applicable = f"{row}.not_applicable_reason IS NULL"
    outcome = (f"CASE WHEN {row}.not_applicable_reason IS NOT NULL THEN 'not_applicable' "
               f"WHEN {row}.met_on <= {eff} THEN 'met_on_time' "
               f"WHEN {row}.met_on > {eff} THEN 'met_late' "
               f"WHEN {row}.paused_reason IS NOT NULL THEN 'paused' ELSE '{OPEN}' END")
    days = (f"CASE WHEN {applicable} AND {row}.met_on > {eff} "
            f"THEN {words['days'].format(r=row, eff=eff)} ELSE 0 END")
    open_until = (f"CASE WHEN {applicable} AND {row}.met_on IS NULL AND "
                  f"{row}.paused_reason IS NULL THEN {eff} ELSE {words['not_open']} END")
    extended = f"CASE WHEN {applicable} AND {row}.extended_to IS NOT NULL THEN 1 ELSE 0 END"
    return [f"{row}.partnership_id", words["month"].format(r=row), f"{row}.owner_type",
            f"{row}.rule_key", outcome, days, open_until, extended]


def _add(dialect: str, row: str) -> str:
    """SQL adding 1 to the tally row of `row` (made at 1 when new)."""
    columns = ", ".join(KEY)
    return (f"INSERT INTO deadline_tally ({columns}, n) VALUES "  # noqa: S608 (constants)
            f"({', '.join(key_sql(dialect, row))}, 1) "
            f"ON CONFLICT ({columns}) DO UPDATE SET n = deadline_tally.n + 1")


def _matches(dialect: str, row: str) -> str:
    return " AND ".join(f"{column} = {value}"
                        for column, value in zip(KEY, key_sql(dialect, row), strict=True))


def _remove(dialect: str, row: str) -> list[str]:
    """SQL taking 1 from the tally row of `row`, and dropping the row when it reaches 0."""
    where = _matches(dialect, row)
    return [f"UPDATE deadline_tally SET n = n - 1 WHERE {where}",  # noqa: S608 (constants)
            f"DELETE FROM deadline_tally WHERE {where} AND n <= 0"]  # noqa: S608 (constants)


def trigger_ddl(dialect: str) -> list[str]:
    """The statements that create the triggers keeping the tally (one database's SQL)."""
    if dialect == "sqlite":
        return _sqlite_triggers()
    if dialect == "postgresql":
        return _postgresql_triggers()
    raise ValueError(f"No deadline tally triggers for {dialect}")


def _sqlite_triggers() -> list[str]:
    due = "{row}.due_date IS NOT NULL"
    update = f"AFTER UPDATE OF {', '.join(READ_COLUMNS)} ON deadline"
    add, remove = _add("sqlite", "NEW"), _remove("sqlite", "OLD")
    return [
        f"CREATE TRIGGER IF NOT EXISTS deadline_tally_insert AFTER INSERT ON deadline "
        f"WHEN {due.format(row='NEW')} BEGIN {add}; END",
        f"CREATE TRIGGER IF NOT EXISTS deadline_tally_delete AFTER DELETE ON deadline "
        f"WHEN {due.format(row='OLD')} BEGIN {'; '.join(remove)}; END",
        # An update adds the new row's kind before taking the old one's away, so an unchanged
        # kind never drops to 0 and back. Two triggers, as each side may have no due date.
        f"CREATE TRIGGER IF NOT EXISTS deadline_tally_update_new {update} "
        f"WHEN {due.format(row='NEW')} BEGIN {add}; END",
        f"CREATE TRIGGER IF NOT EXISTS deadline_tally_update_old {update} "
        f"WHEN {due.format(row='OLD')} BEGIN {'; '.join(remove)}; END",
    ]


# PostgreSQL: a trigger that changes a tally first takes this transaction-long lock on the
# partnership (both partnerships, lower id first, when a row moves between them). Tally rows
# are shared by unrelated deadlines (one rule, month and outcome), so two transactions that
# write a partnership's deadlines in different orders would otherwise lock those rows in
# different orders and deadlock; with it they take turns. Every tally's triggers (the
# domains' too) take the same lock, so they never deadlock with each other either.
TALLY_LOCK = 7031
PARTNERSHIP_LOCK_PLPGSQL = f"""
  IF TG_OP = 'UPDATE' AND OLD.partnership_id <> NEW.partnership_id THEN
    PERFORM pg_advisory_xact_lock({TALLY_LOCK}, LEAST(OLD.partnership_id, NEW.partnership_id));
    PERFORM pg_advisory_xact_lock({TALLY_LOCK}, GREATEST(OLD.partnership_id, NEW.partnership_id));
  ELSIF TG_OP = 'DELETE' THEN
    PERFORM pg_advisory_xact_lock({TALLY_LOCK}, OLD.partnership_id);
  ELSE
    PERFORM pg_advisory_xact_lock({TALLY_LOCK}, NEW.partnership_id);
  END IF;"""


def _postgresql_triggers() -> list[str]:
    add, remove = _add("postgresql", "NEW"), _remove("postgresql", "OLD")
    function = f"""
CREATE OR REPLACE FUNCTION deadline_tally_change() RETURNS trigger AS $$
BEGIN{PARTNERSHIP_LOCK_PLPGSQL}
  IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.due_date IS NOT NULL THEN
    {add};
  END IF;
  IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.due_date IS NOT NULL THEN
    {remove[0]};
    {remove[1]};
  END IF;
  RETURN NULL;
END
$$ LANGUAGE plpgsql"""
    return [
        function,
        f"CREATE OR REPLACE TRIGGER deadline_tally_change AFTER INSERT OR DELETE OR UPDATE OF "
        f"{', '.join(READ_COLUMNS)} ON deadline FOR EACH ROW "
        f"EXECUTE FUNCTION deadline_tally_change()",
    ]


def drop_ddl(dialect: str) -> list[str]:
    """The statements that drop the triggers (and PostgreSQL's function)."""
    if dialect == "sqlite":
        return [f"DROP TRIGGER IF EXISTS deadline_tally_{name}"
                for name in ("insert", "delete", "update_new", "update_old")]
    return ["DROP TRIGGER IF EXISTS deadline_tally_change ON deadline",
            "DROP FUNCTION IF EXISTS deadline_tally_change()"]


def recount_sql(dialect: str) -> str:
    """SQL filling an empty tally from every deadline with a due date."""
    key = key_sql(dialect, "deadline")
    return (f"INSERT INTO deadline_tally ({', '.join(KEY)}, n) "  # noqa: S608 (constants)
            f"SELECT {', '.join(key)}, count(*) FROM deadline "
            f"WHERE deadline.due_date IS NOT NULL GROUP BY {', '.join(key)}")


def rebuild() -> int:
    """Recount the whole tally from `deadline` (in the caller's transaction); rows made."""
    dialect = db.session.get_bind().dialect.name
    db.session.execute(sa.delete(DeadlineTally))
    db.session.execute(sa.text(recount_sql(dialect)))
    return db.session.scalar(sa.select(sa.func.count()).select_from(DeadlineTally))


def _attach() -> None:
    """Make the triggers whenever db.create_all() makes the `deadline` table."""
    for dialect in _DIALECT:
        for statement in trigger_ddl(dialect):
            sa.event.listen(Deadline.__table__, "after_create",
                            sa.DDL(statement).execute_if(dialect=dialect))


_attach()
