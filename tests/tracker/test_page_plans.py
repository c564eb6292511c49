"""The open-deadline pages read their lists from indexes alone on SQLite: the statement that
counts or chooses a page names only columns an index holds, so SQLite never reads a row of
the table for it (it did for every open request, case and deadline of the list: 50-150 ms at
100,000 cases). PostgreSQL's plans depend on its statistics of a large table: the bench
prints them (`python -m bench.explain`)."""

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from tests.cdr.factories import make_case
from tests.factories import make_user
from tracker.extensions import db
from tracker.roles import Role


@pytest.fixture(autouse=True)
def _sqlite_only(app):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite's query plans; PostgreSQL's are read from the bench's database")


def _plans(client, url):
    """{statement: its SQLite query plan as text} of each statement a request sends."""
    sent = []

    def keep(conn, cursor, statement, parameters, context, executemany):
        sent.append((statement, parameters))

    sa.event.listen(db.engine, "before_cursor_execute", keep)
    try:
        assert client.get(url).status_code == 200
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", keep)
    with db.engine.connect() as connection:
        return {statement: "\n".join(
            row[-1] for row in connection.exec_driver_sql(
                "EXPLAIN QUERY PLAN " + statement, parameters))
            for statement, parameters in sent if statement.lstrip().upper().startswith("SELECT")}


def _reads(plan, table):
    """The plan's lines that read this table."""
    return [line for line in plan.splitlines() if f" {table} " in f"{line} "]


def test_the_outstanding_requests_are_counted_from_their_index(cdop_client, partnership):
    plans = _plans(cdop_client, "/child-deaths/requests")
    [count] = [plan for statement, plan in plans.items()
               if "count(*)" in statement and "cdr_agency_request" in statement]

    assert _reads(count, "cdr_agency_request") == [
        "SEARCH cdr_agency_request USING COVERING INDEX ix_cdr_agency_request_open "
        "(partnership_id=?)"]


def test_my_cases_count_and_page_read_only_indexes(doctor_client, partnership):
    make_case(partnership, designated_doctor_id=doctor_client.user.id, jar_required=True)
    plans = _plans(doctor_client, "/child-deaths/my-cases")
    chosen = [plan for statement, plan in plans.items()
              if "cdr_case.designated_doctor_id = ?" in statement]

    assert len(chosen) == 2  # the count and the page
    for plan in chosen:
        # The figures the database keeps on each case (cdr.case_due), in order off one
        # covering index: no deadline is read to choose the page.
        assert _reads(plan, "cdr_case") == [
            "SEARCH cdr_case USING COVERING INDEX ix_cdr_case_doctor_due "
            "(designated_doctor_id=? AND next_due>?)"]
        assert _reads(plan, "deadline") == []


def test_my_cases_keeps_its_index_when_most_cases_are_closed(doctor_client, partnership):
    # With statistics (ANALYZE) SQLite keeps one average per index: `closed_on` has a
    # different date on nearly every row, so `closed_on IS NULL` looks rare, although most
    # open cases have it. Left to itself SQLite then read every open case off
    # ix_cdr_case_closed_on and sorted them (16 ms a statement at 100,000 cases).
    for _ in range(12):
        make_case(partnership, designated_doctor_id=doctor_client.user.id, jar_required=True)
    for day in range(1, 121):
        make_case(partnership, identity=False, closed_on=date(2025, 1, 1) + timedelta(days=day))
    db.session.execute(sa.text("ANALYZE"))
    db.session.commit()
    plans = _plans(doctor_client, "/child-deaths/my-cases")
    chosen = [plan for statement, plan in plans.items()
              if "cdr_case.designated_doctor_id = ?" in statement]

    assert len(chosen) == 2  # the count and the page
    for plan in chosen:
        assert _reads(plan, "cdr_case") == [
            "SEARCH cdr_case USING COVERING INDEX ix_cdr_case_doctor_due "
            "(designated_doctor_id=? AND next_due>?)"]


def test_a_doctors_overdue_cases_are_chosen_from_the_index(cdop_client, partnership):
    doctor = make_user(Role.DESIGNATED_DOCTOR, [partnership])
    plans = _plans(cdop_client, f"/child-deaths/?overdue=y&doctor={doctor.id}")
    chosen = [plan for statement, plan in plans.items()
              if "designated_doctor_id = ?" in statement]

    assert len(chosen) == 2  # the count and the page
    for plan in chosen:
        assert ("SEARCH cdr_case USING COVERING INDEX ix_cdr_case_partnership_doctor "
                "(partnership_id=? AND designated_doctor_id=?)") in _reads(plan, "cdr_case")
        # Only the page's cases are read whole, each by its id.
        assert all("COVERING INDEX" in line or "INTEGER PRIMARY KEY" in line
                   for line in _reads(plan, "cdr_case"))

