"""Database housekeeping that the app does itself rather than leave to chance."""

import sqlalchemy as sa

from tracker.extensions import db


def analyze() -> None:
    """Refresh PostgreSQL's planner statistics of every table after a bulk load.

    Straight after tens of thousands of rows arrive (a demo seed, a benchmark), PostgreSQL
    still plans with the statistics of the empty tables until autovacuum next analyzes them
    (within a minute or so), and picks nested loops over whole tables meanwhile. SQLite plans
    without statistics, so it needs nothing.
    """
    if db.engine.dialect.name != "postgresql":
        return
    db.session.commit()
    names = ", ".join(db.engine.dialect.identifier_preparer.quote(table.name)
                      for table in db.metadata.sorted_tables)
    db.session.execute(sa.text(f"ANALYZE {names}"))
    db.session.commit()
