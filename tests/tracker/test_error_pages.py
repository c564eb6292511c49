"""A failure always gets the GOV.UK error page, even when the database itself failed.

The database is failed for real, under a signed-in save: on PostgreSQL the request's own
connection is terminated by the server (pg_terminate_backend from a second connection) just
before the save is written; on SQLite the database is full (`PRAGMA max_page_count` held at
its current size, so the save's next new page fails with SQLITE_FULL, "database or disk is
full"). Exceptions are not propagated, as in production: the user sees what a browser would.
"""

from datetime import date

import pytest
import sqlalchemy as sa

from cdr.models import ChildDeathCase
from tests.conftest import Page, csrf_token_from, submission_key_from
from tracker.extensions import db

TODAY = date(2025, 3, 10)
PROBLEM = "Sorry, there is a problem with the service"


@pytest.fixture(autouse=True)
def _production_errors(app, clock):
    """Errors become pages, not exceptions in the test (PROPAGATE_EXCEPTIONS as production)."""
    app.config["PROPAGATE_EXCEPTIONS"] = False
    clock.set(TODAY)


def is_postgres():
    return db.engine.dialect.name == "postgresql"


def notification(**changes):
    """A complete notification whose circumstances are long enough to need new pages."""
    def day(value):
        return [str(value.day), str(value.month), str(value.year)]

    data = {
        "given_names": "Testchild", "family_name": "Invented",
        "date_of_birth": day(date(2024, 1, 26)), "sex": "female",
        "nhs_number": "999 000 0018", "address": "1 Imaginary Lane, Northtown",
        "postcode": "zz99 3aa", "la_of_residence": "Northshire",
        "date_of_death": day(date(2025, 3, 1)), "time_of_death": "14:30",
        "birth_outcome": "no", "place_of_death": "hospital", "la_of_death": "Northshire",
        "death_expected": "no", "circumstances": "Found unresponsive. " * 450,
        "source": "practitioner", "notifier_name": "Dr Example Notifier",
        "notifier_role": "Paediatric registrar", "notifier_agency": "Northshire Hospitals",
        "notifier_contact": "notifier@example.org", "received_on": day(date(2025, 3, 2)),
    }
    data.update(changes)
    return data


def notify(client):
    """Send the notification form as a browser does."""
    html = client.get("/child-deaths/notify").get_data(as_text=True)
    return Page(client.post("/child-deaths/notify", data={
        **submission_key_from(html), **notification(), "csrf_token": csrf_token_from(html)}))


# --- Failing the database for real ---------------------------------------------------------


class TerminatedConnection:
    """PostgreSQL ends a connection (as a restart or failover would) just before it runs one
    of the app's statements: the server terminates it, asked from a second connection.

    `arm(times, when)` cuts the connection under the next `times` statements whose SQL
    contains `when` (the default: the next save's first INSERT).
    """

    def __init__(self):
        self.times, self.when = 0, None
        sa.event.listen(sa.engine.Engine, "before_cursor_execute", self._terminate)

    def arm(self, times=1, when="INSERT INTO"):
        self.times, self.when = times, when

    def _terminate(self, conn, cursor, statement, parameters, context, executemany):
        if self.times <= 0 or self.when not in statement:
            return
        self.times -= 1
        pid = conn.connection.dbapi_connection.info.backend_pid
        killer = sa.create_engine(db.engine.url, poolclass=sa.pool.NullPool)
        try:
            with killer.connect() as other:
                assert other.exec_driver_sql(
                    f"SELECT pg_terminate_backend({int(pid)}, 5000)").scalar()
        finally:
            killer.dispose()

    def remove(self):
        self.times = 0
        sa.event.remove(sa.engine.Engine, "before_cursor_execute", self._terminate)


class FullDisk:
    """SQLite's database cannot grow: the next write that needs a page fails (SQLITE_FULL)."""

    LIMIT = 1073741823  # SQLite's default max_page_count

    def __init__(self):
        self.full = False

    def fill(self):
        pages = db.session.execute(sa.text("PRAGMA page_count")).scalar()
        db.session.execute(sa.text(f"PRAGMA max_page_count = {int(pages)}"))
        self.full = True

    def free(self):
        db.session.rollback()
        db.session.execute(sa.text(f"PRAGMA max_page_count = {self.LIMIT}"))
        self.full = False


