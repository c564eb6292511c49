"""Bad input gives a GOV.UK error or a sensible page, never a 500 or a half-saved record."""

import io

import pytest
import sqlalchemy as sa

from tests.conftest import csrf_token_from, page, sign_in, submit
from tests.factories import PASSWORD, make_user
from tracker.audit import AuditEvent
from tracker.extensions import db
from tracker.models import ClosureDay, Partnership, User
from tracker.roles import Role

HUGE = "99999999999999999999"


def error_summary(response):
    """The text of the GOV.UK error summary, or '' when there is none."""
    summary = page(response).select_one(".govuk-error-summary")
    return summary.get_text(" ", strip=True) if summary else ""


def date_boxes(response, name):
    """What the day, month and year boxes of a date field show."""
    return [box["value"] for box in page(response).find_all("input", attrs={"name": name})]


def count(model):
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


# --- Dates: every part too long or too big is "not a real date" -----------------------------

BAD_DATES = [
    # (day, month, year), the message after "<label> …"
    ([HUGE, "12", "2025"], "must be a real date"),
    (["24", HUGE, "2025"], "must be a real date"),
    (["24", "12", HUGE], "Year must include 4 numbers"),
    ([HUGE, HUGE, HUGE], "must be a real date"),
    (["024", "12", "2025"], "must be a real date"),
    (["24", "012", "2025"], "must be a real date"),
    (["²", "12", "2025"], "must be a real date"),  # a digit to str.isdigit, not to int()
    (["24", "12", "２０２５"], "must be a real date"),  # full-width digits
    (["0", "12", "2025"], "must be a real date"),
    (["24", "13", "2025"], "must be a real date"),
    (["24", "12", "1066"], "must be between 1990 and 2100"),
]


@pytest.mark.parametrize(("day", "message"), BAD_DATES)
def test_a_closure_day_that_is_not_a_real_date_keeps_what_was_typed(
    admin_client, partnership, day, message
):
    response = submit(
        admin_client, "/partnerships/NSP", {"day": day, "description": "Staff training day"}
    )

    assert response.status_code == 400
    assert message in error_summary(response)
    assert date_boxes(response, "day") == day
    typed = page(response).find("input", attrs={"name": "description"})
    assert typed["value"] == "Staff training day"
    assert count(ClosureDay) == 0
    assert db.session.get(Partnership, partnership.id).rules_version == 0


@pytest.mark.parametrize(("day", "message"), BAD_DATES)
def test_a_calculator_date_that_is_not_a_real_date_is_explained(cdop_client, day, message):
    response = cdop_client.get(
        "/timescales/calculator", query_string={"rule": "coroner_notification", "trigger": day}
    )

    assert response.status_code == 400
    assert message in error_summary(response)
    assert date_boxes(response, "trigger") == day


@pytest.mark.parametrize("field", ["date_from", "date_to"])
@pytest.mark.parametrize(("day", "message"), BAD_DATES)
def test_an_audit_filter_date_that_is_not_a_real_date_is_explained(
    auditor_client, field, day, message
):
    response = auditor_client.get(
        "/audit/", query_string={field: day, "record_text": "CDOP-NSP"}
    )

    assert response.status_code == 400
    assert message in error_summary(response)
    assert date_boxes(response, field) == day
    assert page(response).find("input", attrs={"name": "record_text"})["value"] == "CDOP-NSP"


# --- NUL bytes never reach the database (PostgreSQL refuses them in text) --------------------


def test_a_nul_byte_in_the_sign_in_email_is_dropped(client, partnership):
    user = make_user(Role.CDOP_ADMIN, [partnership], email="nul.test@example.org")

    wrong = sign_in(client, "nul.test\x00@example.org", password="wrong\x00password")
    assert wrong.status_code == 400
    assert "Enter a correct email address and password" in error_summary(wrong)
    failure = db.session.scalar(
        sa.select(AuditEvent).where(AuditEvent.action == "failed_login")
    )
    assert failure.user_id == user.id

    right = sign_in(client, "\x00nul.test@example.org\x00")
    assert right.status_code == 302


def test_nul_bytes_in_a_new_users_details_are_dropped(admin_client, partnership):
    response = submit(admin_client, "/users/new", {
        "email": "new.\x00person@example.org",
        "full_name": "New\x00 Person\x00",
        "role": Role.CDOP_ADMIN.value,
        "partnerships": [str(partnership.id)],
        "password": "a brand new passphrase",
    })

    assert response.status_code == 302
    saved = db.session.scalar(sa.select(User).where(User.email == "new.person@example.org"))
    assert saved.full_name == "New Person"


