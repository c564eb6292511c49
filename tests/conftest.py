"""Shared fixtures: the app on a fresh database per test, clients, and signed-in clients."""

import pytest
import sqlalchemy as sa
from bs4 import BeautifulSoup
from flask import g, request_started, request_tearing_down
from sqlalchemy.engine import make_url

from tests.factories import PASSWORD, make_partnership, make_user
from tracker import create_app
from tracker.extensions import db
from tracker.roles import Role

_pg_schema_ready = False


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


def csrf_token_from(html):
    """The CSRF token of the first form on a page."""
    field = BeautifulSoup(html, "html.parser").find("input", attrs={"name": "csrf_token"})
    assert field is not None, "page has no CSRF token"
    return field["value"]


def submit(client, url, data, *, page_url=None, follow_redirects=False):
    """Post a form the way a browser does: fetch the page, then post with its CSRF token."""
    page = client.get(page_url or url)
    token = csrf_token_from(page.get_data(as_text=True))
    return client.post(url, data={**data, "csrf_token": token},
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
