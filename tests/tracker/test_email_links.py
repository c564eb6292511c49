"""A link in a reminder e-mail, opened signed out, goes through signing in (and the second
factor, when TWO_FACTOR_REQUIRED is on) and lands on the page it links to; a `next` that is
not a path on this site lands on the home page instead."""

# ruff: noqa: F811 (the two-factor tests' fixtures, imported, are redefined as arguments)

import re
from datetime import date, datetime
from urllib.parse import urlsplit

import pytest

from tests.cdr.factories import make_case
from tests.conftest import page, submit
from tests.factories import PASSWORD
from tests.tracker.test_two_factor import code_at, enrolled, still, user  # noqa: F401
from tracker.extensions import db
from tracker.mail import OutboundEmail
from tracker.reminders.passes import run_pass


@pytest.fixture
def required(app):
    app.config["TWO_FACTOR_REQUIRED"] = True


@pytest.fixture
def emailed_link(app, partnership, user, still):
    """The path of the case page a reminder e-mail to `user` links to, and its reference."""
    # Died 20 February 2026, a Joint Agency Response: its first meeting was due by the 25th.
    case = make_case(partnership, jar_required=True, date_of_death=date(2026, 2, 20),
                     notification_received_on=date(2026, 2, 20), owner_id=user.id)
    run_pass(date(2026, 3, 2), datetime(2026, 3, 2, 9, 0), send=False)
    (email,) = db.session.query(OutboundEmail).all()
    links = set(re.findall(r"https?://\S+", email.text_body))
    step = next(link for link in links if f"/child-deaths/{case.id}" in link)
    return urlsplit(step).path, case.reference


def _to_sign_in(client, path):
    """Open the link signed out: the sign-in page, with where to go after."""
    response = client.get(path)
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location.startswith("/sign-in?next=")
    return location


def _lands_on(client, location, path, reference):
    assert location.rstrip("?") == path
    response = client.get(location)
    assert response.status_code == 200
    assert reference in page(response).select_one("h1").get_text(" ")


def test_with_a_second_factor_the_link_lands_on_its_page_after_the_code(
        app, required, enrolled, emailed_link, still):
    user, secret, _ = enrolled
    path, reference = emailed_link
    client = app.test_client()

    sign_in_page = _to_sign_in(client, path)
    response = submit(client, sign_in_page, {"email": user.email, "password": PASSWORD})
    assert response.headers["Location"] == "/sign-in/code"
    response = submit(client, "/sign-in/code", {"code": code_at(secret, still)})

    _lands_on(client, response.headers["Location"], path, reference)


def test_setting_up_the_second_factor_on_the_way_still_lands_on_the_linked_page(
        app, required, user, emailed_link, still):
    path, reference = emailed_link
    client = app.test_client()

    sign_in_page = _to_sign_in(client, path)
    response = submit(client, sign_in_page, {"email": user.email, "password": PASSWORD})
    response = client.get(response.headers["Location"])
    # Signed in with a password alone: first the set-up, which knows where they were going.
    assert response.headers["Location"] == "/two-factor"
    html = page(client.get("/two-factor"))
    secret = html.find(id="secret-key").get_text().replace(" ", "").strip()
    response = submit(client, "/two-factor", {"code": code_at(secret, still)})
    assert page(response).select("#recovery-codes li")
    onward = page(response).find("a", string=re.compile("Continue"))["href"]

    _lands_on(client, onward, path, reference)


@pytest.mark.parametrize("target", ["//evil.example/x", "https://evil.example/x",
                                    "/\\evil.example"])
def test_a_next_that_is_not_a_path_here_lands_on_the_home_page(app, required, enrolled,
                                                               user, still, target):
    enrolled_user, secret, _ = enrolled
    client = app.test_client()
    submit(client, "/sign-in?next=" + target,
           {"email": enrolled_user.email, "password": PASSWORD})
    response = submit(client, "/sign-in/code", {"code": code_at(secret, still)})
    assert response.headers["Location"] == "/"
