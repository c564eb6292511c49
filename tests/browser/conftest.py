"""Fixtures for the real-browser tests: Chromium, a live server, a fresh database, sign-in.

Chromium is Debian's (/usr/bin/chromium): Playwright's own browser download does not work
here, so never run `playwright install`. Without Chromium the tests skip, except under CI
(the CI environment variable set), where a silent skip would hide a broken pipeline.
"""

import os
import threading
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url
from werkzeug.serving import make_server

import config as config_module
from tests.browser import console_problems, watch_console
from tests.factories import PASSWORD, make_partnership, make_user
from tracker import create_app
from tracker.extensions import db
from tracker.models import Partnership
from tracker.roles import Role

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
# How long a wait (a click, a page load, an `expect`) may take before the test fails: room
# for a 2-core machine running other suites at the same time. A passing test never waits it.
TIMEOUT_MS = 30_000
PARTNERSHIP_CODE = "NSP"
PARTNERSHIP_NAME = "Northshire Partnership"


@dataclass
class LiveServer:
    """The app served over HTTP on 127.0.0.1 for the browser."""

    app: object
    url: str

    def app_context(self):
        """An app context for creating test data with the factories."""
        return self.app.app_context()

    def make_user(self, role=Role.CDOP_ADMIN, **fields):
        """A user in the test partnership; returns plain values, usable outside a context."""
        with self.app_context():
            partnership = db.session.scalar(
                sa.select(Partnership).where(Partnership.code == PARTNERSHIP_CODE)
            )
            user = make_user(role, [partnership], **fields)
            made = SimpleNamespace(email=user.email, full_name=user.full_name,
                                   role=Role(user.role), password=PASSWORD)
            db.session.remove()
        return made


def _database_uri(tmp_path_factory):
    """DATABASE_URL's PostgreSQL database when set, else a SQLite file the threads share."""
    if os.environ.get("DATABASE_URL"):
        uri = config_module._database_url()
        name = make_url(uri).database or ""
        if "test" not in name:
            pytest.exit(f"Refusing to run the browser tests against database {name!r}: "
                        "its name must contain 'test'.", returncode=2)
        return uri
    return f"sqlite:///{tmp_path_factory.mktemp('browser') / 'tracker.sqlite'}"


def _reset_database(app):
    """Empty every table and add the test partnership."""
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        tables = ", ".join(f'"{t.name}"' for t in db.metadata.sorted_tables)
        with db.engine.begin() as conn:
            conn.execute(sa.text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    else:
        db.drop_all()
        db.create_all()
    make_partnership(code=PARTNERSHIP_CODE, name=PARTNERSHIP_NAME)
    db.session.remove()


@pytest.fixture(scope="session")
def chromium():
    """The path to Chromium; skips (or fails under CI) when it is not installed."""
    if not CHROMIUM.exists():
        reason = f"Chromium not found at {CHROMIUM}: browser tests skipped"
        if os.environ.get("CI"):
            pytest.fail(f"Chromium not found at {CHROMIUM}, and CI is set: the browser "
                        "tests must run in CI (apt-get install chromium)", pytrace=False)
        pytest.skip(reason)
    return CHROMIUM


@pytest.fixture(scope="session")
def browser(chromium):
    """Headless Chromium for the whole session."""
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=TIMEOUT_MS)  # `expect` has its own wait (5 s unless set)

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(chromium), headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


def _whole_bodies(app):
    """The app with each response body read whole and its file closed before any byte is
    written. Werkzeug's development server closes a response only after reading what is
    left of the request; when Chromium cancels a request mid-stream (a favicon or a font as
    the page is left) that read fails first, the static file stays open, and its
    ResourceWarning fails whichever test is running. The app itself is unchanged."""
    def wsgi(environ, start_response):
        body = app(environ, start_response)
        try:
            return [b"".join(body)]
        finally:
            if hasattr(body, "close"):
                body.close()
    return wsgi


@pytest.fixture(scope="session")
def _server(chromium, tmp_path_factory):
    """The app on a real HTTP server in a daemon thread, on a free port."""
    app = create_app({"CONFIG_CLASS": "test",
                      "SQLALCHEMY_DATABASE_URI": _database_uri(tmp_path_factory)})
    with app.app_context():
        db.drop_all()
        with db.engine.begin() as conn:
            conn.execute(sa.text("DROP TABLE IF EXISTS alembic_version"))
        db.create_all()
    server = make_server("127.0.0.1", 0, _whole_bodies(app), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield LiveServer(app=app, url=f"http://127.0.0.1:{server.server_port}")
    server.shutdown()
    server.server_close()
    thread.join(timeout=10)
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def live_server(_server):
    """The live server, on a database emptied for this test (one partnership, no users)."""
    with _server.app_context():
        _reset_database(_server.app)
    return _server


@pytest.fixture
def page(browser, live_server):
    """A new browser tab in its own context (no cookies), with relative URLs on the server.

    The Content-Security-Policy stays enforced. Any console error or uncaught exception on
    any page the test visited fails the test at teardown, even if it never looked.
    """
    context = browser.new_context(base_url=live_server.url)
    context.set_default_timeout(TIMEOUT_MS)
    tab = context.new_page()
    watch_console(tab)
    yield tab
    problems = console_problems(tab)
    context.close()
    assert not problems, "\n".join(problems)


def sign_in(page, email, password=PASSWORD):
    """Sign in through the real sign-in page, as a person would."""
    page.goto("/sign-in")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state("load")


@pytest.fixture
def sign_in_as(page, live_server):
    """sign_in_as(role): make a user with that role, sign in, and land on the home page."""

    def _sign_in_as(role, **fields):
        user = live_server.make_user(role, **fields)
        sign_in(page, user.email, user.password)
        page.get_by_role("heading", name="Your work today").wait_for()
        return user

    return _sign_in_as
