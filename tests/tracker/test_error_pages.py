"""A failure always gets the GOV.UK error page, even when the database itself failed.

The database is failed for real, under a signed-in save (DatabaseFault): on PostgreSQL the
request's own connection is terminated by the server (pg_terminate_backend, asked from a
second connection) just before a statement runs; on SQLite the database is full (`PRAGMA
max_page_count` held at its size, so the save's next new page fails with SQLITE_FULL,
"database or disk is full"). Exceptions are not propagated, as in production: the user sees
what a browser would, through the test client and through a real HTTP server. Before the
fix, the error page's layout read the signed-in user from the failed session
(PendingRollbackError) and the server answered its bare "Internal Server Error".
"""

import http.cookiejar
import threading
import urllib.error
import urllib.parse
import urllib.request
from datetime import date

import pytest
import sqlalchemy as sa
from bs4 import BeautifulSoup
from werkzeug.exceptions import TooManyRequests
from werkzeug.serving import make_server

from cdr.models import ChildDeathCase
from tests.conftest import Page, csrf_token_from, submission_key_from
from tests.factories import PASSWORD, make_partnership, make_user
from tracker import create_app
from tracker.audit import AuditEvent
from tracker.extensions import db
from tracker.roles import Role

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


class DatabaseFault:
    """Fails the database for real just before one of the app's statements runs.

    `arm(times, when)`: under the next `times` statements whose SQL contains `when` (the
    default: a save's first INSERT), PostgreSQL terminates the statement's connection (asked
    from a second connection, as a restart or failover would); on SQLite the database is
    full from then on (`PRAGMA max_page_count` held at its size, so the next write that needs
    a new page fails with SQLITE_FULL) until `recover()`.
    """

    LIMIT = 1073741823  # SQLite's default max_page_count

    def __init__(self):
        self.times, self.when = 0, None
        self.full = []  # SQLite connections whose database was filled
        sa.event.listen(sa.engine.Engine, "before_cursor_execute", self._fail)

    def arm(self, times=1, when="INSERT INTO"):
        self.times, self.when = times, when

    def _fail(self, conn, cursor, statement, parameters, context, executemany):
        if self.times <= 0 or self.when not in statement:
            return
        self.times -= 1
        dbapi_connection = conn.connection.dbapi_connection
        if conn.dialect.name == "sqlite":
            pages = dbapi_connection.execute("PRAGMA page_count").fetchone()[0]
            dbapi_connection.execute(f"PRAGMA max_page_count = {int(pages)}")
            self.full.append(dbapi_connection)
            return
        killer = sa.create_engine(conn.engine.url, poolclass=sa.pool.NullPool)
        try:
            with killer.connect() as other:
                pid = int(dbapi_connection.info.backend_pid)
                assert other.exec_driver_sql(
                    f"SELECT pg_terminate_backend({pid}, 5000)").scalar()
        finally:
            killer.dispose()

    def recover(self):
        """The fault ends: nothing more is failed, and a full disk has room again."""
        self.times = 0
        while self.full:
            self.full.pop().execute(f"PRAGMA max_page_count = {self.LIMIT}")

    def remove(self):
        self.recover()
        sa.event.remove(sa.engine.Engine, "before_cursor_execute", self._fail)


@pytest.fixture
def failing_database(app):
    """A DatabaseFault for the test (removed after it)."""
    fault = DatabaseFault()
    yield fault
    fault.remove()


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
    failing_database.arm()
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
    failing_database.arm(times=times, when='FROM "user"')


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


def test_a_connection_cut_while_recording_an_idle_sign_out_gets_the_error_page(
        postgres_only, cdop_client, failing_database, clock):
    # The idle timeout (a before-request hook) records the sign-out in the audit trail.
    clock.advance(minutes=31)
    failing_database.arm(when="INSERT INTO audit_event")
    problem = Page(cdop_client.get("/"))
    assert_problem_page(problem)

    # The sign-out is recorded on the next request, which goes to the sign-in page.
    again = cdop_client.get("/")
    assert again.status_code == 302 and "/sign-in" in again.headers["Location"]
    rows = db.session.scalars(sa.select(AuditEvent).where(
        AuditEvent.user_id == cdop_client.user.id, AuditEvent.action == "timed_out")).all()
    assert len(rows) == 1


