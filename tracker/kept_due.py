"""Figures the database keeps on an owner of deadlines (a child death case, a serious
incident) from its open deadlines, so that a list reads an index on the owner's table in
order instead of matching every owner against every overdue deadline of the partnership.

A domain registers its owner with `keep(KeptDue(owner table, ((column, figure SQL), ...)))`;
a figure is a scalar SQL expression over `{deadlines}`, the owner's open deadlines
("FROM deadline d WHERE ..."; "open" as deadline_service.open_deadlines(): not met, not set
aside, not one of NOT_THE_PARTNERSHIPS). `OVERDUE_FROM` is the figure both lists' overdue
filters read: the earliest date past which one of the owner's open, unpaused deadlines is
overdue (the later of its due date and its extension, tracker.overdue_owners' test), so the
owner is overdue when `overdue_from < today`. A date is worked out when the deadlines change,
never from today, so the figures need no job to age them.

Triggers on `deadline` (insert, delete, and an update of any column read here) recount the
owner's figures whoever writes: a page, the bulk recompute, an import, raw SQL. They are
made with the tables by `db.create_all()` and, for an existing database, by a migration with
a frozen copy of these statements (a change here needs a new migration: test_migrations
compares the two). `recount_all()` recounts every owner (the `flask recount-kept` command).

PostgreSQL, and the order of the triggers on `deadline`:
- each trigger first locks its owner row (SELECT ... FOR UPDATE) and only then recounts, in a
  statement of its own, which (READ COMMITTED, a VOLATILE function) takes a new snapshot: two
  transactions changing different deadlines of one owner take turns, and the second counts
  the first's committed deadlines, so the figures always equal a recount;
- PostgreSQL fires the triggers of one event in the order of their names, so these are named
  `kept_due_<owner>`, after `deadline_tally_change` (tracker.compliance_tally, which takes the
  partnership's advisory lock 7031): every deadline write takes the partnership's lock before
  an owner row's. A new trigger on `deadline` that takes a lock must be named to keep that
  order (partnership lock first, then owner rows).
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from tracker.extensions import db

# deadline_service.NOT_THE_PARTNERSHIPS written out, because a trigger's SQL is frozen in its
# migration (tests/tracker/test_kept_due.py proves the two agree).
NOT_THE_PARTNERSHIPS = ("cspr_public_until", "national_prepublication_copies",
                        "national_public_until", "national_publication")
# The deadline columns the figures read: an update of any other leaves them alone.
READ_COLUMNS = ("owner_type", "owner_id", "item", "rule_key", "due_date", "extended_to",
                "met_on", "not_applicable_reason", "paused_reason")
# SQL over a deadline `d`: its due date as extended, and the later of the two.
DUE = "coalesce(d.extended_to, d.due_date)"
LATER = "CASE WHEN d.extended_to > d.due_date THEN d.extended_to ELSE d.due_date END"
# The earliest date past which one of the owner's open, unpaused deadlines is overdue.
OVERDUE_FROM = f"(SELECT min({LATER}) {{deadlines}} AND d.paused_reason IS NULL)"


def listed(values) -> str:
    """SQL: string literals, comma separated (constants only)."""
    return ", ".join(f"'{value}'" for value in values)


@dataclass(frozen=True)
class KeptDue:
    """Figures kept on `owner` (a table, and the deadlines' owner_type): (column, SQL)."""

    owner: str
    figures: tuple[tuple[str, str], ...]

    @property
    def columns(self) -> tuple[str, ...]:
        return tuple(column for column, _ in self.figures)

    @property
    def name(self) -> str:
        return f"kept_due_{self.owner}"

    def _figures(self, owner_id: str) -> list[str]:
        deadlines = (f"FROM deadline d WHERE d.owner_type = '{self.owner}' "
                     f"AND d.owner_id = {owner_id} "
                     "AND d.met_on IS NULL AND d.not_applicable_reason IS NULL "
                     f"AND d.rule_key NOT IN ({listed(NOT_THE_PARTNERSHIPS)})")
        return [figure.format(deadlines=deadlines) for _, figure in self.figures]

    def recount_sql(self, owner_id: str | None = None, only_changed: bool = False) -> str:
        """SQL: an UPDATE setting the figures of owner `owner_id` (every owner when None);
        `only_changed`: only where a figure differs (so an unchanged row is not written)."""
        table = self.owner
        figures = self._figures(f"{table}.id")
        sets = ", ".join(f"{column} = {figure}"
                         for column, figure in zip(self.columns, figures, strict=True))
        conditions = [] if owner_id is None else [f"{table}.id = {owner_id}"]
        if only_changed:
            conditions.append("({}) IS DISTINCT FROM ({})".format(
                ", ".join(f"{table}.{column}" for column in self.columns), ", ".join(figures)))
        where = f" WHERE {' AND '.join(conditions)}" if conditions else ""
        return f"UPDATE {table} SET {sets}{where}"  # noqa: S608 (constants, no input)

    def trigger_ddl(self, dialect: str) -> list[str]:
        """The statements that create the triggers keeping the figures (one database's SQL)."""
        mine = f"{{row}}.owner_type = '{self.owner}'"
        if dialect == "sqlite":
            return [
                f"CREATE TRIGGER IF NOT EXISTS {self.name}_insert AFTER INSERT ON deadline "
                f"WHEN {mine.format(row='NEW')} BEGIN {self.recount_sql('NEW.owner_id')}; END",
                f"CREATE TRIGGER IF NOT EXISTS {self.name}_delete AFTER DELETE ON deadline "
                f"WHEN {mine.format(row='OLD')} BEGIN {self.recount_sql('OLD.owner_id')}; END",
                f"CREATE TRIGGER IF NOT EXISTS {self.name}_update AFTER UPDATE OF "
                f"{', '.join(READ_COLUMNS)} ON deadline WHEN {mine.format(row='OLD')} OR "
                f"{mine.format(row='NEW')} BEGIN "
                f"{self.recount_sql('OLD.owner_id')} AND {mine.format(row='OLD')}; "
                f"{self.recount_sql('NEW.owner_id')} AND {mine.format(row='NEW')} AND "
                "(NEW.owner_type IS NOT OLD.owner_type OR NEW.owner_id IS NOT OLD.owner_id); END",
            ]
        if dialect == "postgresql":
            moved = ("(NEW.owner_type, NEW.owner_id) IS DISTINCT FROM "
                     "(OLD.owner_type, OLD.owner_id)")

            def recount(row):
                # The owner row locked first; the recount then reads a new snapshot.
                return (f"PERFORM 1 FROM {self.owner} WHERE id = {row}.owner_id FOR UPDATE; "
                        f"{self.recount_sql(f'{row}.owner_id', only_changed=True)};")

            return [
                f"CREATE OR REPLACE FUNCTION {self.name}() RETURNS trigger AS $$ BEGIN "
                f"IF TG_OP <> 'INSERT' AND {mine.format(row='OLD')} THEN "
                f"{recount('OLD')} END IF; "
                f"IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND {moved}) THEN "
                f"IF {mine.format(row='NEW')} THEN {recount('NEW')} END IF; END IF; "
                "RETURN NULL; END $$ LANGUAGE plpgsql",
                f"CREATE OR REPLACE TRIGGER {self.name} AFTER INSERT OR DELETE OR UPDATE OF "
                f"{', '.join(READ_COLUMNS)} ON deadline FOR EACH ROW "
                f"EXECUTE FUNCTION {self.name}()",
            ]
        raise ValueError(f"No kept due triggers for {dialect}")

    def drop_ddl(self, dialect: str) -> list[str]:
        """The statements that drop the triggers."""
        if dialect == "sqlite":
            return [f"DROP TRIGGER IF EXISTS {self.name}_{event}"
                    for event in ("insert", "delete", "update")]
        return [f"DROP TRIGGER IF EXISTS {self.name} ON deadline",
                f"DROP FUNCTION IF EXISTS {self.name}()"]


_KEPT: dict[str, KeptDue] = {}


def keep(spec: KeptDue) -> KeptDue:
    """Register `spec` and make its triggers with the tables (db.create_all())."""
    _KEPT[spec.owner] = spec
    # After every table is made: the triggers name both `deadline` and the owner's table.
    for dialect in ("sqlite", "postgresql"):
        for statement in spec.trigger_ddl(dialect):
            sa.event.listen(db.metadata, "after_create",
                            sa.DDL(statement).execute_if(dialect=dialect))
    return spec


def registered() -> tuple[KeptDue, ...]:
    """Every owner's kept figures, registered by the domains."""
    return tuple(_KEPT.values())


def lock_owners(deadline_ids) -> None:
    """PostgreSQL: lock the rows keeping figures of these deadlines' owners, in id order, before
    the deadlines are written in bulk (the bulk recompute). Its writes take the partnership's
    tally lock and then each owner row in turn; a page saving one case holds that case's row
    and then wants the partnership's lock to write its deadlines: locking every owner row
    first makes the recompute wait for the page without holding the partnership's lock."""
    ids = sorted(set(deadline_ids))
    if not ids or db.session.get_bind().dialect.name != "postgresql":
        return
    for spec in registered():
        db.session.execute(sa.text(
            f"SELECT o.id FROM {spec.owner} o WHERE o.id IN (SELECT d.owner_id "  # noqa: S608
            "FROM deadline d WHERE d.owner_type = :owner AND d.id = ANY(:ids)) "
            "ORDER BY o.id FOR UPDATE OF o"), {"owner": spec.owner, "ids": ids})


def recount_all() -> dict[str, int]:
    """Recount every owner's figures from its deadlines (no commit): {owner: rows changed}."""
    return {spec.owner: db.session.execute(sa.text(spec.recount_sql(only_changed=True)))
            .rowcount for spec in registered()}
