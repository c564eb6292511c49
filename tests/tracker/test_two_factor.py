"""Two-factor sign-in: set-up, signing in with a code or a recovery code, replay, lockout,
the guard that makes it required, and a system administrator's reset.

The clock stands still where each test sets it; codes are made for that moment with pyotp's
`at` (the app reads the same clock), never for the real time.
"""

import re
from datetime import UTC, datetime, timedelta

import pyotp
import pytest
import sqlalchemy as sa

from tests.conftest import page, sign_in, submit
from tests.factories import make_user
from tracker.audit import Action, AuditEvent
from tracker.extensions import db
from tracker.mail import OutboundEmail
from tracker.models import User
from tracker.roles import Role
from tracker.two_factor import RecoveryCode, SecondFactor

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def still(clock):
    """The clock stands at START until a test moves it."""
    clock.set(START, ticking=False)
    return clock


def code_at(secret, clock, offset_seconds=0):
    return pyotp.TOTP(secret).at(clock.now() + timedelta(seconds=offset_seconds))


def actions(user, action):
    return db.session.scalars(sa.select(AuditEvent).where(
        AuditEvent.user_id == user.id, AuditEvent.action == action.value)).all()


def set_up(client, clock):
    """Set up two-factor sign-in as a signed-in user: the secret as the page shows it, and
    the recovery codes."""
    html = page(client.get("/two-factor"))
    secret = html.find(id="secret-key").get_text().replace(" ", "").strip()
    response = submit(client, "/two-factor", {"code": code_at(secret, clock)})
    assert response.status_code == 200
    codes = [li.get_text(strip=True) for li in page(response).select("#recovery-codes li")]
    return secret, codes


def sign_out(client):
    submit(client, "/sign-out", {}, page_url="/two-factor")


@pytest.fixture
def user(app, partnership):
    return make_user(Role.CDOP_ADMIN, [partnership])


@pytest.fixture
def enrolled(app, user, still):
    """A user who has set up two-factor sign-in, signed out: (user, secret, recovery codes)."""
    client = app.test_client()
    assert sign_in(client, user.email).status_code == 302
    secret, codes = set_up(client, still)
    sign_out(client)
    still.advance(seconds=30)  # the set-up code's time step is spent
    return user, secret, codes


def test_set_up_shows_a_qr_code_and_the_key_then_confirms_with_a_first_code(app, user, still):
    client = app.test_client()
    sign_in(client, user.email)
    html = page(client.get("/two-factor"))
    qr = html.select_one("img.app-qr-code")
    assert qr["src"].startswith("data:image/svg+xml")  # allowed by the CSP's img-src data:
    assert qr["alt"]
    shown = html.find(id="secret-key").get_text().strip()
    assert re.fullmatch(r"[A-Z2-7]{4}( [A-Z2-7]{4})+", shown)  # grouped for typing
    secret = shown.replace(" ", "")
    # Reloading keeps the key already scanned.
    assert page(client.get("/two-factor")).find(id="secret-key").get_text().strip() == shown

    wrong = submit(client, "/two-factor", {"code": "000000" if code_at(secret, still) != "000000"
                                           else "111111"})
    assert wrong.status_code == 400
    assert "Enter the code your authenticator app shows now" in wrong.get_data(as_text=True)
    assert len(actions(user, Action.WRONG_CODE)) == 1

    response = submit(client, "/two-factor", {"code": code_at(secret, still)})
    codes = [li.get_text(strip=True) for li in page(response).select("#recovery-codes li")]
    assert len(codes) == 10 and len(set(codes)) == 10
    assert len(actions(user, Action.TWO_FACTOR_SET_UP)) == 1
    # Stored hashed: no code is in the database as it was shown.
    stored = db.session.scalars(sa.select(RecoveryCode.code_hash)).all()
    assert len(stored) == 10 and not {c.replace("-", "") for c in codes} & set(stored)
    # The key is never shown again, and the codes only that once.
    again = client.get("/two-factor").get_data(as_text=True)
    assert secret not in again and shown not in again and codes[0] not in again
    assert "10 recovery codes left" in again