def test_when_even_the_layout_cannot_be_drawn_the_error_page_still_says_what_happened(
        app, cdop_client, failing_database):
    def broken_navigation():
        raise RuntimeError("the layout cannot be drawn")

    html = cdop_client.get("/child-deaths/notify").get_data(as_text=True)
    failing_database.arm()
    app.jinja_env.globals["navigation_items"] = broken_navigation
    problem = Page(cdop_client.post("/child-deaths/notify", data={
        **submission_key_from(html), **notification(), "csrf_token": csrf_token_from(html)}))
    assert problem.status == 500
    assert problem.text("h1") == PROBLEM
    assert "Nothing you entered was saved" in problem.text("main")
    assert cases() == []


# --- The same through a real HTTP server -------------------------------------------------


class Browser:
    """A minimal browser over real HTTP: cookies, forms with their CSRF token and key."""

    def __init__(self, base_url):
        self.base_url = base_url
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), NoRedirects)

    def open(self, path, data=None):
        body = None if data is None else urllib.parse.urlencode(data, doseq=True).encode()
        try:
            with self.opener.open(self.base_url + path, data=body, timeout=60) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:  # 3xx, 4xx and 5xx
            return error.code, error.read().decode()

    def submit(self, path, data):
        status, html = self.open(path)
        assert status == 200, html[:500]
        return self.open(path, {**submission_key_from(html), **data,
                                "csrf_token": csrf_token_from(html)})


def as_page(status, html):
    """A served response as the Page the test client's responses make."""
    page = Page.__new__(Page)
    page.response, page.status, page.html = None, status, BeautifulSoup(html, "html.parser")
    return page


class NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


@pytest.fixture
def served(app, tmp_path):
    """The app on a real HTTP server (threaded, as in the browser tests), configured as in
    production for errors (not testing: exceptions become pages), with a signed-in user's
    browser. Each request has its own app context and session, as under gunicorn."""
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    if not uri.startswith("postgresql"):
        uri = f"sqlite:///{tmp_path / 'tracker.sqlite'}"  # a file the threads share
    live = create_app({"CONFIG_CLASS": "test", "SQLALCHEMY_DATABASE_URI": uri,
                       "TESTING": False, "PROPAGATE_EXCEPTIONS": False})
    assert live.config["PROPAGATE_EXCEPTIONS"] is False and not live.testing
    with live.app_context():
        if uri.startswith("sqlite"):
            db.create_all()
        user = make_user(Role.CDOP_ADMIN, [make_partnership(code="NSP", name="Northshire")],
                         full_name="Casey Served")
        email = user.email
        db.session.remove()
    server = make_server("127.0.0.1", 0, live, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    browser = Browser(f"http://127.0.0.1:{server.server_port}")
    status, _ = browser.submit("/sign-in", {"email": email, "password": PASSWORD})
    assert status == 302
    browser.live = live
    yield browser
    server.shutdown()
    server.server_close()
    thread.join(timeout=10)
    with live.app_context():
        db.session.remove()
        db.engine.dispose()


def test_a_served_app_answers_a_failed_save_with_the_error_page(served, failing_database):
    failing_database.arm()
    problem = as_page(*served.submit("/child-deaths/notify", notification()))
    assert_problem_page(problem)
    assert "Casey Served" in signed_in_as(problem)
    failing_database.recover()

    home = as_page(*served.open("/"))
    assert home.status == 200
    assert "Casey Served" in signed_in_as(home)
    status, _ = served.submit("/child-deaths/notify", notification())
    assert status == 302
    with served.live.app_context():
        assert len(db.session.scalars(sa.select(ChildDeathCase)).all()) == 1
        db.session.remove()


def test_a_request_too_large_gets_the_service_s_page_not_a_plain_one(app, cdop_client):
    """A body over MAX_CONTENT_LENGTH (a spreadsheet too big) is refused before it is read,
    with the GOV.UK page that says why, as is any other HTTP error the app has no page for."""
    app.config["MAX_CONTENT_LENGTH"] = 1024 * 1024
    big = cdop_client.post("/child-deaths/notify", data={"circumstances": "x" * (2 * 1024 * 1024)})
    page = Page(big)
    assert_problem_page(page, status=413, heading="The file or form you sent is too large")
    assert "smaller than 1 MB" in page.text("main")
    assert signed_in_as(page) is not None

    with app.test_request_context("/child-deaths/"):
        other = app.make_response(app.handle_user_exception(TooManyRequests()))
    assert_problem_page(Page(other), status=429,
                        heading="Sorry, there is a problem with that request")
