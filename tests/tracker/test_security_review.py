"""Findings of a fresh-eyes review of the sign-in hardening, each with its fix proven."""

import time

import pytest

import config
from tests.conftest import submit
from tests.factories import make_user
from tracker import create_app
from tracker.audit import detail_for_viewer
from tracker.passwords import CHECKED_LENGTH, password_problems
from tracker.roles import Role


def test_a_huge_request_body_is_refused_before_it_is_parsed(app, client):
    app.config["MAX_CONTENT_LENGTH"] = 1024 * 1024
    response = client.post("/sign-in", data={"email": "x@example.org",
                                             "password": "a" * (2 * 1024 * 1024)})
    assert response.status_code == 413


def test_an_overlong_password_or_email_at_sign_in_is_a_form_error_not_a_check(client,
                                                                              partnership):
    user = make_user(Role.CDOP_ADMIN, [partnership])
    response = submit(client, "/sign-in", {"email": user.email, "password": "a" * 2000})
    assert response.status_code == 400
    assert "Password must be 1,024 characters or fewer" in response.get_data(as_text=True)
    response = submit(client, "/sign-in", {"email": "a" * 300 + "@example.org",
                                           "password": "whatever"})
    assert "Email address must be 254 characters or fewer" in response.get_data(as_text=True)


def test_only_the_first_characters_are_scored_so_a_crafted_password_cannot_stall_checks():
    # Every character substitutable by zxcvbn's l33t matcher: 72 of them took seconds.
    crafted = ("4@8({[<3&6!1|7+5$0%2" * 4)[:72]
    assert CHECKED_LENGTH <= 20
    started = time.perf_counter()
    password_problems(crafted, email="someone@example.org", full_name="Some One")
    # Generous: the point is seconds versus a fraction of one, not a benchmark.
    assert time.perf_counter() - started < 2


def test_a_short_email_name_does_not_refuse_every_password_with_that_letter():
    assert password_problems("my jolly purple giraffe", email="j@example.org",
                             full_name="Jay Example") == []
    assert password_problems("jayjay purple giraffe lamp", email="jayjay@example.org") == [
        "Password must not contain your email address"
    ]


def test_a_cut_partnerships_detail_names_no_partnership():
    cut = "Partnerships changed from NSP, SVP, AAA to NSP"[:30]
    assert detail_for_viewer(cut, {"NSP"}) == "Partnerships changed"


def test_production_refuses_sqlite_given_as_an_override_too(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "x" * 40)
    monkeypatch.setenv("DATABASE_URL", "postgresql://tracker@db.invalid/tracker")
    monkeypatch.delenv("ALLOW_SQLITE_IN_PRODUCTION", raising=False)
    monkeypatch.delenv("FLASK_DEBUG", raising=False)
    with pytest.raises(RuntimeError, match="SQLite"):
        create_app({"CONFIG_CLASS": config.ProductionConfig,
                    "SQLALCHEMY_DATABASE_URI": "sqlite:////tmp/override.sqlite"})
