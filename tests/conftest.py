"""Shared fixtures: the app on a fresh database per test, clients, and signed-in clients.

The app's clock (tracker.timeutil.clock) is the real time in every test unless the test sets
it with the `clock` fixture, or the run sets it with `--clock=YYYY-MM-DD` (the day the run
takes for today, from noon in London, running on). A test that builds its data from the
real today carries the `relative_dates` marker, and CI runs those on awkward days:
`pytest -m relative_dates --clock=2026-12-06`.
"""

from datetime import date

import pytest
import sqlalchemy as sa
from bs4 import BeautifulSoup
from flask import g, request_started, request_tearing_down, url_for
from sqlalchemy.engine import make_url

from tests import due_figures
from tests.factories import PASSWORD, make_partnership, make_user
from tests.mail_server import SMTPServer
from tracker import create_app
from tracker.extensions import db
from tracker.roles import Role
from tracker.timeutil import clock as app_clock

_pg_schema_ready = False


def pytest_addoption(parser):
    parser.addoption(
        "--clock", metavar="YYYY-MM-DD", type=date.fromisoformat, default=None,
        help="run as if today were this day (London, from noon): the app's clock is set to "
             "it for every test that does not set its own")


def _run_clock(config):
    """The clock as the run has it: the `--clock` day, ticking, or the real time."""
    day = config.getoption("--clock")
    if day is None:
        app_clock.reset()
    else:
        app_clock.set(day)


@pytest.fixture(scope="session", autouse=True)
def _run_folders(tmp_path_factory):
    """Every app a test makes keeps its files (built exports, agencies' attachments, import
    uploads) in this run's own temporary folder, never the checkout's `instance/`: CI runs
    the SQLite and PostgreSQL suites side by side in one checkout, and one run's export
    check must not find (and delete) the other's files."""
    import config as config_module

    base = tmp_path_factory.mktemp("instance")
    folders = {"EXPORT_DIR": base / "exports", "ATTACHMENT_DIR": base / "attachments",
               "IMPORT_FOLDER": base / "imports"}
    before = {name: getattr(config_module.TestConfig, name, None) for name in folders}
    for name, path in folders.items():
        setattr(config_module.TestConfig, name, str(path))
    yield
    for name, value in before.items():
        setattr(config_module.TestConfig, name, value)


@pytest.fixture(autouse=True)
def clock(request):
    """The app's clock (tracker.timeutil.Clock): `clock.set(date(2025, 3, 6))` makes it that
    day for the app and the test alike, from noon in London; a datetime sets the moment;
    `clock.advance(minutes=31)` moves it on. Every test starts on the run's clock and leaves
    it as it found it."""
    _run_clock(request.config)
    yield app_clock
    _run_clock(request.config)


@pytest.fixture
def days_pass(app):
    """For a test that moves the clock on by days while its users stay signed in (as if they
    signed in again each morning): no session times out."""
    app.config.update(IDLE_TIMEOUT_MINUTES=10**7, SESSION_MAX_HOURS=10**6)


def _is_postgres(app):
    return app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql")


def _fresh_database(app):
    """An empty schema: new in-memory SQLite, or truncated PostgreSQL tables."""
    global _pg_schema_ready
    if not _is_postgres(app):
        db.create_all()
        return
    name = make_url(app.config["SQLALCHEMY_DATABASE_URI"]).database or ""
    if "test" not in name:
        pytest.exit(f"Refusing to run the tests against database {name!r}: "
                    "its name must contain 'test'.", returncode=2)
    if not _pg_schema_ready:
        db.drop_all()
        with db.engine.begin() as conn:
            conn.execute(sa.text("DROP TABLE IF EXISTS alembic_version"))
        db.create_all()
        _pg_schema_ready = True
    tables = ", ".join(f'"{t.name}"' for t in db.metadata.sorted_tables)
    with db.engine.begin() as conn:
        conn.execute(sa.text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))