def test_nul_bytes_in_the_audit_filters_are_dropped(auditor_client, partnership):
    response = auditor_client.get(
        "/audit/",
        query_string={"record_text": "CDOP\x00", "record_type": "User\x00", "record_id": "1\x00"},
    )

    assert response.status_code == 200
    html = page(response)
    assert html.find("input", attrs={"name": "record_text"})["value"] == "CDOP"
    assert html.find("input", attrs={"name": "record_id"})["value"] == "1"


def test_a_nul_byte_in_a_closure_day_description_is_dropped(admin_client, partnership):
    response = submit(
        admin_client,
        "/partnerships/NSP",
        {"day": ["24", "12", "2025"], "description": "Office\x00 closed"},
    )

    assert response.status_code == 302
    assert db.session.scalar(sa.select(ClosureDay.description)) == "Office closed"


# --- Page numbers: always a page that exists ------------------------------------------------


def add_audit_rows(partnership, n):
    db.session.add_all(
        AuditEvent(action="update", object_type="ClosureDay", object_id=str(i),
                   object_label=f"Row {i:03d}", partnership_id=partnership.id)
        for i in range(n)
    )
    db.session.commit()


def current_page(response):
    """The number the pagination marks as the current page ('1' when there is one page)."""
    current = page(response).select_one(".govuk-pagination__item--current")
    return current.get_text(strip=True) if current else "1"


@pytest.mark.parametrize(
    ("asked", "shown"),
    [(HUGE, "3"), ("4", "3"), ("-5", "1"), ("0", "1"), ("abc", "1"), ("2", "2"),
     ("9" * 400, "3")],
)
def test_any_audit_page_number_shows_a_page_that_exists(
    app, auditor_client, partnership, asked, shown
):
    app.config["PAGE_SIZE"] = 5
    add_audit_rows(partnership, 12)

    response = auditor_client.get(
        "/audit/", query_string={"record_type": "ClosureDay", "page": asked}
    )

    assert response.status_code == 200
    assert current_page(response) == shown
    assert len(page(response).select("#audit-events tbody tr")) == (2 if shown == "3" else 5)


@pytest.mark.parametrize(("asked", "shown"), [(HUGE, "2"), ("-5", "1"), ("abc", "1")])
def test_any_users_page_number_shows_a_page_that_exists(
    app, admin_client, partnership, asked, shown
):
    app.config["PAGE_SIZE"] = 3
    for _ in range(4):
        make_user(Role.PANEL_MEMBER, [partnership])

    response = admin_client.get("/users/", query_string={"page": asked})

    assert response.status_code == 200
    assert current_page(response) == shown


def test_a_page_number_on_an_empty_list_shows_the_empty_list(auditor_client):
    response = auditor_client.get(
        "/audit/", query_string={"record_type": "RuleOverride", "page": HUGE}
    )

    assert response.status_code == 200
    assert "No events match these filters." in page(response).get_text()


# --- Ids in the path too big for the database -----------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        f"/users/{HUGE}999/edit",
        f"/users/{HUGE}999/reset-password",
        f"/partnerships/NSP/closure-days/{HUGE}999/remove",
    ],
)
def test_an_id_too_big_for_the_database_is_not_found(admin_client, url):
    assert admin_client.get(url).status_code == 404


@pytest.mark.parametrize(
    "url", ["/partnerships/N%00SP", "/partnerships/NSP%00/timescales/panel_notification"]
)
def test_a_nul_byte_in_a_partnership_code_is_not_found(admin_client, url):
    assert admin_client.get(url).status_code == 404


# --- A file uploaded in a text field --------------------------------------------------------


def post_with_a_file(client, url, data, field):
    """Post a form as multipart, with `field` sent as an uploaded file instead of text."""
    token = csrf_token_from(client.get(url).get_data(as_text=True))
    data = {**data, "csrf_token": token, field: (io.BytesIO(b"not text"), "upload.txt")}
    return client.post(url, data=data, content_type="multipart/form-data")


def password_hash_of(email):
    db.session.expire_all()
    return db.session.scalar(sa.select(User.password_hash).where(User.email == email))


@pytest.mark.parametrize("field", ["email", "password"])
def test_a_file_in_a_sign_in_field_is_a_form_error(client, partnership, field):
    user = make_user(Role.CDOP_ADMIN, [partnership], email="file.test@example.org")
    data = {"email": user.email, "password": PASSWORD}

    response = post_with_a_file(client, "/sign-in", data, field)

    assert response.status_code == 400
    assert error_summary(response)
    assert client.get("/").status_code == 302  # still signed out


