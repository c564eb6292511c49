"""Database housekeeping that the app does itself rather than leave to chance."""

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from tracker.extensions import db


def analyze() -> None:
    """After a bulk load on PostgreSQL, VACUUM ANALYZE every table: the planner's statistics
    and the visibility map, as autovacuum leaves them a while later.

    Straight after tens of thousands of rows arrive (a demo seed, a benchmark), PostgreSQL
    still plans with the statistics of the empty tables, and its index-only scans still read
    the table, until autovacuum next visits (within a minute or so). SQLite plans without
    statistics, so it needs nothing.

    The tallies (tables named *_tally, counted up and down by triggers) are also compacted:
    each of the load's hundreds of thousands of trigger updates wrote a new version of a
    tally row on another page, and VACUUM frees the old versions but leaves the rows where
    they are: 11,790 deadline tally rows were spread over 3,200 pages, so a year of
    compliance read 1,000 pages for 1,200 rows (36 once compacted). A small table: VACUUM
    FULL holds it for a moment.
    """
    if db.engine.dialect.name != "postgresql":
        return
    db.session.commit()
    quote = db.engine.dialect.identifier_preparer.quote
    names = ", ".join(quote(table.name) for table in db.metadata.sorted_tables)
    tallies = ", ".join(quote(table.name) for table in db.metadata.sorted_tables
                        if table.name.endswith("_tally"))
    # VACUUM runs outside a transaction only.
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(sa.text(f"VACUUM (ANALYZE) {names}"))
        if tallies:
            connection.execute(sa.text(f"VACUUM (FULL, ANALYZE) {tallies}"))


# Registered once at import (tracker/__init__.py), for every engine the app makes.
@sa.event.listens_for(Engine, "do_connect")
def _postgresql_settings(dialect, connection_record, cargs, cparams):
    """Every PostgreSQL connection runs with just-in-time compilation off.

    PostgreSQL compiles a query to machine code when its estimated cost passes jit_above_cost,
    and a page's query over 100,000 cases does: the compiling took 0.5 s of My cases' 0.7 s
    and 3 s of the duplicates page, to save milliseconds of execution. The app's queries are
    short reads of a few thousand rows at most, where compiling never pays.
    """
    if dialect.name != "postgresql":
        return
    options = cparams.get("options", "")
    cparams["options"] = f"{options} -c jit=off".strip()
