"""The same record twice: a lock that makes two saves of one record take turns, and the
list of duplicates already stored, for an administrator to merge.

A duplicate check is a read ("is this death already notified?"), so two saves at the same
moment would both read "no" and both save. `lock(*keys)` is taken before the check and held
to the end of the transaction, so the second save waits for the first to commit and its
check then finds the first's record:

- on PostgreSQL, a transaction advisory lock per key (the key hashed: no child's details
  reach the lock table or a statement log);
- on SQLite, where one writer at a time holds the database, the write lock, taken at once.

A key names what makes two records the same (such as a child's NHS number), so saves of
different records never wait for each other. A unique index would say the same, but could
not be added over the duplicates already stored (and cannot express "same NHS number, or
same name and dates"); those are listed instead (`groups`), and never deleted.
"""

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import sqlalchemy as sa

from tracker.domains import registered_domains
from tracker.extensions import db

# pg_advisory_xact_lock(DUPLICATE_LOCK, hash of the key): the tallies use 7031.
DUPLICATE_LOCK = 7032


def _hashed(key: str) -> int:
    """A key as a signed 32-bit number (the second half of a two-number advisory lock)."""
    return int.from_bytes(hashlib.sha256(key.encode()).digest()[:4], "big", signed=True)


def lock(*keys: str | None) -> None:
    """Hold, until the transaction ends, the lock of each key (None keys are skipped).

    Taken in one order (by hash), so two saves sharing two keys never deadlock.
    """
    wanted = sorted({_hashed(key) for key in keys if key})
    if not wanted:
        return
    if db.session.get_bind().dialect.name == "postgresql":
        for number in wanted:
            db.session.execute(sa.text("SELECT pg_advisory_xact_lock(:kind, :number)"),
                               {"kind": DUPLICATE_LOCK, "number": number})
        return
    # SQLite: a write statement takes the database's write lock (waiting for the writer
    # before it to commit), so every read after it sees what that writer saved.
    db.session.execute(sa.text("UPDATE partnership SET id = id WHERE 0 = 1"))


# --- Duplicates already stored ---------------------------------------------------------------


@dataclass(frozen=True)
class DuplicateRecord:
    """One record of a group: its reference and, when the viewer may open it, its page."""

    reference: str
    href: str = ""


@dataclass(frozen=True)
class DuplicateGroup:
    """Records that seem to be one: what they are, why (never the child's details), which."""

    kind: str
    reason: str
    records: Sequence[DuplicateRecord]


@dataclass(frozen=True)
class DuplicateFinder:
    """A domain's finder (Domain.duplicates): `find(partnership_id, page, size)` ->
    ([DuplicateGroup], whether more follow), each kind of its groups paged by `shared`."""

    find: Callable


def shared(rows, keys, page, size, *unless):
    """A select() of one page of the values of `keys` that more than one of `rows` shares
    (NULLs alike), in their order: `size` + 1 rows, the last only saying more follow.

    `rows` is a select() of the partnership's rows (its columns are replaced); `unless` are
    further HAVING conditions (such as "not the same records as a group listed before").
    Grouped, not counted over a window: with an index on (partnership, *keys) the rows are
    grouped off the index alone, in order, and a page stops reading once it has its groups.
    (A window counts over every row before the first group is known, and joining the rows to
    their groups on IS NOT DISTINCT FROM, for the NULLs, can only be a nested loop.)
    """
    return (rows.with_only_columns(*keys).group_by(*keys)
            .having(sa.func.count() > 1, *unless).order_by(*keys)
            .limit(size + 1).offset((page - 1) * size))


def members(rows, keys, groups_page, size):
    """The rows of each group of `groups_page` (a page from `shared`), in the groups' order:
    ([[row, ...], ...], whether more groups follow). Each row is `rows`' columns then the
    keys; rows are fetched by the first key (index lookups) and matched in Python, so a NULL
    matches a NULL as the grouping made them one."""
    values = [tuple(value) for value in db.session.execute(groups_page).all()]
    more, values = len(values) > size, values[:size]
    found = db.session.execute(
        rows.add_columns(*keys).where(keys[0].in_(sorted({value[0] for value in values})))
        .order_by(*keys, *rows.selected_columns[:1])).all()
    by_key = {value: [] for value in values}
    for row in found:
        key = tuple(row[len(rows.selected_columns):])
        if key in by_key:
            by_key[key].append(row)
    return [group for group in by_key.values() if len(group) > 1], more


def groups(partnership_id: int, page: int, size: int) -> tuple[list[DuplicateGroup], bool]:
    """Page `page` of every domain's groups of seeming duplicates in a partnership, and
    whether a next page has more: each kind of group shows its own `page`th `size` groups
    (so a page reads at most `size` groups of each kind, however many are stored)."""
    found, more = [], False
    for domain in registered_domains():
        for finder in domain.duplicates:
            its_groups, its_more = finder.find(partnership_id, page, size)
            found += its_groups
            more = more or its_more
    return found, more


# --- How many rows share each key, kept by the database ----------------------------------------


