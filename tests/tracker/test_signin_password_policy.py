"""Passwords that are common, breached or easy to guess are refused wherever one is set."""

import pytest
import sqlalchemy as sa

from tests.conftest import page, sign_in, submit
from tests.factories import PASSWORD, make_user
from tracker.demo import DEMO_PASSWORD
from tracker.extensions import db
from tracker.models import User
from tracker.roles import Role

STRONG = "orbit lantern pickle meadow"
TOO_EASY = "Password is too easy to guess"
ADVICE = "Use 3 or more random words that have nothing to do with you"

# The user in these tests is Casey Jones, casey.jones@example.org.
WEAK = [
    pytest.param("aaaaaaaaaaaa", 'repeats like "aaa" are easy to guess', id="repeats"),
    pytest.param("Password1234!", "this is similar to a commonly used password", id="common"),
    pytest.param("qwertyuiop123", "this is a very common password", id="keyboard"),
    pytest.param(DEMO_PASSWORD, "it is the published demo password", id="demo"),
    pytest.param(DEMO_PASSWORD.upper() + "1", "it is the published demo password",
                 id="demo-variant"),
    pytest.param("Jones&Casey#2024", "it is based on your name or email address", id="name"),
    pytest.param("casey jones casey jones", "it is based on your name or email address",
                 id="name-repeated"),
]


def error_messages(response):
    """The messages in the GOV.UK error summary."""
    summary = page(response).select_one(".govuk-error-summary")
    assert summary is not None, "no error summary"
    return [li.get_text(strip=True) for li in summary.select(".govuk-error-summary__list li")]


def password_hash(email):
    db.session.expire_all()
    return db.session.scalar(sa.select(User.password_hash).where(User.email == email))


@pytest.fixture
def casey(app, partnership):
    return make_user(Role.CDOP_ADMIN, [partnership], email="casey.jones@example.org",
                     full_name="Casey Jones")


@pytest.mark.parametrize(("password", "reason"), WEAK)
def test_change_password_refuses_a_guessable_password_and_says_why(
    client, casey, password, reason
):
    sign_in(client, casey.email)
    before = password_hash(casey.email)
    response = submit(client, "/change-password", {
        "current_password": PASSWORD, "new_password": password, "confirm_password": password})
    assert response.status_code == 400
    assert error_messages(response) == [f"{TOO_EASY}: {reason}. {ADVICE}"]
    assert password_hash(casey.email) == before


def test_change_password_accepts_random_words(app, client, casey):
    sign_in(client, casey.email)
    response = submit(client, "/change-password", {
        "current_password": PASSWORD, "new_password": STRONG, "confirm_password": STRONG})
    assert response.status_code == 302
    assert sign_in(app.test_client(), casey.email, STRONG).status_code == 302


@pytest.mark.parametrize(("password", "reason"), WEAK)
def test_an_administrator_cannot_give_a_new_user_a_guessable_password(
    admin_client, partnership, password, reason
):
    response = submit(admin_client, "/users/new", {
        "email": "casey.jones@example.org", "full_name": "Casey Jones", "role": "cdop_admin",
        "partnerships": [str(partnership.id)], "password": password})
    assert response.status_code == 400
    assert f"{TOO_EASY}: {reason}. {ADVICE}" in error_messages(response)
    assert password_hash("casey.jones@example.org") is None


@pytest.mark.parametrize(("password", "reason"), WEAK)
def test_an_administrator_cannot_reset_to_a_guessable_password(
    admin_client, casey, password, reason
):
    before = password_hash(casey.email)
    response = submit(admin_client, f"/users/{casey.id}/reset-password", {"password": password})
    assert response.status_code == 400
    assert error_messages(response) == [f"{TOO_EASY}: {reason}. {ADVICE}"]
    assert password_hash(casey.email) == before


@pytest.mark.parametrize(("password", "reason"), WEAK)
def test_flask_users_create_refuses_a_guessable_password(runner, partnership, password, reason):
    result = runner.invoke(args=["users", "create", "--email", "casey.jones@example.org",
                                 "--name", "Casey Jones", "--role", "auditor",
                                 "--partnership", partnership.code, "--password", password])
    assert result.exit_code != 0
    assert f"{TOO_EASY}: {reason}. {ADVICE}" in result.output
    assert password_hash("casey.jones@example.org") is None


def test_flask_users_create_accepts_random_words(runner, partnership):
    result = runner.invoke(args=["users", "create", "--email", "casey.jones@example.org",
                                 "--name", "Casey Jones", "--role", "auditor",
                                 "--partnership", partnership.code, "--password", STRONG])
    assert result.exit_code == 0, result.output
    assert password_hash("casey.jones@example.org") is not None


def test_the_password_hint_says_what_works(client, casey):
    sign_in(client, casey.email)
    hint = page(client.get("/change-password")).select_one("#new_password-hint").get_text()
    assert "3 or more random words" in hint
