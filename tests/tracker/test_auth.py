"""Signing in and out: passwords, lockout, safe redirects, password changes, idle timeout."""

from datetime import timedelta
from urllib.parse import urlencode

import pytest
import sqlalchemy as sa

from tests.conftest import page, sign_in, submit
from tests.factories import PASSWORD, make_user
from tracker.audit import AuditEvent
from tracker.extensions import db
from tracker.roles import Role
from tracker.timeutil import utcnow

# The pages read the real today (the relative_dates CI step runs these on awkward days).
pytestmark = pytest.mark.relative_dates

WRONG = "Enter a correct email address and password"
NEW_PASSWORD = "another long passphrase"


def error_messages(response):
    """The messages in the GOV.UK error summary."""
    summary = page(response).select_one(".govuk-error-summary")
    assert summary is not None, "no error summary"
    return [li.get_text(strip=True) for li in summary.select(".govuk-error-summary__list li")]


def audit_rows(action, **where):
    query = sa.select(AuditEvent).filter_by(action=action, **where).order_by(AuditEvent.id)
    return db.session.scalars(query).all()


def is_sign_in_redirect(response):
    return response.status_code == 302 and response.headers["Location"].startswith("/sign-in")


@pytest.fixture
def user(app, partnership):
    """A CDOP administrator who is not signed in yet."""
    return make_user(Role.CDOP_ADMIN, [partnership], full_name="Casey Jones")


def test_the_right_password_reaches_the_home_page(client, user):
    response = submit(client, "/sign-in", {"email": user.email, "password": PASSWORD},
                      follow_redirects=True)
    assert response.status_code == 200
    assert response.request.path == "/"
    banner = page(response).select_one(".govuk-phase-banner").get_text(" ", strip=True)
    assert "Signed in as Casey Jones" in banner
    assert len(audit_rows("login", user_id=user.id)) == 1


def test_email_is_not_case_sensitive(client, user):
    assert sign_in(client, user.email.upper()).status_code == 302


def test_a_wrong_password_is_refused_and_audited(client, user):
    response = sign_in(client, user.email, "not the password")
    assert response.status_code == 400
    assert error_messages(response) == [WRONG]
    [row] = audit_rows("failed_login", user_id=user.id)
    assert row.detail == "Wrong password"
    assert is_sign_in_redirect(client.get("/"))


def test_an_unknown_email_gets_the_same_answer_as_a_wrong_password(client, user):
    wrong_password = sign_in(client, user.email, "not the password")
    unknown = sign_in(client, "nobody@example.org", "not the password")
    assert unknown.status_code == wrong_password.status_code == 400
    assert error_messages(unknown) == error_messages(wrong_password) == [WRONG]
    [row] = audit_rows("failed_login", user_id=None)
    assert row.detail == "Unknown email address"


def test_repeated_failures_lock_the_account_even_for_the_right_password(app, client, user):
    limit = app.config["LOGIN_MAX_FAILURES"]
    for _ in range(limit - 1):
        assert error_messages(sign_in(client, user.email, "guess")) == [WRONG]
    locked = sign_in(client, user.email, "guess")
    # The same answer as any wrong password: the page never confirms an account exists.
    assert error_messages(locked) == [WRONG]
    minutes = app.config["LOGIN_LOCKOUT_MINUTES"]
    assert f"you will not be able to sign in for {minutes} minutes" in page(locked).get_text()
    right = sign_in(client, user.email, PASSWORD)
    assert right.status_code == 400
    assert error_messages(right) == [WRONG]
    assert is_sign_in_redirect(client.get("/"))
    assert len(audit_rows("locked_out", user_id=user.id)) == 1


def test_sign_in_works_again_once_the_lockout_has_passed(app, client, user):
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        sign_in(client, user.email, "guess")
    db.session.expire_all()
    assert user.locked_until is not None
    minutes = app.config["LOGIN_LOCKOUT_MINUTES"]
    user.locked_until = utcnow() - timedelta(minutes=1)  # as if `minutes` had passed
    db.session.commit()
    assert minutes > 0
    assert sign_in(client, user.email).status_code == 302
    assert client.get("/").status_code == 200


def test_a_deactivated_user_cannot_sign_in(client, partnership):
    gone = make_user(Role.CDOP_ADMIN, [partnership], active=False)
    response = sign_in(client, gone.email)
    assert response.status_code == 400
    assert error_messages(response) == [WRONG]
    assert is_sign_in_redirect(client.get("/"))


@pytest.mark.parametrize(
    ("next_url", "lands_on"),
    [
        ("/timescales/", "/timescales/"),
        ("https://evil.example/steal", "/"),
        ("//evil.example/steal", "/"),
        ("javascript:alert(1)", "/"),
        ("/timescales/?view=all", "/timescales/?view=all"),
        # Control characters: urlsplit drops them, so the raw value once reached redirect().
        ("/\r\nx", "/"),
        ("/\r\nSet-Cookie: a=b", "/"),
        ("/\t/evil.example", "/"),
        # NUL is dropped from every query argument (tracker.NulFreeRequest), so /\x00x is the
        # local path /x, and /\x00/evil.example becomes //evil.example, refused.
        ("/\x00x", "/x"),
        ("/\x00/evil.example", "/"),
        ("/\x7fx", "/"),
        # Browsers read a backslash as a slash: /\evil.example is //evil.example.
        ("/\\evil.example", "/"),
        ("\\\\evil.example", "/"),
    ],
)
def test_next_is_followed_only_for_local_paths(client, user, next_url, lands_on):
    response = submit(client, "/sign-in?" + urlencode({"next": next_url}),
                      {"email": user.email, "password": PASSWORD}, page_url="/sign-in")
    assert response.status_code == 302
    assert response.headers["Location"] == lands_on
    assert client.get("/").status_code == 200  # signed in


