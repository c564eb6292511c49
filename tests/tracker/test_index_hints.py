"""SQLite index hints (tracker/extensions.py renders `with_hint(..., "sqlite")`, which
SQLAlchemy's SQLite compiler would drop): the hint reaches SQLite, names an index that
exists, and SQLite's plan reads that index; PostgreSQL never sees it."""

from datetime import date

import pytest
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from cdr.services.my_cases import my_cases
from tracker.extensions import db

HINT = "INDEXED BY ix_cdr_case_doctor_due"


def _doctors_cases():
    """The designated doctor's "My cases" query, which carries the hint."""
    return my_cases(doctor_id=1, partnership_ids=[1], today=date(2026, 3, 4), rules={},
                    due_soon_days=5)


def test_the_hint_is_written_for_sqlite_and_left_out_for_postgresql():
    statement = _doctors_cases()
    assert f"cdr_case {HINT}" in str(statement.compile(dialect=sqlite.dialect()))
    assert "INDEXED BY" not in str(statement.compile(dialect=postgresql.dialect()))


def test_the_hinted_index_exists_and_answers_the_query(app):
    """A renamed or narrowed index would make SQLite refuse the query ("no such index",
    "no query solution"): the page would fail, not slow down."""
    if db.engine.dialect.name != "sqlite":
        pytest.skip("INDEXED BY is SQLite's; PostgreSQL ignores the hint")
    compiled = _doctors_cases().compile(dialect=db.engine.dialect,
                                        compile_kwargs={"literal_binds": True})
    plan = " ".join(str(row[-1]) for row in db.session.execute(
        sa.text(f"EXPLAIN QUERY PLAN {compiled}")))
    assert "ix_cdr_case_doctor_due" in plan
