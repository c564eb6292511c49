"""Long reads (an export's rows) in short transactions, so no read holds the database for long.

An export of 100,000 rows takes seconds to write. Read as one query streamed to the end, it
would keep one read transaction (and its snapshot) open all that while: on SQLite a WAL
checkpoint cannot pass it and, without WAL, no save could commit meanwhile; on PostgreSQL
vacuum waits for it. `in_short_reads` reads the keys of the records first (their ids, in the
export's order: one quick query), then the rows `size` keys at a time, each chunk fetched
whole in its own short transaction, ended before its rows are handed on.

The chunks see the database as it is when each is read: a record changed meanwhile is shown
as changed, one deleted meanwhile is left out. The ORM objects a chunk returns stay loaded
(the transaction ends without expiring them), so a caller may expunge them as it goes.
"""

from collections.abc import Iterator

import sqlalchemy as sa

from tracker.extensions import db

CHUNK = 2_000


def in_short_reads(statement: sa.Select, key, keys: sa.Select, size: int = CHUNK) -> Iterator:
    """The rows of `statement`, chunk by chunk: `keys` selects the records' keys in the
    statement's order (such as their ids), and each chunk is `statement` where `key` is one
    of `size` of them. A key may have several rows (a record's deadlines)."""
    found = db.session.scalars(keys).all()
    end_read()
    for start in range(0, len(found), size):
        chunk = db.session.execute(statement.where(key.in_(found[start:start + size]))).all()
        end_read()
        yield from chunk


def end_read() -> None:
    """End the session's transaction (it only read) without expiring what it loaded."""
    session = db.session()
    expire, session.expire_on_commit = session.expire_on_commit, False
    try:
        session.commit()
    finally:
        session.expire_on_commit = expire
