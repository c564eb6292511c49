"""The annual report tally: child death cases counted per partnership, month and group, kept
by the database.

The annual report data (cdr.services.annual_report) counts a partnership's cases notified, and
reviews completed, in a reporting year, by age band, sex, expected or unexpected death, place
of death, category of death and modifiable factors, with the days from death to completion.
Counting a year of cases row by row grows with the number of cases, so the database keeps this
tally beside `cdr_case`: one row per partnership, month (its first day), measure ("notified"
in the month of `notification_received_on`, "completed" in the month of `review_completed_on`),
dimension and stored value, with how many cases have it. A reporting year is twelve whole
months: the report adds up at most a few hundred rows, whatever the number of cases.

Triggers on `cdr_case` (insert, delete, and an update of any column the tally reads) keep it
exact whoever writes: the ORM (a category set at review, a review completed or reopened, a
transfer), the demo seed, an import, raw SQL. They are made with `cdr_case` by
`db.create_all()` (see _attach), and for an existing database by migration 0007 with a frozen
copy of the statements of trigger_ddl() then recount_sql() as they were on its day (a change
here needs a new migration); `rebuild()` recounts the whole tally.

A key column cannot be NULL and stay unique, so a value not recorded is stored as NOT_RECORDED
(''), which the report shows as "Not recorded" or "Not known" as it shows any unknown value.
The age band is worked out from `age_at_death_days` when the case is written, by thresholds
written into the trigger SQL: changing AGE_BANDS needs a migration that makes the triggers
again, then a rebuild.
"""

from __future__ import annotations

from typing import NamedTuple

import sqlalchemy as sa

from cdr.models import ChildDeathCase
from tracker.compliance_tally import PARTNERSHIP_LOCK_PLPGSQL
from tracker.extensions import db

TABLE = "cdr_report_tally"
NOT_RECORDED = ""
NOTIFIED, COMPLETED = "notified", "completed"
DAYS = "days"

# (first day of age in days, band): the panel pages' bands (cdr.services.panel.age_band),
# where a whole year is the fewest days it can span (365 a year, one leap day in four).
AGE_BANDS = ((0, "Under 28 days"), (28, "28 to 364 days"), (365, "1 to 4 years"),
             (1826, "5 to 9 years"), (3652, "10 to 14 years"), (5478, "15 to 17 years"),
             (6574, "18 years or over"))
# Dimension key: the `cdr_case` column it groups by (age: the band of age_at_death_days).
COLUMNS = {"age": "age_at_death_days", "sex": "sex", "expected": "death_expected",
           "place": "place_of_death", "category": "category",
           "modifiable": "modifiable_factors"}
NOTIFIED_DIMENSIONS = ("age", "sex", "expected", "place")
# Category and modifiable factors are known only once a case is reviewed.
COMPLETED_DIMENSIONS = ("age", "sex", "expected", "place", "category", "modifiable")
# The columns of `cdr_case` the tally reads: an update of any other leaves it alone.
READ_COLUMNS = ("partnership_id", "notification_received_on", "review_completed_on",
                "date_of_death", *COLUMNS.values())
KEY = ("partnership_id", "month", "measure", "dimension", "value")

report_tally = sa.Table(
    TABLE, db.metadata,
    sa.Column("partnership_id", sa.Integer, primary_key=True),
    sa.Column("month", sa.Date, primary_key=True),
    sa.Column("measure", sa.String(16), primary_key=True),
    sa.Column("dimension", sa.String(16), primary_key=True),
    # The stored value, the age band's label, or the days from death to completion.
    sa.Column("value", sa.String(64), primary_key=True),
    sa.Column("n", sa.Integer, nullable=False),
)


# --- What one `cdr_case` row counts for, in each database's SQL -------------------------------

_DIALECT = {
    "sqlite": {"month": "date({d}, 'start of month')",
               "days": "CAST(CAST(julianday({r}.review_completed_on) - "
                       "julianday({r}.date_of_death) AS INTEGER) AS TEXT)"},
    "postgresql": {"month": "CAST(date_trunc('month', {d}) AS date)",
                   "days": "CAST({r}.review_completed_on - {r}.date_of_death AS TEXT)"},
}


