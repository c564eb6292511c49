"""Your sessions: each sign-in is a server-side session its user sees and can end; signing
out, a password change and an administrator's reset of the second factor end sessions."""

import hashlib
from datetime import timedelta

import pytest
import sqlalchemy as sa

from tests.conftest import page, sign_in, submit
from tests.factories import PASSWORD, make_user
from tests.tracker.test_two_factor import (  # noqa: F401 (fixtures)
    code_at,
    enrolled,
    set_up,
    still,
)
from tracker.audit import AuditEvent
from tracker.extensions import db
from tracker.roles import Role
from tracker.user_sessions import TOKEN, UserSession, browser_of, network_of

FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
EDGE = ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0")


def device(app, address="192.0.2.77", agent=FIREFOX):
    client = app.test_client()
    client.environ_base.update(REMOTE_ADDR=address, HTTP_USER_AGENT=agent)
    return client


def signed_in(app, user, **where):
    client = device(app, **where)
    assert sign_in(client, user.email).status_code == 302
    return client


def rows(user):
    db.session.expire_all()
    return db.session.scalars(sa.select(UserSession).where(UserSession.user_id == user.id)
                              .order_by(UserSession.id)).all()


def is_signed_out(client):
    response = client.get("/")
    return response.status_code == 302 and "/sign-in" in response.headers["Location"]


@pytest.fixture
def user(app, partnership):
    return make_user(Role.CDOP_ADMIN, [partnership])


def test_the_page_lists_each_sign_in_with_its_times_network_and_browser(app, user):
    office = signed_in(app, user)
    signed_in(app, user, address="2001:db8:5:6:7:8:9:10", agent=EDGE)
    html = page(office.get("/account/sessions"))
    table = html.select_one("#sessions").get_text(" ", strip=True)
    assert "Firefox, network 192.0.2.0/24" in table
    assert "Edge, network 2001:db8:5:6::/64" in table
    assert "192.0.2.77" not in table and "9:10" not in table  # never the whole address
    assert "This session" in table
    assert len(html.select("#sessions tbody tr")) == 2
    assert "Your sessions" in page(office.get("/")).get_text()  # linked from every page


def test_only_a_hash_of_the_token_is_stored(app, user):
    client = signed_in(app, user)
    with client.session_transaction() as session:
        token = session[TOKEN]
    (row,) = rows(user)
    assert row.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in str(db.session.execute(sa.select(UserSession.__table__)).all())


def test_ending_another_session_signs_that_computer_out_and_is_audited(app, user):
    office, home = signed_in(app, user), signed_in(app, user, address="198.51.100.9")
    home_row = rows(user)[1]
    response = submit(office, f"/account/sessions/{home_row.id}/end", {},
                      page_url="/account/sessions")
    assert response.headers["Location"] == "/account/sessions"
    assert is_signed_out(home)
    assert office.get("/").status_code == 200
    listed = page(office.get("/account/sessions")).select_one("#sessions").get_text()
    assert "198.51.100.0/24" not in listed
    ended = db.session.scalars(sa.select(AuditEvent).where(
        AuditEvent.action == "session_ended")).one()
    assert (ended.user_id, ended.object_id) == (user.id, str(home_row.id))


def test_ending_ones_own_session_signs_out(app, user):
    office = signed_in(app, user)
    (row,) = rows(user)
    response = submit(office, f"/account/sessions/{row.id}/end", {},
                      page_url="/account/sessions")
    assert response.headers["Location"] == "/sign-in"
    assert is_signed_out(office)


def test_another_users_session_cannot_be_ended(app, user, partnership):
    other = make_user(Role.CDOP_ADMIN, [partnership])
    theirs = signed_in(app, other)
    mine = signed_in(app, user)
    (their_row,) = rows(other)
    response = submit(mine, f"/account/sessions/{their_row.id}/end", {},
                      page_url="/account/sessions")
    assert response.status_code == 404
    assert theirs.get("/").status_code == 200
    assert rows(other)[0].ended_at is None


def test_ending_needs_the_forms_csrf_token(app, user):
    client = signed_in(app, user)
    (row,) = rows(user)
    assert client.post(f"/account/sessions/{row.id}/end").status_code == 400
    assert rows(user)[0].ended_at is None


def test_signing_out_ends_this_session_and_only_this_one(app, user):
    office, home = signed_in(app, user), signed_in(app, user)
    submit(office, "/sign-out", {}, page_url="/")
    office_row, home_row = rows(user)
    assert office_row.ended_at is not None and home_row.ended_at is None
    assert home.get("/").status_code == 200


def test_a_password_change_ends_every_other_session(app, user):
    office, home = signed_in(app, user), signed_in(app, user)
    response = submit(office, "/change-password", {
        "current_password": PASSWORD,
        "new_password": "a brand new passphrase", "confirm_password": "a brand new passphrase"})
    assert response.status_code == 302, page(response).get_text()
    office_row, home_row = rows(user)
    assert home_row.ended_at is not None and office_row.ended_at is None
    assert is_signed_out(home)
    assert office.get("/").status_code == 200


