"""Security baseline: CSRF, headers, cookies, sign-in everywhere, role checks, config."""

import pytest
import sqlalchemy as sa

import config
from tests.conftest import page, sign_in
from tests.factories import PASSWORD, make_user
from tracker import create_app
from tracker.audit import AuditEvent
from tracker.extensions import db
from tracker.models import User
from tracker.roles import PERMISSIONS, Permission, Role
from tracker.security import PUBLIC_ENDPOINTS, is_public_endpoint

CSRF_HEADING = "Your form could not be sent"


def heading(response):
    return page(response).find("h1").get_text(strip=True)


def count(model, *where):
    return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


# CSRF ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("token", [None, "not-a-real-token"])
def test_sign_in_without_a_valid_csrf_token_is_refused(client, partnership, token):
    user = make_user(Role.CDOP_ADMIN, [partnership])
    data = {"email": user.email, "password": PASSWORD}
    if token:
        data["csrf_token"] = token
    response = client.post("/sign-in", data=data)
    assert response.status_code == 400
    assert heading(response) == CSRF_HEADING
    assert count(AuditEvent, AuditEvent.action == "login") == 0
    assert client.get("/").status_code == 302


@pytest.mark.parametrize("token", [None, "not-a-real-token"])
def test_a_users_form_without_a_valid_csrf_token_changes_nothing(admin_client, partnership,
                                                                 token):
    data = {"email": "sneaky@example.org", "full_name": "Sneaky", "role": "system_admin",
            "partnerships": [str(partnership.id)], "password": "a long enough password"}
    if token:
        data["csrf_token"] = token
    response = admin_client.post("/users/new", data=data)
    assert response.status_code == 400
    assert heading(response) == CSRF_HEADING
    assert count(User, User.email == "sneaky@example.org") == 0


def test_a_token_from_another_session_is_refused(app, admin_client, partnership):
    other = app.test_client()
    sign_in(other, make_user(Role.SYSTEM_ADMIN, [partnership]).email)
    foreign = page(other.get("/users/new")).find("input", attrs={"name": "csrf_token"})["value"]
    target = make_user(Role.CDOP_ADMIN, [partnership])
    response = admin_client.post(f"/users/{target.id}/edit", data={
        "csrf_token": foreign, "full_name": "Renamed", "role": "cdop_admin",
        "partnerships": [str(partnership.id)], "active": "no",
    })
    assert response.status_code == 400
    db.session.expire_all()
    assert (target.full_name, target.active) != ("Renamed", False)


# Headers and cookies ------------------------------------------------------------------------


def _directives(csp):
    return {part.split()[0]: part.split()[1:] for part in csp.split(";") if part.strip()}


@pytest.mark.parametrize("url", ["/sign-in", "/"])
def test_security_headers_are_on_every_page(admin_client, url):
    response = admin_client.get(url, follow_redirects=True)
    csp = _directives(response.headers["Content-Security-Policy"])
    assert "'unsafe-inline'" not in csp["script-src"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] in {"same-origin", "no-referrer",
                                                   "strict-origin-when-cross-origin"}


def test_the_session_cookie_is_httponly_and_samesite_lax(client, partnership):
    user = make_user(Role.CDOP_ADMIN, [partnership])
    response = sign_in(client, user.email)
    [cookie] = [c for c in response.headers.getlist("Set-Cookie") if c.startswith("session=")]
    attributes = {part.strip().split("=")[0].lower(): part.strip()
                  for part in cookie.split(";")}
    assert "httponly" in attributes
    assert attributes["samesite"].lower() == "samesite=lax"


