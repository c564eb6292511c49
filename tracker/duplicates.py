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
    """A domain's finder (Domain.duplicates): `find(partnership_id)` -> [DuplicateGroup]."""

    find: Callable


def repeated(query, columns):
    """A select() of the rows of `query` (its columns, such as id and reference) that share
    the values of `columns` with another of its rows (NULLs alike), with those values, in
    their order.

    Counted over a window in one pass: joining the rows to their repeated groups on IS NOT
    DISTINCT FROM (for the NULLs) can only be a nested loop, every row against every group.
    """
    keys = [column.label(f"k{index}") for index, column in enumerate(columns)]
    counted = query.add_columns(*keys, sa.func.count().over(partition_by=list(columns))
                                .label("shared")).subquery()
    shown = [counted.c[column.name] for column in query.selected_columns]
    values = [counted.c[key.name] for key in keys]
    return sa.select(*shown, *values).where(counted.c.shared > 1).order_by(*values, *shown[:1])


def groups(partnership_id: int) -> list[DuplicateGroup]:
    """Every domain's groups of seeming duplicates in a partnership."""
    found = []
    for domain in registered_domains():
        for finder in domain.duplicates:
            found += finder.find(partnership_id)
    return found