@pytest.fixture
def failing_database(app):
    """fail() makes the next save fail in the database itself; recover() ends the fault.

    On PostgreSQL, `failing_database.terminated.arm(…)` cuts the connection under chosen
    statements instead."""
    disk = FullDisk()
    terminated = TerminatedConnection()

    class Fault:
        @staticmethod
        def fail():
            if is_postgres():
                terminated.arm()
            else:
                disk.fill()

        @staticmethod
        def recover():
            terminated.times = 0
            if disk.full:
                disk.free()

    Fault.terminated = terminated
    yield Fault
    Fault.recover()
    terminated.remove()


def assert_problem_page(page, status=500, heading=PROBLEM):
    """The GOV.UK error page in the service's layout."""
    assert page.status == status, page.html.get_text()[:500]
    assert page.text("h1") == heading
    assert page.html.select_one("header.govuk-template__header") is not None
    assert page.html.select_one("footer.govuk-footer") is not None
    if status == 500:
        assert "Nothing you entered was saved" in page.text("main")


def signed_in_as(page):
    """The phase banner's "Signed in as …" words, or None on a page for nobody signed in."""
    banner = page.text(".govuk-phase-banner")
    return banner[banner.index("Signed in as"):] if "Signed in as" in banner else None


def cases():
    return db.session.scalars(sa.select(ChildDeathCase)).all()


def test_a_save_the_database_fails_gets_the_error_page_and_the_next_request_works(
        cdop_client, failing_database):
    failing_database.fail()
    problem = notify(cdop_client)
    assert_problem_page(problem)
    # The database answers again at once (a new connection; reads on a full disk): the page
    # still shows who is signed in.
    assert cdop_client.user.full_name in signed_in_as(problem)
    if not is_postgres():
        # SQLite refuses the write itself: the user keeps their session and can read on.
        home = Page(cdop_client.get("/"))
        assert home.status == 200
        assert cdop_client.user.full_name in home.text(".govuk-phase-banner")
    failing_database.recover()
    assert cases() == []

    home = Page(cdop_client.get("/"))
    assert home.status == 200
    assert cdop_client.user.full_name in home.text(".govuk-phase-banner")
    saved = notify(cdop_client)
    assert saved.status == 302
    [case] = cases()
    assert saved.response.headers["Location"].endswith(f"/child-deaths/{case.id}")


@pytest.fixture
def postgres_only(app):
    if not is_postgres():
        pytest.skip("cuts a PostgreSQL connection (SQLite's faults are the full-disk test)")


def cut_while_loading_the_user(failing_database, times):
    """Cut the connection under the next `times` reads of the signed-in user. The tests'
    requests share one session (tests/conftest.py): expire it, so the next request reads
    the user from the database as every real request does."""
    db.session.expire_all()
    failing_database.terminated.arm(times=times, when='FROM "user"')


def test_a_connection_cut_while_loading_the_signed_in_user_gets_the_error_page(
        postgres_only, cdop_client, failing_database):
    cut_while_loading_the_user(failing_database, 1)
    problem = Page(cdop_client.get("/"))
    assert_problem_page(problem)
    assert cdop_client.user.full_name in signed_in_as(problem)

    home = Page(cdop_client.get("/"))
    assert home.status == 200
    assert cdop_client.user.full_name in signed_in_as(home)


def test_while_the_database_stays_unreachable_the_error_page_needs_no_database(
        postgres_only, cdop_client, failing_database):
    # The user's loading fails, and fails again when the error page's layout asks for them.
    cut_while_loading_the_user(failing_database, 2)
    problem = Page(cdop_client.get("/"))
    assert_problem_page(problem)
    assert signed_in_as(problem) is None
    assert problem.html.select_one("#notices-link") is None

    # Only the page was shown for nobody: the user is still signed in.
    home = Page(cdop_client.get("/"))
    assert home.status == 200
    assert cdop_client.user.full_name in signed_in_as(home)


def test_a_form_refused_for_its_token_gets_its_page_while_the_database_is_unreachable(
        postgres_only, cdop_client, failing_database):
    # The token is refused before the user is read; the layout's read of the user fails.
    cut_while_loading_the_user(failing_database, 1)
    refused = Page(cdop_client.post("/child-deaths/notify", data=notification()))
    assert_problem_page(refused, status=400, heading="Your form could not be sent")
    assert signed_in_as(refused) is None
    assert cases() == []
    assert Page(cdop_client.get("/")).status == 200
