"""A session ends after the idle timeout, and after the absolute lifetime however active."""


import pytest
import sqlalchemy as sa

from tests.conftest import page, sign_in
from tests.factories import make_user
from tracker.audit import AuditEvent
from tracker.extensions import db
from tracker.roles import Role


@pytest.fixture
def clock(clock):
    """The app's clock, standing still at the time the test starts; tests move it forward."""
    return clock.set(clock.now())


@pytest.fixture
def user(app, partnership):
    return make_user(Role.CDOP_ADMIN, [partnership])


def signed_out_with(client, response):
    """The message shown on the sign-in page a signed-out request was sent to, or None."""
    if response.status_code != 302 or not response.headers["Location"].startswith("/sign-in"):
        return None
    flash = page(client.get(response.headers["Location"])).select_one(
        ".govuk-notification-banner")
    return flash.get_text(" ", strip=True) if flash else ""


def timed_out_rows(user):
    query = sa.select(AuditEvent).where(AuditEvent.action == "timed_out",
                                        AuditEvent.user_id == user.id)
    return db.session.scalars(query).all()


def test_the_session_from_signing_in_times_out_when_left_idle(client, user, clock):
    sign_in(client, user.email)
    clock.advance(minutes=31, seconds=30)
    message = signed_out_with(client, client.get("/"))
    assert "you had not done anything for 30 minutes" in message
    assert len(timed_out_rows(user)) == 1
    assert signed_out_with(client, client.get("/")) is not None  # still signed out


def test_the_session_from_signing_in_survives_a_short_pause(client, user, clock):
    sign_in(client, user.email)
    clock.advance(minutes=29)
    assert client.get("/").status_code == 200


@pytest.mark.parametrize("max_hours", [12, 2])
def test_an_active_session_ends_after_the_absolute_lifetime(app, client, user, clock,
                                                             max_hours):
    app.config["SESSION_MAX_HOURS"] = max_hours
    sign_in(client, user.email)
    for _ in range(max_hours * 3 - 1):  # a request every 20 minutes, never idle
        clock.advance(minutes=20)
        assert client.get("/").status_code == 200
    clock.advance(minutes=20, seconds=1)
    message = signed_out_with(client, client.get("/"))
    assert f"you signed in more than {max_hours} hours ago" in message
    assert len(timed_out_rows(user)) == 1
    assert sign_in(client, user.email).status_code == 302  # signing in again starts afresh
    assert client.get("/").status_code == 200


def test_the_default_absolute_lifetime_is_12_hours(app):
    assert app.config["SESSION_MAX_HOURS"] == 12


@pytest.mark.parametrize("missing", ["last_seen", "signed_in_at"])
def test_a_session_without_its_times_is_treated_as_expired(client, user, missing):
    sign_in(client, user.email)
    with client.session_transaction() as session:
        session.pop(missing)
    assert signed_out_with(client, client.get("/")) is not None
    assert len(timed_out_rows(user)) == 1