def _fresh_g(sender, **extra):
    """Empty `g` at the start and end of each test request, as on a real server.

    The fixture keeps one app context pushed so tests can use the database, and Flask reuses
    it for every request, so `g` (Flask-Login's user, the CSRF token, cached partnership
    ids) would otherwise leak from one request, or one signed-in client, into the next.
    """
    for key in list(g):
        g.pop(key)


@pytest.fixture
def app():
    """The app on an empty database."""
    app = create_app({"CONFIG_CLASS": "test"})
    request_started.connect(_fresh_g, app)
    request_tearing_down.connect(_fresh_g, app)
    with app.app_context():
        _fresh_database(app)
        yield app
        db.session.remove()
        db.engine.dispose()  # each app has its own pool: close it, or psycopg warns at GC


@pytest.fixture
def smtp_server(app):
    """A real SMTP server on loopback (tests/mail_server.py); the app sends its mail to it.

    `smtp_server.messages` are the received e-mails (email.policy.default), and
    `smtp_server.stop()` / `start()` take it down and bring it back on the same port.
    """
    server = SMTPServer().start()
    app.config.update(MAIL_SERVER=server.host, MAIL_PORT=server.port, MAIL_USE_TLS=False,
                      MAIL_USE_SSL=False, MAIL_USERNAME=None, MAIL_PASSWORD=None)
    yield server
    server.stop()


@pytest.fixture
def client(app):
    """A test client (not signed in)."""
    return app.test_client()


@pytest.fixture
def runner(app):
    """A CLI runner for `flask …` commands."""
    return app.test_cli_runner()


@pytest.fixture
def partnership(app):
    """The partnership the signed-in users belong to."""
    return make_partnership(code="NSP", name="Northshire Partnership")


@pytest.fixture
def other_partnership(app):
    """A partnership none of the default users belong to."""
    return make_partnership(code="SVP", name="Southvale Partnership")


@pytest.fixture
def seeded(app):
    """Demo people and 120 synthetic cases of both domains, committed: the partnerships
    (tests.due_figures.seed)."""
    return due_figures.seed()


def csrf_token_from(html):
    """The CSRF token of the first form on a page."""
    field = BeautifulSoup(html, "html.parser").find("input", attrs={"name": "csrf_token"})
    assert field is not None, "page has no CSRF token"
    return field["value"]


def submission_key_from(html):
    """The one-time submission key of the first form on a page that has one (a create form),
    as {"submission_key": key}, or {}."""
    field = BeautifulSoup(html, "html.parser").find("input", attrs={"name": "submission_key"})
    return {} if field is None else {"submission_key": field["value"]}


def version_from(html, url, page_url=None):
    """{"version": …} when the page's form that posts to `url` carries the version of the
    record it edits (tracker.versioning), as a browser would send it; else {}."""
    path = url.split("?")[0]
    for form in BeautifulSoup(html, "html.parser").find_all("form"):
        # A form without an action posts to the page it is on.
        action = form.get("action") or (page_url or url)
        if action.split("?")[0].split("#")[0] != path:
            continue
        field = form.find("input", attrs={"name": "version"})
        if field is not None and field.get("value"):
            return {"version": field["value"]}
    return {}


def submit(client, url, data, *, page_url=None, follow_redirects=False):
    """Post a form the way a browser does: fetch the page, then post with its CSRF token
    (its submission key, on a create form, and the version of the record it edits)."""
    html = client.get(page_url or url).get_data(as_text=True)
    return client.post(url, data={**submission_key_from(html),
                                  **version_from(html, url, page_url), **data,
                                  "csrf_token": csrf_token_from(html)},
                       follow_redirects=follow_redirects)


def sign_in(client, email, password=PASSWORD):
    """Sign in through the real sign-in page."""
    return submit(client, "/sign-in", {"email": email, "password": password})


def _signed_in_client(app, partnership, role):
    user = make_user(role, [partnership])
    c = app.test_client()
    response = sign_in(c, user.email)
    assert response.status_code == 302, "sign-in failed in fixture"
    c.user = user
    return c