@dataclass(frozen=True)
class SharedKey:
    """A kind of duplicate whose count the database keeps on each row: `column` of `table`
    is how many of the partnership's rows of `table` have the row's key (itself included),
    0 for a row without one. A finder then groups only the rows whose count is over 1, off a
    partial index on `column > 1` (`repeated`), rather than every row of the partnership.

    `keys` are SQL with `{r}` for the row (the first is NULL when the row has no key; the
    others match NULL to NULL, as the grouping does); `columns` are the columns they read.
    Triggers (`sharing_ddl`) recount the keys a row had and has on every insert, delete and
    change of its partnership or key columns, whoever writes; a domain makes them with its
    table (`attach`) and, for an existing database, in a migration with a frozen copy.
    """

    table: str
    column: str
    keys: tuple[str, ...]
    columns: tuple[str, ...]


def repeated(column):
    """A where-clause for the rows whose key is shared (the literal, not a parameter, so that
    both databases use the partial index on `column > 1`)."""
    return column > sa.literal_column("1")


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


def _recount(spec, row, alike, only_changed=False):
    """SQL: set the count of every row with the key of `row` (NEW or OLD), and of `row`
    itself to 0 when it has none (after a change of key)."""
    where = f"{_same(spec, spec.table, row, alike)} AND {_key(spec, 0, row)} IS NOT NULL"
    if only_changed:
        where += f" AND {spec.table}.{spec.column} IS DISTINCT FROM {_count(spec, alike)}"
    return f"UPDATE {spec.table} SET {spec.column} = {_count(spec, alike)} WHERE {where}"  # noqa: S608


def _zero(spec, row):
    return (f"UPDATE {spec.table} SET {spec.column} = 0 WHERE id = {row}.id "  # noqa: S608
            f"AND {spec.column} <> 0 AND {_key(spec, 0, row)} IS NULL")


def _key_locks(spec):
    """PL/pgSQL: take DUPLICATE_LOCK on the table's rows of the partnership the row was and is
    in, when it had or has a key (the smaller lock first), so two rows given one key at once
    are counted in turn: the recount after the lock is a statement of its own, with a new
    snapshot that sees the other's committed row (without it both could keep a count of 1).
    One lock per partnership and table, not per key: a bulk insert of thousands of rows
    would otherwise hold thousands of locks and run out of the lock table's shared memory;
    a partnership's saves take turns for their deadlines' tally anyway."""
    hashed = [f"CASE WHEN {_key(spec, 0, row)} IS NOT NULL THEN "
              f"hashtext('{spec.table}:' || {row}.partnership_id) END" for row in ("OLD", "NEW")]
    values = f"(VALUES ({hashed[0]}), ({hashed[1]})) v (h)"
    return (f"PERFORM pg_advisory_xact_lock({DUPLICATE_LOCK}, h) "  # noqa: S608 (constants)
            f"FROM (SELECT DISTINCT h FROM {values} WHERE h IS NOT NULL ORDER BY h) k;")


def sharing_ddl(spec: SharedKey, dialect: str) -> list[str]:
    """The statements that create the triggers keeping `spec.column` (one database's SQL)."""
    name = f"{spec.table}_{spec.column}"
    watched = ", ".join(("partnership_id", *spec.columns))
    if dialect == "sqlite":
        unchanged = " AND ".join(f"{_key(spec, n, 'OLD')} IS {_key(spec, n, 'NEW')}"
                                 for n in range(len(spec.keys)))
        return [
            f"CREATE TRIGGER IF NOT EXISTS {name}_insert AFTER INSERT ON {spec.table} "
            f"BEGIN {_recount(spec, 'NEW', 'IS')}; END",
            f"CREATE TRIGGER IF NOT EXISTS {name}_delete AFTER DELETE ON {spec.table} "
            f"BEGIN {_recount(spec, 'OLD', 'IS')}; END",
            f"CREATE TRIGGER IF NOT EXISTS {name}_update AFTER UPDATE OF {watched} ON "
            f"{spec.table} WHEN NOT (OLD.partnership_id IS NEW.partnership_id AND {unchanged}) "
            f"BEGIN {_recount(spec, 'OLD', 'IS')}; {_recount(spec, 'NEW', 'IS')}; "
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
            f"{_key_locks(spec)} "
            f"IF TG_OP <> 'INSERT' THEN {_recount(spec, 'OLD', alike, True)}; END IF; "
            f"IF TG_OP <> 'DELETE' THEN {_recount(spec, 'NEW', alike, True)}; "
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


def sharing_recount(spec: SharedKey) -> int:
    """Recount every row's count of `spec` (no commit): how many rows it changed."""
    dialect = db.session.get_bind().dialect.name
    alike = "IS" if dialect == "sqlite" else "IS NOT DISTINCT FROM"
    figure = (f"CASE WHEN {_key(spec, 0, spec.table)} IS NOT NULL "
              f"THEN {_count(spec, alike)} ELSE 0 END")
    return db.session.execute(sa.text(
        f"UPDATE {spec.table} SET {spec.column} = {figure} "  # noqa: S608 (constants, no input)
        f"WHERE {spec.table}.{spec.column} IS DISTINCT FROM {figure}")).rowcount


_SHARED: dict[tuple[str, str], SharedKey] = {}


def shared_keys() -> tuple[SharedKey, ...]:
    """Every domain's shared keys (as attached)."""
    return tuple(_SHARED.values())


def attach(table: sa.Table, *specs: SharedKey) -> None:
    """Make the triggers of `specs` with `table` (db.create_all())."""
    for spec in specs:
        _SHARED[(spec.table, spec.column)] = spec
        for dialect in ("sqlite", "postgresql"):
            for statement in sharing_ddl(spec, dialect):
                sa.event.listen(table, "after_create",
                                sa.DDL(statement).execute_if(dialect=dialect))