def test_setting_up_two_factor_sign_in_ends_every_other_session(
        app, user, still):  # noqa: F811
    """With two-factor sign-in not required, a session signed in by password alone (a
    password someone else may know) does not outlast the set-up done in another."""
    office, home = signed_in(app, user), signed_in(app, user, address="198.51.100.9")
    set_up(office, still)
    office_row, home_row = rows(user)
    assert home_row.ended_at is not None and office_row.ended_at is None
    assert is_signed_out(home)
    assert office.get("/").status_code == 200
    assert office.get("/two-factor").status_code == 200  # still signed in, set up


def test_an_administrators_reset_of_the_second_factor_ends_every_session(
        app, admin_client, enrolled, still):  # noqa: F811
    user, secret, _codes = enrolled
    phone = device(app)
    sign_in(phone, user.email)
    submit(phone, "/sign-in/code", {"code": code_at(secret, still)})
    assert phone.get("/").status_code == 200
    submit(admin_client, f"/users/{user.id}/reset-two-factor", {},
           page_url=f"/users/{user.id}/edit")
    assert all(row.ended_at is not None for row in rows(user))
    assert is_signed_out(phone)
    assert admin_client.get("/").status_code == 200  # the administrator's own goes on


def test_a_session_made_before_sessions_were_kept_is_signed_out(app, user):
    client = signed_in(app, user)
    with client.session_transaction() as session:
        session.pop(TOKEN)
    assert is_signed_out(client)


def test_last_used_is_written_at_most_once_a_minute(app, user, clock):
    clock.set(clock.now(), ticking=False)
    client = signed_in(app, user)
    started = rows(user)[0].last_seen_at
    statements = []
    sa.event.listen(db.engine, "before_cursor_execute",
                    lambda conn, cursor, sql, *a: statements.append(sql))
    clock.advance(seconds=59)
    assert client.get("/").status_code == 200
    assert rows(user)[0].last_seen_at == started
    assert not [sql for sql in statements if sql.startswith("UPDATE user_session")]
    clock.advance(seconds=2)
    assert client.get("/").status_code == 200
    assert rows(user)[0].last_seen_at == started + timedelta(seconds=61)
    assert len([sql for sql in statements if sql.startswith("UPDATE user_session")]) == 1


def test_a_timed_out_session_is_ended(app, user, clock):
    clock.set(clock.now(), ticking=False)
    client = signed_in(app, user)
    clock.advance(minutes=app.config["IDLE_TIMEOUT_MINUTES"] + 1)
    assert is_signed_out(client)
    assert rows(user)[0].ended_at is not None


@pytest.mark.parametrize(("address", "network"), [
    ("192.0.2.77", "192.0.2.0/24"),
    ("2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64"),
    ("::ffff:198.51.100.20", "198.51.100.0/24"),
    ("not an address", None),
    (None, None),
])
def test_an_address_is_kept_as_its_network(address, network):
    assert network_of(address) == network


@pytest.mark.parametrize(("agent", "family"), [
    (FIREFOX, "Firefox"), (EDGE, "Edge"),
    ("Mozilla/5.0 (Macintosh) AppleWebKit/605.1.15 Version/17.0 Safari/605.1.15", "Safari"),
    ("Mozilla/5.0 AppleWebKit/537.36 Chrome/131.0.0.0 Safari/537.36", "Chrome"),
    ("curl/8.0", "Unknown browser"), (None, "Unknown browser"),
])
def test_a_user_agent_is_kept_as_its_browser_family(agent, family):
    assert browser_of(agent) == family


def test_a_lockout_on_the_change_password_page_ends_the_session_on_the_server(app, user):
    client = signed_in(app, user)
    data = {"current_password": "not it", "new_password": "a brand new passphrase",
            "confirm_password": "a brand new passphrase"}
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        submit(client, "/change-password", data)
    assert is_signed_out(client)
    assert rows(user)[0].ended_at is not None


def test_a_browser_closed_without_signing_out_is_not_listed_and_the_scheduler_ends_it(
        app, user, clock):
    """A session left to time out ends nothing by itself: the page lists only the sessions
    still usable, and the scheduler's frequent job ends the others, then deletes their rows
    after KEEP_ENDED."""
    from tracker import user_sessions
    from tracker.reminders import scheduler

    clock.set(clock.now(), ticking=False)
    signed_in(app, user, agent=EDGE)  # then the browser is closed
    clock.advance(minutes=app.config["IDLE_TIMEOUT_MINUTES"] - 5)
    office = signed_in(app, user)
    clock.advance(minutes=10)  # the first is past its idle time; the second is not
    office.get("/")
    listed = page(office.get("/account/sessions")).select_one("#sessions")
    assert "Edge" not in listed.get_text() and len(listed.select("tbody tr")) == 1

    scheduler.exports_job(app)
    first, second = rows(user)
    assert first.ended_at is not None and second.ended_at is None
    clock.advance(user_sessions.KEEP_ENDED + timedelta(days=1))
    scheduler.exports_job(app)
    (kept,) = rows(user)  # the first deleted; the second ended now, by timing out
    assert kept.id == second.id and kept.ended_at is not None