def test_signing_in_needs_the_code_after_the_password(app, enrolled, still):
    user, secret, _ = enrolled
    logins = len(actions(user, Action.LOGIN))  # the one before setting it up
    client = app.test_client()
    response = sign_in(client, user.email)
    assert response.headers["Location"] == "/sign-in/code"
    # Not signed in yet: every page still sends them to sign in.
    assert client.get("/").headers["Location"].startswith("/sign-in")
    assert len(actions(user, Action.LOGIN)) == logins

    response = submit(client, "/sign-in/code", {"code": code_at(secret, still)})
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert client.get("/").status_code == 200
    assert [e.detail for e in actions(user, Action.LOGIN)][logins:] == [
        "With two-factor sign-in"]


def test_the_code_of_the_step_before_is_accepted_for_a_slow_phone(app, enrolled, still):
    user, secret, _ = enrolled
    still.advance(seconds=30)
    client = app.test_client()
    sign_in(client, user.email)
    response = submit(client, "/sign-in/code", {"code": code_at(secret, still, -30)})
    assert response.status_code == 302


def test_a_code_already_used_is_refused_within_its_window(app, enrolled, still):
    user, secret, _ = enrolled
    code = code_at(secret, still)
    first = app.test_client()
    sign_in(first, user.email)
    assert submit(first, "/sign-in/code", {"code": code}).status_code == 302

    still.advance(seconds=10)  # the same time step: the code would still be valid
    second = app.test_client()
    sign_in(second, user.email)
    replay = submit(second, "/sign-in/code", {"code": code})
    assert replay.status_code == 400
    assert second.get("/").headers["Location"].startswith("/sign-in")
    assert "Wrong or reused authenticator code" in actions(user, Action.WRONG_CODE)[-1].detail

    still.advance(seconds=30)  # the next code works
    assert submit(second, "/sign-in/code",
                  {"code": code_at(secret, still)}).status_code == 302


def test_a_recovery_code_signs_in_once(app, enrolled, still):
    user, _, codes = enrolled
    client = app.test_client()
    sign_in(client, user.email)
    # Typed in capitals, without the hyphen: still the code.
    response = submit(client, "/sign-in/recovery-code",
                      {"code": codes[3].upper().replace("-", "")})
    assert response.status_code == 302 and client.get("/").status_code == 200
    assert [e.detail for e in actions(user, Action.RECOVERY_CODE_USED)] == [
        "9 recovery codes left"]
    sign_out(client)

    again = app.test_client()
    sign_in(again, user.email)
    response = submit(again, "/sign-in/recovery-code", {"code": codes[3]})
    assert response.status_code == 400
    assert "Enter a recovery code you have not used before" in response.get_data(as_text=True)
    assert again.get("/").headers["Location"].startswith("/sign-in")


def test_wrong_codes_lock_the_account_even_if_the_password_is_entered_again(
        app, enrolled, still):
    user, secret, codes = enrolled
    app.config.update(LOGIN_MAX_FAILURES=5, LOGIN_LOCKOUT_MINUTES=15)
    client = app.test_client()
    sign_in(client, user.email)
    for _ in range(3):
        assert submit(client, "/sign-in/code", {"code": "12345"}).status_code == 400
    # Entering the right password again does not clear the count.
    sign_in(client, user.email)
    assert submit(client, "/sign-in/code", {"code": "abcdef"}).status_code == 400
    response = submit(client, "/sign-in/recovery-code", {"code": "aaaaa-aaaaa"})
    assert response.status_code == 302 and response.headers["Location"] == "/sign-in"
    db.session.expire_all()
    assert db.session.get(User, user.id).locked_until is not None

    # Locked: the right password and the right code do not sign in, and spend nothing.
    response = sign_in(client, user.email)
    assert response.status_code == 400
    assert actions(user, Action.LOCKED_OUT)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(RecoveryCode).where(
        RecoveryCode.used_at.is_not(None))) == 0

    still.advance(minutes=16)  # the lock has passed
    sign_in(client, user.email)
    assert submit(client, "/sign-in/code", {"code": code_at(secret, still)}).status_code == 302
    db.session.expire_all()
    assert db.session.get(User, user.id).failed_logins == 0