def test_a_line_break_in_next_signs_in_and_goes_home(client, user):
    response = submit(client, "/sign-in?next=/%0D%0Ax",
                      {"email": user.email, "password": PASSWORD}, page_url="/sign-in")
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_an_anonymous_visit_comes_back_after_signing_in(client, user):
    first = client.get("/timescales/")
    assert is_sign_in_redirect(first)
    response = submit(client, first.headers["Location"],
                      {"email": user.email, "password": PASSWORD})
    assert response.headers["Location"] == "/timescales/"


def test_sign_out_is_post_only_and_audited(client, user):
    sign_in(client, user.email)
    assert client.get("/sign-out").status_code == 405
    assert client.get("/").status_code == 200
    response = submit(client, "/sign-out", {}, page_url="/", follow_redirects=True)
    assert response.request.path == "/sign-in"
    assert "You have signed out." in page(response).get_text()
    assert is_sign_in_redirect(client.get("/"))
    assert len(audit_rows("logout", user_id=user.id)) == 1


# Changing your password ---------------------------------------------------------------------


def change_password(client, current, new, confirm=None):
    return submit(client, "/change-password", {
        "current_password": current,
        "new_password": new,
        "confirm_password": new if confirm is None else confirm,
    })


def test_changing_password_needs_the_current_one(client, user):
    sign_in(client, user.email)
    response = change_password(client, "not my password", NEW_PASSWORD)
    assert response.status_code == 400
    assert error_messages(response) == ["Your current password is not correct"]
    assert sign_in(client.application.test_client(), user.email).status_code == 302


def test_a_new_password_must_meet_the_policy(client, user):
    sign_in(client, user.email)
    response = change_password(client, PASSWORD, "too short")
    assert response.status_code == 400
    assert error_messages(response) == ["Password must be 12 characters or more"]
    mismatch = change_password(client, PASSWORD, NEW_PASSWORD, confirm="something else")
    assert error_messages(mismatch) == ["Passwords must match"]


def test_changing_password_signs_out_every_other_session(app, client, user):
    sign_in(client, user.email)
    other_device = app.test_client()
    sign_in(other_device, user.email)
    response = change_password(client, PASSWORD, NEW_PASSWORD)
    assert response.status_code == 302
    assert client.get("/").status_code == 200
    assert is_sign_in_redirect(other_device.get("/"))
    assert sign_in(app.test_client(), user.email, PASSWORD).status_code == 400
    assert sign_in(app.test_client(), user.email, NEW_PASSWORD).status_code == 302
    assert len(audit_rows("password_change", user_id=user.id)) == 1


# Idle timeout -------------------------------------------------------------------------------


def _last_seen(client, minutes_ago):
    with client.session_transaction() as session:
        session["last_seen"] = (utcnow() - timedelta(minutes=minutes_ago)).isoformat()


def test_idle_sessions_are_signed_out(app, client, user):
    assert app.config["IDLE_TIMEOUT_MINUTES"] == 30
    sign_in(client, user.email)
    _last_seen(client, 31)
    response = client.get("/timescales/")
    assert is_sign_in_redirect(response)
    login_page = client.get(response.headers["Location"])
    assert ("You were signed out because you had not done anything for 30 minutes."
            in page(login_page).get_text())
    assert is_sign_in_redirect(client.get("/"))
    assert len(audit_rows("timed_out", user_id=user.id)) == 1


def test_a_session_used_within_the_timeout_stays_signed_in(client, user):
    sign_in(client, user.email)
    _last_seen(client, 29)
    assert client.get("/").status_code == 200
    assert audit_rows("timed_out") == []


def test_wrong_current_passwords_on_change_password_count_towards_the_lockout(
    app, cdop_client
):
    limit = app.config["LOGIN_MAX_FAILURES"]
    data = {"current_password": "not it", "new_password": "a brand new passphrase",
            "confirm_password": "a brand new passphrase"}
    for _ in range(limit - 1):
        response = submit(cdop_client, "/change-password", data)
        assert "Your current password is not correct" in page(response).get_text()
    last = submit(cdop_client, "/change-password", data, follow_redirects=True)
    assert "signed out after too many wrong passwords" in page(last).get_text()
    assert is_sign_in_redirect(cdop_client.get("/"))
    assert sign_in(cdop_client, cdop_client.user.email).status_code == 400  # locked


def test_signing_out_also_ends_a_copied_session(app, cdop_client):
    copy = app.test_client()
    with cdop_client.session_transaction() as original, copy.session_transaction() as stolen:
        stolen.update(dict(original))
    assert copy.get("/").status_code == 200
    submit(cdop_client, "/sign-out", {}, page_url="/")
    assert is_sign_in_redirect(copy.get("/"))
