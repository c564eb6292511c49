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