def test_the_half_signed_state_expires(app, enrolled, still):
    user, secret, _ = enrolled
    client = app.test_client()
    sign_in(client, user.email)
    still.advance(minutes=6)
    response = client.get("/sign-in/code")
    assert response.headers["Location"] == "/sign-in"
    # The code page cannot be reached without the password at all.
    assert app.test_client().get("/sign-in/code").headers["Location"] == "/sign-in"


def test_the_code_page_does_not_sign_in_a_deactivated_user(app, enrolled, still):
    user, secret, _ = enrolled
    client = app.test_client()
    sign_in(client, user.email)
    user.active = False
    db.session.commit()
    response = client.get("/sign-in/code")
    assert response.headers["Location"] == "/sign-in"


def test_when_required_a_user_without_it_can_only_set_it_up(app, user, still):
    app.config["TWO_FACTOR_REQUIRED"] = True
    client = app.test_client()
    sign_in(client, user.email)
    for url in ("/", "/child-deaths/", "/change-password", "/users/"):
        assert client.get(url).headers["Location"] == "/two-factor", url
    response = submit(client, "/change-password", {"current_password": "x"},
                      page_url="/two-factor")
    assert response.headers["Location"] == "/two-factor"
    assert client.get("/two-factor").status_code == 200
    set_up(client, still)
    assert client.get("/").status_code == 200
    # Sign-out is always open.
    sign_out(client)
    assert client.get("/").headers["Location"].startswith("/sign-in")


def test_when_required_a_session_signed_in_by_password_alone_is_ended(app, enrolled, still):
    user, secret, _ = enrolled
    client = app.test_client()
    sign_in(client, user.email)
    submit(client, "/sign-in/code", {"code": code_at(secret, still)})
    # A session begun before the second factor was recorded in it (before this release).
    with client.session_transaction() as session:
        del session["second_factor_passed"]
    assert client.get("/").status_code == 200  # optional: no guard
    app.config["TWO_FACTOR_REQUIRED"] = True
    assert client.get("/").headers["Location"] == "/sign-in"
    assert client.get("/").headers["Location"].startswith("/sign-in")


def test_an_administrator_resets_it_and_the_user_is_told(app, admin_client, enrolled, still):
    user, secret, codes = enrolled
    signed_in = app.test_client()
    sign_in(signed_in, user.email)
    submit(signed_in, "/sign-in/code", {"code": code_at(secret, still)})
    assert signed_in.get("/").status_code == 200

    edit = admin_client.get(f"/users/{user.id}/edit").get_data(as_text=True)
    assert "Set up" in edit and secret not in edit
    response = submit(admin_client, f"/users/{user.id}/reset-two-factor", {},
                      page_url=f"/users/{user.id}/edit")
    assert response.headers["Location"] == f"/users/{user.id}/edit"

    assert db.session.get(SecondFactor, user.id) is None
    assert db.session.scalar(sa.select(sa.func.count()).select_from(RecoveryCode)) == 0
    reset = db.session.scalars(sa.select(AuditEvent).where(
        AuditEvent.action == Action.TWO_FACTOR_RESET.value)).one()
    assert reset.user_id == admin_client.user.id and reset.object_id == str(user.id)
    email = db.session.scalars(sa.select(OutboundEmail)).one()
    assert email.to_address == user.email and email.kind == "second_factor"
    assert "reset the two-factor sign-in" in email.text_body
    # The e-mail names no partnership (nor any child: it is about the account only).
    assert "Northshire" not in email.text_body + email.subject + email.html_body
    # Their sessions ended; signing in again, they must set it up anew.
    assert signed_in.get("/").headers["Location"].startswith("/sign-in")
    app.config["TWO_FACTOR_REQUIRED"] = True
    fresh = app.test_client()
    assert sign_in(fresh, user.email).headers["Location"] == "/"
    assert fresh.get("/").headers["Location"] == "/two-factor"
    new_secret = page(fresh.get("/two-factor")).find(id="secret-key").get_text()
    assert new_secret.replace(" ", "").strip() != secret