def test_a_production_server_sets_a_secure_cookie_and_hsts(monkeypatch, tmp_path):
    monkeypatch.setenv("SECRET_KEY", "x" * 64)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'prod.sqlite'}")
    monkeypatch.setenv("ALLOW_SQLITE_IN_PRODUCTION", "1")  # a single-process install
    monkeypatch.delenv("FLASK_DEBUG", raising=False)
    app = create_app({"CONFIG_CLASS": "production",
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'prod.sqlite'}"})
    response = app.test_client().get("/sign-in", base_url="https://tracker.example")
    cookie = response.headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")
    with app.app_context():
        from tracker.extensions import db

        db.engine.dispose()


def test_signed_in_pages_are_not_cached(cdop_client):
    assert cdop_client.get("/").headers["Cache-Control"] == "no-store"


# Signing in is needed everywhere ------------------------------------------------------------


def _pages(app):
    """(endpoint, url) of every GET page, with 1 for each URL argument."""
    with app.test_request_context():
        adapter = app.url_map.bind("localhost")
        for rule in app.url_map.iter_rules():
            if "GET" in rule.methods and not is_public_endpoint(rule.endpoint):
                values = dict.fromkeys(rule.arguments, 1)
                yield rule.endpoint, adapter.build(rule.endpoint, values)


def test_every_page_except_sign_in_and_assets_needs_signing_in(app, client):
    pages = list(_pages(app))
    assert len(pages) >= 5
    for endpoint, url in pages:
        response = client.get(url)
        assert response.status_code == 302, endpoint
        assert response.headers["Location"].startswith("/sign-in"), endpoint


def test_the_public_endpoints_are_only_sign_in_assets_the_health_check_and_agency_side():
    # The agency side checks a personal link, its one-time code and the agency session
    # itself: tests/tracker/test_agency_access.py.
    # The second step of signing in checks the half-signed state itself:
    # tests/tracker/test_two_factor.py.
    public = {"auth.login", "auth.second_factor", "auth.recovery_code",
              "static", "govuk_assets.static", "govuk_fonts.static",
              "main.healthcheck", "agency.open_link", "agency.enter_code",
              "agency.request_page", "agency.sign_out", "agency.signed_out",
              "agency.reporting_form", "agency.check_answers", "agency.sent",
              "agency.attachments_page", "agency.remove_attachment"}
    assert public == PUBLIC_ENDPOINTS


def test_the_only_public_pages_are_the_public_notification_form_and_the_statements(app):
    # The statements hold no record: tests/tracker/test_statements.py.
    with app.test_request_context():
        public = {rule.endpoint for rule in app.url_map.iter_rules()
                  if is_public_endpoint(rule.endpoint)} - PUBLIC_ENDPOINTS
    assert public == {"public_notify.index", "public_notify.start", "public_notify.begin",
                      "public_notify.page", "public_notify.check", "public_notify.sent",
                      "statements.accessibility", "statements.privacy", "statements.cookies"}


def test_sign_in_and_assets_work_without_signing_in(client):
    assert client.get("/sign-in").status_code == 200
    for asset in ("/static/css/app.css", "/govuk/govuk-frontend.min.css"):
        response = client.get(asset)
        response.close()  # static files are streamed from an open file
        assert response.status_code == 200


def test_anonymous_form_posts_change_nothing(client, partnership):
    response = client.post("/users/new", data={"email": "x@example.org"})
    assert response.status_code in (302, 400)
    assert count(User) == 0


# Role checks --------------------------------------------------------------------------------

PAGES_BY_PERMISSION = {
    "/users/": Permission.MANAGE_USERS,
    "/audit/": Permission.VIEW_AUDIT,
    "/partnerships/": Permission.MANAGE_PARTNERSHIP_SETTINGS,
    "/timescales/": Permission.VIEW_TIMESCALES,
}


@pytest.mark.parametrize("role", list(Role))
def test_each_role_reaches_exactly_the_pages_its_permissions_allow(app, partnership, role):
    client = app.test_client()
    sign_in(client, make_user(role, [partnership]).email)
    for url, permission in PAGES_BY_PERMISSION.items():
        expected = 200 if permission in PERMISSIONS[role] else 403
        assert client.get(url).status_code == expected, (role, url)


def test_records_of_other_partnerships_look_the_same_as_missing_ones(
    admin_client, other_partnership
):
    stranger = make_user(Role.CDOP_ADMIN, [other_partnership], full_name="Stranger Danger")
    theirs = admin_client.get(f"/users/{stranger.id}/edit")
    missing = admin_client.get("/users/987654/edit")
    assert theirs.status_code == missing.status_code == 404
    assert str(page(theirs).find("main")) == str(page(missing).find("main"))
    assert "Stranger" not in theirs.get_data(as_text=True)
    assert stranger.email not in theirs.get_data(as_text=True)


def test_the_forbidden_page_says_nothing_about_the_record(cdop_client, other_partnership):
    stranger = make_user(Role.CDOP_ADMIN, [other_partnership], full_name="Stranger Danger")
    theirs = cdop_client.get(f"/users/{stranger.id}/edit")
    missing = cdop_client.get("/users/987654/edit")
    assert theirs.status_code == missing.status_code == 403
    assert str(page(theirs).find("main")) == str(page(missing).find("main"))


# Production configuration -------------------------------------------------------------------

STRONG = "8f1c2e5a9b7d4c3e6f0a1b2c3d4e5f6a7b8c9d0e1f2a3b4c"


@pytest.fixture
def production_env(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", STRONG)
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://tracker@db/tracker")
    monkeypatch.delenv("FLASK_DEBUG", raising=False)
    return monkeypatch


def test_production_accepts_a_strong_secret_without_debug(production_env):
    config.ProductionConfig.check()


@pytest.mark.parametrize("secret", [None, "", "changeme", "dev", "short-but-random-1234"])
def test_production_refuses_a_weak_or_missing_secret_key(production_env, secret):
    if secret is None:
        production_env.delenv("SECRET_KEY")
    else:
        production_env.setenv("SECRET_KEY", secret)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        config.ProductionConfig.check()


def test_production_refuses_debug_mode(production_env):
    production_env.setenv("FLASK_DEBUG", "1")
    with pytest.raises(RuntimeError, match="Debug mode must be off"):
        config.ProductionConfig.check()


def test_the_app_will_not_start_in_production_with_a_weak_secret(production_env):
    production_env.setenv("SECRET_KEY", "changeme")
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app("production")