class Count(NamedTuple):
    """One tally row a case counts for, as SQL: its key and when it counts (None: always)."""

    month: str
    measure: str
    dimension: str
    value: str
    when: str | None


def _quoted(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _age_band(row: str) -> str:
    """The age band's label of `row` (NOT_RECORDED when its age is not known)."""
    age = f"{row}.age_at_death_days"
    whens = " ".join(f"WHEN {age} < {next_first} THEN {_quoted(label)}"
                     for (_, label), (next_first, _) in zip(AGE_BANDS, AGE_BANDS[1:],
                                                            strict=False))
    return (f"CASE WHEN {age} IS NULL OR {age} < 0 THEN {_quoted(NOT_RECORDED)} {whens} "
            f"ELSE {_quoted(AGE_BANDS[-1][1])} END")


def _value(row: str, dimension: str) -> str:
    if dimension == "age":
        return _age_band(row)
    return f"COALESCE({row}.{COLUMNS[dimension]}, {_quoted(NOT_RECORDED)})"


def counts(dialect: str, row: str) -> list[Count]:
    """The tally rows a `cdr_case` row named `row` (NEW, OLD or the table) counts for."""
    words = _DIALECT[dialect]
    notified = words["month"].format(d=f"{row}.notification_received_on")
    completed = words["month"].format(d=f"{row}.review_completed_on")
    reviewed = f"{row}.review_completed_on IS NOT NULL"
    return [*(Count(notified, NOTIFIED, key, _value(row, key), None)
              for key in NOTIFIED_DIMENSIONS),
            *(Count(completed, COMPLETED, key, _value(row, key), reviewed)
              for key in COMPLETED_DIMENSIONS),
            Count(completed, COMPLETED, DAYS, words["days"].format(r=row), reviewed)]


def _selects(dialect: str, row: str, n: str, source: str = "") -> str:
    """A UNION ALL of one SELECT per tally row `row` counts for, each with `n`."""
    parts = []
    for count in counts(dialect, row):
        where = f" WHERE {count.when}" if count.when else ""
        parts.append(f"SELECT {row}.partnership_id AS partnership_id, {count.month} AS month, "
                     f"{_quoted(count.measure)} AS measure, {_quoted(count.dimension)} AS "
                     f"dimension, {count.value} AS value, {n} AS n{source}{where}")
    return " UNION ALL ".join(parts)


def _change(dialect: str, row: str, n: int) -> str:
    """SQL adding `n` (1 or -1) to each tally row of `row`, making those that are new."""
    columns = ", ".join(KEY)
    # "WHERE true": SQLite's documented fix for the ON of ON CONFLICT after a SELECT.
    # S608 here and below: the SQL is made of this module's constants, never of input.
    return (f"INSERT INTO {TABLE} ({columns}, n) SELECT * FROM ({_selects(dialect, row, n)}) "  # noqa: S608
            f"AS counted WHERE true ON CONFLICT ({columns}) "
            f"DO UPDATE SET n = {TABLE}.n + excluded.n")


def _sweep(dialect: str, row: str) -> str:
    """SQL dropping the tally rows of `row`'s months that fell to 0 (none linger)."""
    words = _DIALECT[dialect]
    months = [words["month"].format(d=f"{row}.notification_received_on"),
              words["month"].format(d=f"{row}.review_completed_on")]
    return (f"DELETE FROM {TABLE} WHERE partnership_id = {row}.partnership_id "  # noqa: S608
            f"AND month IN ({', '.join(months)}) AND n = 0")


def _changed(old: str, new: str, dialect: str) -> str:
    """SQL: true when any column the tally reads differs (NULL-safe)."""
    differs = "IS NOT" if dialect == "sqlite" else "IS DISTINCT FROM"
    return " OR ".join(f"{old}.{column} {differs} {new}.{column}" for column in READ_COLUMNS)


def trigger_ddl(dialect: str) -> list[str]:
    """The statements that create the triggers keeping the tally (one database's SQL)."""
    if dialect == "sqlite":
        return _sqlite_triggers()
    if dialect == "postgresql":
        return _postgresql_triggers()
    raise ValueError(f"No report tally triggers for {dialect}")


def _sqlite_triggers() -> list[str]:
    add, remove = _change("sqlite", "NEW", 1), _change("sqlite", "OLD", -1)
    sweep = _sweep("sqlite", "OLD")
    return [
        f"CREATE TRIGGER IF NOT EXISTS cdr_report_tally_insert AFTER INSERT ON cdr_case "
        f"BEGIN {add}; END",
        f"CREATE TRIGGER IF NOT EXISTS cdr_report_tally_delete AFTER DELETE ON cdr_case "
        f"BEGIN {remove}; {sweep}; END",
        # The new row's counts are added before the old one's are taken away, so a count
        # that does not change never drops to 0 and is swept.
        f"CREATE TRIGGER IF NOT EXISTS cdr_report_tally_update AFTER UPDATE OF "
        f"{', '.join(READ_COLUMNS)} ON cdr_case WHEN {_changed('OLD', 'NEW', 'sqlite')} "
        f"BEGIN {add}; {remove}; {sweep}; END",
    ]


def _postgresql_triggers() -> list[str]:
    add, remove = _change("postgresql", "NEW", 1), _change("postgresql", "OLD", -1)
    function = f"""
CREATE OR REPLACE FUNCTION cdr_report_tally_change() RETURNS trigger AS $$
BEGIN{PARTNERSHIP_LOCK_PLPGSQL}
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    {add};
  END IF;
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    {remove};
    {_sweep("postgresql", "OLD")};
  END IF;
  RETURN NULL;
END
$$ LANGUAGE plpgsql"""
    return [
        function,
        "CREATE OR REPLACE TRIGGER cdr_report_tally_insert_delete AFTER INSERT OR DELETE "
        "ON cdr_case FOR EACH ROW EXECUTE FUNCTION cdr_report_tally_change()",
        f"CREATE OR REPLACE TRIGGER cdr_report_tally_update AFTER UPDATE OF "
        f"{', '.join(READ_COLUMNS)} ON cdr_case FOR EACH ROW "
        f"WHEN ({_changed('OLD', 'NEW', 'postgresql')}) "
        f"EXECUTE FUNCTION cdr_report_tally_change()",
    ]


def drop_ddl(dialect: str) -> list[str]:
    """The statements that drop the triggers (and PostgreSQL's function)."""
    if dialect == "sqlite":
        return [f"DROP TRIGGER IF EXISTS cdr_report_tally_{name}"
                for name in ("insert", "delete", "update")]
    return ["DROP TRIGGER IF EXISTS cdr_report_tally_insert_delete ON cdr_case",
            "DROP TRIGGER IF EXISTS cdr_report_tally_update ON cdr_case",
            "DROP FUNCTION IF EXISTS cdr_report_tally_change()"]


def recount_sql(dialect: str) -> str:
    """SQL filling an empty tally from every case."""
    columns = ", ".join(KEY)
    return (f"INSERT INTO {TABLE} ({columns}, n) SELECT {columns}, sum(n) FROM "  # noqa: S608
            f"({_selects(dialect, 'cdr_case', 1, ' FROM cdr_case')}) AS counted "
            f"GROUP BY {columns}")


def rebuild() -> int:
    """Recount the whole tally from `cdr_case` (in the caller's transaction); rows made."""
    dialect = db.session.get_bind().dialect.name
    db.session.execute(report_tally.delete())
    db.session.execute(sa.text(recount_sql(dialect)))
    return db.session.scalar(sa.select(sa.func.count()).select_from(report_tally))


def _attach() -> None:
    """Make the triggers whenever db.create_all() makes the `cdr_case` table."""
    for dialect in _DIALECT:
        for statement in trigger_ddl(dialect):
            sa.event.listen(ChildDeathCase.__table__, "after_create",
                            sa.DDL(statement).execute_if(dialect=dialect))


_attach()