def test_no_other_role_can_reset_it_nor_an_administrator_their_own(
        app, cdop_client, admin_client, partnership, still):
    other = make_user(Role.DESIGNATED_DOCTOR, [partnership])
    db.session.add(SecondFactor(user_id=other.id, secret=pyotp.random_base32(),
                                confirmed_at=START.replace(tzinfo=None)))
    db.session.commit()
    response = cdop_client.post(f"/users/{other.id}/reset-two-factor",
                                data={"csrf_token": "x"})
    assert response.status_code in (400, 403)
    token_page = cdop_client.get("/")
    from tests.conftest import csrf_token_from
    response = cdop_client.post(f"/users/{other.id}/reset-two-factor",
                                data={"csrf_token": csrf_token_from(token_page.get_data(
                                    as_text=True))})
    assert response.status_code == 403
    admin = admin_client.user
    db.session.add(SecondFactor(user_id=admin.id, secret=pyotp.random_base32(),
                                confirmed_at=START.replace(tzinfo=None)))
    db.session.commit()
    submit(admin_client, f"/users/{admin.id}/reset-two-factor", {},
           page_url=f"/users/{other.id}/edit")
    assert db.session.get(SecondFactor, other.id) is not None
    assert db.session.get(SecondFactor, admin.id) is not None
    assert actions(admin, Action.TWO_FACTOR_RESET) == []


def test_a_wrong_code_while_setting_up_counts_towards_the_lockout(app, user, still):
    app.config.update(LOGIN_MAX_FAILURES=3)
    client = app.test_client()
    sign_in(client, user.email)
    html = page(client.get("/two-factor"))
    secret = html.find(id="secret-key").get_text().replace(" ", "").strip()
    wrong = "000000" if code_at(secret, still) != "000000" else "111111"
    assert submit(client, "/two-factor", {"code": wrong}).status_code == 400
    assert submit(client, "/two-factor", {"code": wrong}).status_code == 400
    response = submit(client, "/two-factor", {"code": wrong})
    assert response.headers["Location"] == "/sign-in"
    assert client.get("/").headers["Location"].startswith("/sign-in")


def test_the_secret_is_in_no_audit_row(app, enrolled, still):
    user, secret, codes = enrolled
    client = app.test_client()
    sign_in(client, user.email)
    submit(client, "/sign-in/recovery-code", {"code": codes[0]})
    rows = db.session.scalars(sa.select(AuditEvent)).all()
    text = " ".join(f"{r.detail} {r.changes} {r.object_label}" for r in rows)
    assert secret not in text
    assert not any(code in text or code.replace("-", "") in text for code in codes)


def test_required_in_production_and_optional_for_development_and_tests(monkeypatch):
    import importlib

    import config

    monkeypatch.delenv("TWO_FACTOR_REQUIRED", raising=False)
    fresh = importlib.reload(config)
    try:
        assert fresh.ProductionConfig.TWO_FACTOR_REQUIRED is True
        assert fresh.DevelopmentConfig.TWO_FACTOR_REQUIRED is False
        assert fresh.TestConfig.TWO_FACTOR_REQUIRED is False
    finally:
        monkeypatch.undo()
        importlib.reload(config)