@pytest.mark.parametrize("field", ["email", "full_name", "password", "role", "partnerships"])
def test_a_file_in_a_new_users_field_saves_nothing(admin_client, partnership, field):
    data = {"email": "file.person@example.org", "full_name": "File Person",
            "role": Role.CDOP_ADMIN.value, "partnerships": str(partnership.id),
            "password": "a brand new passphrase"}
    users_before = count(User)

    response = post_with_a_file(admin_client, "/users/new", data, field)

    assert response.status_code == 400
    assert error_summary(response)
    assert count(User) == users_before


@pytest.mark.parametrize("field", ["full_name", "role", "active"])
def test_a_file_in_a_user_edit_field_saves_nothing(admin_client, partnership, field):
    user = make_user(Role.CDOP_ADMIN, [partnership], full_name="Kept Name")
    data = {"full_name": "New Name", "role": Role.AUDITOR.value,
            "partnerships": str(partnership.id), "active": "yes"}

    response = post_with_a_file(admin_client, f"/users/{user.id}/edit", data, field)

    assert response.status_code == 400
    db.session.refresh(user)
    assert (user.full_name, user.role) == ("Kept Name", Role.CDOP_ADMIN.value)


def test_a_file_as_a_reset_password_saves_nothing(admin_client, partnership):
    user = make_user(Role.CDOP_ADMIN, [partnership], email="reset.file@example.org")
    before = password_hash_of(user.email)

    response = post_with_a_file(
        admin_client, f"/users/{user.id}/reset-password", {}, "password"
    )

    assert response.status_code == 400
    assert password_hash_of(user.email) == before


@pytest.mark.parametrize("field", ["current_password", "new_password", "confirm_password"])
def test_a_file_in_a_change_password_field_saves_nothing(cdop_client, field):
    before = password_hash_of(cdop_client.user.email)
    data = {"current_password": PASSWORD, "new_password": "a brand new passphrase",
            "confirm_password": "a brand new passphrase"}

    response = post_with_a_file(cdop_client, "/change-password", data, field)

    assert response.status_code == 400
    assert password_hash_of(cdop_client.user.email) == before


@pytest.mark.parametrize("field", ["description", "day"])
def test_a_file_in_a_closure_day_field_saves_nothing(admin_client, partnership, field):
    data = {"day": ["24", "12", "2025"], "description": "Staff training day"}

    response = post_with_a_file(admin_client, "/partnerships/NSP", data, field)

    assert response.status_code == 400
    assert count(ClosureDay) == 0


# --- Query names that mean something to url_for ---------------------------------------------

RESERVED_NAMES = ["_anchor", "_scheme", "_method", "_external", "endpoint", "values", "zzz"]


def pagination_links(response):
    return [a["href"] for a in page(response).select(".govuk-pagination a")]


@pytest.mark.parametrize("name", RESERVED_NAMES)
def test_any_query_name_on_a_paginated_audit_page_is_ignored(
    app, auditor_client, partnership, name
):
    app.config["PAGE_SIZE"] = 5
    add_audit_rows(partnership, 12)

    response = auditor_client.get(
        "/audit/", query_string={"record_type": "ClosureDay", name: "x", "page": "2"}
    )

    assert response.status_code == 200
    assert current_page(response) == "2"
    links = pagination_links(response)
    assert links, "no pagination links"
    assert all("record_type=ClosureDay" in link for link in links)
    assert not any(f"{name}=" in link for link in links)


@pytest.mark.parametrize("name", RESERVED_NAMES)
def test_any_query_name_on_a_paginated_users_page_is_ignored(
    app, admin_client, partnership, name
):
    app.config["PAGE_SIZE"] = 3
    for _ in range(4):
        make_user(Role.PANEL_MEMBER, [partnership])

    response = admin_client.get("/users/", query_string={name: "x", "page": "2"})

    assert response.status_code == 200
    assert current_page(response) == "2"
    assert "/users/?page=1" in pagination_links(response)


def test_a_nul_in_any_query_argument_is_dropped_before_any_view_reads_it(app):
    with app.test_request_context("/?from_case=CDOP%00-1&q=a%00b&x%00y=1"):
        from flask import request

        assert request.args["from_case"] == "CDOP-1"
        assert request.args["q"] == "ab"
        assert request.args["xy"] == "1"
