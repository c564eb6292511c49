"""PostgreSQL plans the pages well from the start: statistics gathered after a bulk load,
and no just-in-time compilation of a page's query."""

from datetime import date

import pytest
import sqlalchemy as sa

from tracker import demo
from tracker.extensions import db


@pytest.fixture
def postgresql(app):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL only: SQLite has neither statistics to gather nor a JIT")


def _estimated_rows(table):
    """The planner's row estimate of a table (-1: never vacuumed or analyzed)."""
    return db.session.execute(sa.text("SELECT reltuples FROM pg_class WHERE relname = :t"),
                              {"t": table}).scalar()


def test_a_demo_seed_leaves_the_planner_its_statistics(postgresql):
    demo.seed_people()
    demo.seed_cases(40, today=date(2026, 11, 23))

    assert _estimated_rows("cdr_case") == 20
    assert _estimated_rows("serious_incident") == 20
    assert _estimated_rows("deadline") > 40


def _pages(table):
    return db.session.execute(sa.text("SELECT pg_relation_size(:t) / current_setting("
                                      "'block_size')::int"), {"t": table}).scalar()


def test_a_demo_seed_leaves_the_tallies_compact(postgresql):
    """The tally rows, rewritten by a trigger for every deadline the seed stores, end up in
    as few pages as they need, not one new page per rewrite (a year of compliance reads them)."""
    demo.seed_people()
    demo.seed_cases(200, today=date(2026, 11, 23))

    rows = db.session.execute(sa.text("SELECT count(*) FROM deadline_tally")).scalar()
    assert rows > 0
    # A tally row is about 100 bytes: some 75 fit in an 8 kB page (578 rows: 8 pages
    # compacted, 11 not, at this size; thousands of pages at 100,000 cases).
    assert _pages("deadline_tally") <= rows // 60 + 1


def test_no_query_is_compiled_just_in_time(postgresql):
    assert db.session.execute(sa.text("SHOW jit")).scalar() == "off"