def test_the_command_line_resets_the_only_administrators_second_factor(app, runner, partnership):
    admin = make_user(Role.SYSTEM_ADMIN, [partnership])
    db.session.add(SecondFactor(user_id=admin.id, secret=pyotp.random_base32(),
                                confirmed_at=START.replace(tzinfo=None)))
    db.session.commit()
    result = runner.invoke(args=["users", "reset-two-factor", admin.email.upper()])
    assert result.exit_code == 0, result.output
    assert "has been reset" in result.output
    assert db.session.get(SecondFactor, admin.id) is None
    email = db.session.scalars(sa.select(OutboundEmail)).one()
    assert email.to_address == admin.email and "/sign-in" in email.text_body
    assert len(actions(admin, Action.TWO_FACTOR_RESET)) == 0  # done by "System", about them
    assert db.session.scalars(sa.select(AuditEvent).where(
        AuditEvent.action == Action.TWO_FACTOR_RESET.value)).one().object_id == str(admin.id)
    again = runner.invoke(args=["users", "reset-two-factor", admin.email])
    assert "nothing to reset" in again.output
    assert runner.invoke(args=["users", "reset-two-factor", "nobody@example.org"]).exit_code == 1


def _stored(user):
    from tracker.two_factor import SecondFactor

    db.session.expire_all()
    return db.session.get(SecondFactor, user.id).secret


def _signs_in_with(app, user, secret, still):
    client = app.test_client()
    assert sign_in(client, user.email).headers["Location"] == "/sign-in/code"
    response = submit(client, "/sign-in/code", {"code": code_at(secret, still)})
    return response.status_code == 302 and client.get("/").status_code == 200


def test_the_secret_is_kept_encrypted_and_still_signs_in(app, enrolled, still):
    """A copy of the database (or a backup) alone cannot make codes: the secret is stored
    sealed under a key from TWO_FACTOR_KEY or SECRET_KEY, never as the app showed it."""
    user, secret, _ = enrolled
    stored = _stored(user)
    assert secret not in stored and stored.startswith("gAAAA")
    assert _signs_in_with(app, user, secret, still)


def test_a_secret_kept_before_encryption_still_works_and_is_sealed_at_sign_in(
        app, enrolled, still):
    from tracker.two_factor import SecondFactor

    user, secret, _ = enrolled
    db.session.execute(sa.update(SecondFactor).where(SecondFactor.user_id == user.id)
                       .values(secret=secret))  # as migration 0036 kept it
    db.session.commit()
    assert _signs_in_with(app, user, secret, still)
    stored = _stored(user)
    assert stored != secret and stored.startswith("gAAAA")


def test_the_scheduler_seals_a_secret_kept_before_encryption_without_waiting_for_a_sign_in(
        app, enrolled, still, caplog):
    """A copy of the database taken the day after the upgrade cannot make the codes of a user
    who has not signed in since: the scheduler's frequent job seals every plain secret, once."""
    from tracker.reminders import scheduler
    from tracker.two_factor import SecondFactor

    user, secret, _ = enrolled
    other = make_user(Role.CDOP_ADMIN)
    db.session.add(SecondFactor(user_id=other.id, secret=pyotp.random_base32()))  # unconfirmed
    db.session.execute(sa.update(SecondFactor).where(SecondFactor.user_id == user.id)
                       .values(secret=secret))  # as migration 0036 kept it
    db.session.commit()
    caplog.set_level("INFO", logger="tracker.reminders.scheduler")
    scheduler.exports_job(app)
    stored = _stored(user)
    assert secret not in stored and stored.startswith("gAAAA")
    assert _stored(other).startswith("gAAAA")
    assert "2 secrets kept before encryption sealed" in caplog.text
    scheduler.exports_job(app)  # nothing left to seal: the stored value stays as it is
    assert _stored(user) == stored
    assert caplog.text.count("sealed") == 1
    assert _signs_in_with(app, user, secret, still)


def test_another_key_cannot_read_the_secret(app, enrolled, still):
    """With another TWO_FACTOR_KEY (a key changed without resetting users) no code is
    accepted, rather than a wrong one or an error page."""
    user, secret, _ = enrolled
    app.config["TWO_FACTOR_KEY"] = "another key entirely, set by mistake"
    client = app.test_client()
    sign_in(client, user.email)
    response = submit(client, "/sign-in/code", {"code": code_at(secret, still)})
    assert response.status_code == 400
    assert client.get("/").headers["Location"].startswith("/sign-in")