@pytest.fixture
def admin_client(app, partnership):
    """Signed in as a system administrator."""
    return _signed_in_client(app, partnership, Role.SYSTEM_ADMIN)


@pytest.fixture
def cdop_client(app, partnership):
    """Signed in as a CDOP administrator."""
    return _signed_in_client(app, partnership, Role.CDOP_ADMIN)


@pytest.fixture
def doctor_client(app, partnership):
    """Signed in as a designated doctor for child deaths."""
    return _signed_in_client(app, partnership, Role.DESIGNATED_DOCTOR)


@pytest.fixture
def business_client(app, partnership):
    """Signed in as the partnership business unit."""
    return _signed_in_client(app, partnership, Role.BUSINESS_UNIT)


@pytest.fixture
def panel_client(app, partnership):
    """Signed in as a panel member."""
    return _signed_in_client(app, partnership, Role.PANEL_MEMBER)


@pytest.fixture
def auditor_client(app, partnership):
    """Signed in as a read-only auditor."""
    return _signed_in_client(app, partnership, Role.AUDITOR)


def page(response):
    """A response's HTML, parsed."""
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


# --- One request helper for every page ----------------------------------------------------


class Page:
    """A response and its parsed HTML."""

    def __init__(self, response):
        self.response = response
        self.status = response.status_code
        self.html = BeautifulSoup(response.get_data(as_text=True), "html.parser")

    def text(self, selector=None) -> str:
        """The visible text of the page, or of the first element matching a CSS selector."""
        node = self.html.select_one(selector) if selector else self.html
        assert node is not None, f"no element matches {selector!r}"
        return node.get_text(" ", strip=True)

    @property
    def errors(self) -> list[str]:
        """The messages in the GOV.UK error summary (empty when there is none)."""
        summary = self.html.select_one(".govuk-error-summary")
        if summary is None:
            return []
        return [item.get_text(" ", strip=True) for item in summary.select("li")]

    def error_targets(self) -> list:
        """What each link of the GOV.UK error summary leads to: the element with its id, or
        None where the page has none."""
        links = self.html.select(".govuk-error-summary a[href^='#']")
        return [self.html.find(id=link["href"][1:]) for link in links]

    def assert_errors_lead_to_visible(self) -> None:
        """The error summary has links, and each leads to something the user can see (never
        a hidden field, nor nothing)."""
        targets = self.error_targets()
        assert targets, "no link in the error summary"
        for target in targets:
            assert target is not None, "an error summary link leads to nothing"
            assert not (target.name == "input" and target.get("type") == "hidden"), (
                f"an error summary link leads to a hidden field: {target}")


def _url_for(app, endpoint, values):
    with app.test_request_context():
        return url_for(endpoint, **values)


@pytest.fixture
def call(app):
    """call(client, endpoint, status=200, data=None, form_page=None, **url values) -> Page.

    With `data` it posts the way a browser does: it opens the form page first (the same URL,
    or `form_page`, an endpoint or a (endpoint, values) pair) for its CSRF token and, on a
    create form, its submission key. It checks the
    status code, so a test says what it expects in one line.
    """

    def _call(client, endpoint, *, status=200, data=None, form_page=None, **values):
        url = _url_for(app, endpoint, values)
        if data is None:
            response = client.get(url)
        else:
            page_url = url
            if form_page is not None:
                page_endpoint, page_values = (form_page if isinstance(form_page, tuple)
                                              else (form_page, {}))
                page_url = _url_for(app, page_endpoint, page_values)
            html = client.get(page_url).get_data(as_text=True)
            response = client.post(url, data={**submission_key_from(html),
                                              **version_from(html, url, page_url), **data,
                                              "csrf_token": csrf_token_from(html)})
        assert response.status_code == status, (
            f"{endpoint} answered {response.status_code}, expected {status}: "
            f"{response.get_data(as_text=True)[:2000]}"
        )
        return Page(response)

    return _call
