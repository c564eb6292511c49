"""Managing users: the list, adding, editing, unlocking and resetting passwords."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from tests.conftest import csrf_token_from, page, sign_in, submit
from tests.factories import PASSWORD, make_partnership, make_user
from tracker.audit import AuditEvent
from tracker.extensions import db
from tracker.models import User
from tracker.roles import PERMISSIONS, ROLE_DESCRIPTIONS, Permission, Role
from tracker.timeutil import utcnow

NEW_PASSWORD = "a brand new passphrase"


def error_messages(response):
    """The messages in the GOV.UK error summary."""
    summary = page(response).select_one(".govuk-error-summary")
    assert summary is not None, "no error summary"
    return [li.get_text(strip=True) for li in summary.select(".govuk-error-summary__list li")]


def table_rows(response):
    """Each row of the page's first table, as a list of cell texts."""
    rows = page(response).select("table tbody tr")
    return [[cell.get_text(" ", strip=True) for cell in row.find_all("td")] for row in rows]


def user_by_email(email):
    db.session.expire_all()
    return db.session.scalar(sa.select(User).where(User.email == email))


def audit_rows(**where):
    query = sa.select(AuditEvent).filter_by(**where).order_by(AuditEvent.id)
    return db.session.scalars(query).all()


def new_user_data(partnership, **changes):
    data = {
        "email": "new.person@example.org",
        "full_name": "New Person",
        "role": Role.CDOP_ADMIN.value,
        "partnerships": [str(partnership.id)],
        "password": NEW_PASSWORD,
    }
    return {**data, **changes}


def edit_data(user, **changes):
    data = {
        "full_name": user.full_name,
        "role": user.role,
        "partnerships": [str(p.id) for p in user.partnerships],
        "active": "yes" if user.active else "no",
    }
    return {**data, **changes}


# The list ---------------------------------------------------------------------------------


def test_users_list_shows_the_users_of_the_admins_partnerships(
    admin_client, partnership, other_partnership
):
    colleague = make_user(Role.DESIGNATED_DOCTOR, [partnership], full_name="Dr Ada Jones")
    make_user(Role.CDOP_ADMIN, [other_partnership], full_name="Someone Elsewhere")
    make_user(Role.AUDITOR, [], full_name="No Partnership Yet")
    rows = table_rows(admin_client.get("/users/"))
    by_name = {row[0]: row for row in rows}
    assert by_name["Dr Ada Jones"] == [
        "Dr Ada Jones", colleague.email, "Designated doctor for child deaths",
        "Northshire Partnership", "Active", "Never",
    ]
    assert "Someone Elsewhere" not in by_name
    assert "No Partnership Yet" not in by_name  # nobody's to manage: none may take it over
    assert by_name[admin_client.user.full_name][5] != "Never"


def test_users_list_names_only_the_partnerships_the_admin_shares(
    admin_client, partnership, other_partnership
):
    make_user(Role.AUDITOR, [partnership, other_partnership], full_name="In Both")
    rows = {row[0]: row for row in table_rows(admin_client.get("/users/"))}
    assert rows["In Both"][3] == "Northshire Partnership, 1 other partnership"


def test_users_list_shows_locked_and_deactivated_accounts(admin_client, partnership):
    make_user(Role.CDOP_ADMIN, [partnership], full_name="Locked Out",
              locked_until=utcnow() + timedelta(minutes=10))
    make_user(Role.CDOP_ADMIN, [partnership], full_name="Gone Away", active=False)
    make_user(Role.CDOP_ADMIN, [partnership], full_name="Lock Expired",
              locked_until=utcnow() - timedelta(minutes=1))
    rows = {row[0]: row for row in table_rows(admin_client.get("/users/"))}
    assert rows["Locked Out"][4] == "Locked"
    assert rows["Gone Away"][4] == "Deactivated"
    assert rows["Lock Expired"][4] == "Active"


def test_users_list_is_paginated(app, admin_client, partnership):
    app.config["PAGE_SIZE"] = 2
    for n in range(4):
        make_user(Role.PANEL_MEMBER, [partnership], full_name=f"Member {n}")
    first = admin_client.get("/users/")
    assert len(table_rows(first)) == 2
    next_link = page(first).select_one(".govuk-pagination__next a")
    assert next_link is not None
    third = admin_client.get("/users/?page=3")
    assert [row[0] for row in table_rows(third)] == [admin_client.user.full_name]


@pytest.mark.parametrize("role", [r for r in Role if Permission.MANAGE_USERS not in PERMISSIONS[r]])
@pytest.mark.parametrize("url", ["/users/", "/users/new", "/users/{id}/edit",
                                 "/users/{id}/reset-password"])
def test_only_system_administrators_manage_users(app, client, partnership, role, url):
    someone = make_user(Role.PANEL_MEMBER, [partnership])
    user = make_user(role, [partnership])
    sign_in(client, user.email)
    response = client.get(url.format(id=someone.id))
    assert response.status_code == 403
    assert page(response).find("h1").get_text(strip=True) == "You cannot see this page"


@pytest.mark.relative_dates
def test_non_admins_cannot_post_to_user_pages(cdop_client, partnership):
    someone = make_user(Role.PANEL_MEMBER, [partnership])
    response = submit(cdop_client, f"/users/{someone.id}/unlock", {}, page_url="/")
    assert response.status_code == 403


# Adding a user ----------------------------------------------------------------------------


def test_add_user_page_describes_each_role_and_offers_only_the_admins_partnerships(
    admin_client, partnership, other_partnership
):
    html = page(admin_client.get("/users/new"))
    hints = [hint.get_text(strip=True) for hint in html.select(".govuk-radios__hint")]
    assert hints == [ROLE_DESCRIPTIONS[role] for role in Role]
    checkboxes = [html.find("label", attrs={"for": box["id"]}).get_text(strip=True)
                  for box in html.select("input[name=partnerships]")]
    assert checkboxes == ["Northshire Partnership"]


def test_adding_a_user_saves_them_and_they_can_sign_in(app, admin_client, partnership):
    response = submit(admin_client, "/users/new", new_user_data(partnership, role="auditor",
                                                                email="New.Person@Example.org"))
    assert response.status_code == 302
    listing = admin_client.get(response.headers["Location"])
    assert "New Person (new.person@example.org) can now sign in." in page(listing).get_text()
    user = user_by_email("new.person@example.org")
    assert user.role == "auditor"
    assert [p.code for p in user.partnerships] == ["NSP"]
    created = audit_rows(action="create", object_type="User", object_id=str(user.id))
    assert len(created) == 1
    assert created[0].user_email == admin_client.user.email
    assert created[0].changes["role"] == [None, "auditor"]
    assert created[0].changes["password_hash"] == ["(redacted)", "(redacted)"]
    assert NEW_PASSWORD not in str(created[0].changes)
    new_client = app.test_client()
    assert sign_in(new_client, "new.person@example.org", NEW_PASSWORD).status_code == 302


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"email": ""}, "Enter an email address"),
        ({"email": "not-an-email"},
         "Enter an email address in the correct format, like name@example.org"),
        ({"full_name": "   "}, "Enter the user's full name"),
        ({"role": ""}, "Select a role"),
        ({"role": "superuser"}, "Select a role from the list"),
        ({"partnerships": []}, "Select at least one partnership"),
        ({"password": ""}, "Enter a password"),
        ({"password": "short"}, "Password must be 12 characters or more"),
        ({"password": "new.person-is-my-password"},
         "Password must not contain your email address"),
    ],
)
def test_adding_a_user_with_bad_input_saves_nothing(admin_client, partnership, changes, message):
    response = submit(admin_client, "/users/new", new_user_data(partnership, **changes))
    assert response.status_code == 400
    assert message in error_messages(response)
    assert db.session.scalars(sa.select(User.email)).all() == [admin_client.user.email]
    assert len(audit_rows(action="create", object_type="User")) == 1  # the admin's own


def test_bad_input_keeps_what_the_admin_typed(admin_client, partnership):
    response = submit(admin_client, "/users/new", new_user_data(partnership, password="short"))
    html = page(response)
    assert html.find("input", attrs={"name": "email"})["value"] == "new.person@example.org"
    assert html.find("input", attrs={"name": "full_name"})["value"] == "New Person"
    assert html.find("input", attrs={"name": "role", "value": "cdop_admin"}).has_attr("checked")


def test_adding_a_user_with_an_email_already_in_use_is_refused(admin_client, partnership):
    existing = make_user(Role.CDOP_ADMIN, [partnership], email="taken@example.org")
    response = submit(admin_client, "/users/new",
                      new_user_data(partnership, email="Taken@example.org"))
    assert response.status_code == 400
    assert error_messages(response) == ["A user with this email address already exists"]
    assert user_by_email("taken@example.org").id == existing.id


def test_an_admin_cannot_put_a_user_in_a_partnership_they_are_not_in(
    admin_client, partnership, other_partnership
):
    data = new_user_data(partnership, partnerships=[str(other_partnership.id)])
    response = submit(admin_client, "/users/new", data)
    assert response.status_code == 400
    assert "Select partnerships from the list" in error_messages(response)
    assert user_by_email("new.person@example.org") is None


# Editing a user ---------------------------------------------------------------------------


def test_changing_a_role_is_audited_and_ends_the_users_sessions(app, admin_client, partnership):
    doctor = make_user(Role.DESIGNATED_DOCTOR, [partnership], full_name="Dr Before")
    doctor_client = app.test_client()
    sign_in(doctor_client, doctor.email)
    response = submit(admin_client, f"/users/{doctor.id}/edit",
                      edit_data(doctor, role="auditor", full_name="Dr Renamed"))
    assert response.status_code == 302
    updated = user_by_email(doctor.email)
    assert (updated.role, updated.full_name) == ("auditor", "Dr Renamed")
    [row] = audit_rows(action="update", object_type="User", object_id=str(doctor.id),
                       user_id=admin_client.user.id)
    assert row.changes["role"] == ["designated_doctor", "auditor"]
    assert row.changes["full_name"] == ["Dr Before", "Dr Renamed"]
    assert row.user_email == admin_client.user.email
    assert doctor_client.get("/").status_code == 302


def test_changing_partnerships_ends_the_users_sessions_but_not_the_admins(
        app, admin_client, partnership, other_partnership):
    admin_client.user.partnerships.append(other_partnership)
    db.session.commit()
    doctor = make_user(Role.DESIGNATED_DOCTOR, [partnership, other_partnership])
    doctor_client = app.test_client()
    sign_in(doctor_client, doctor.email)
    assert doctor_client.get("/").status_code == 200

    response = submit(admin_client, f"/users/{doctor.id}/edit",
                      edit_data(doctor, partnerships=[str(partnership.id)]))

    assert response.status_code == 302
    assert {p.code for p in user_by_email(doctor.email).partnerships} == {"NSP"}
    assert doctor_client.get("/").status_code == 302  # signed out: sign in again
    assert admin_client.get("/users/").status_code == 200
    # A change of name only leaves their sessions alone.
    sign_in(doctor_client, doctor.email)
    submit(admin_client, f"/users/{doctor.id}/edit",
           edit_data(user_by_email(doctor.email), full_name="Dr Renamed"))
    assert doctor_client.get("/").status_code == 200


def test_an_admin_who_changes_their_own_partnerships_stays_signed_in_here_only(
        app, admin_client, partnership, other_partnership):
    me = admin_client.user
    me.partnerships.append(other_partnership)
    db.session.commit()
    elsewhere = app.test_client()
    sign_in(elsewhere, me.email)

    response = submit(admin_client, f"/users/{me.id}/edit",
                      edit_data(me, partnerships=[str(partnership.id)]))

    assert response.status_code == 302
    assert {p.code for p in user_by_email(me.email).partnerships} == {"NSP"}
    assert admin_client.get("/users/").status_code == 200
    assert elsewhere.get("/").status_code == 302


def test_edit_page_shows_the_users_current_details(admin_client, partnership):
    doctor = make_user(Role.DESIGNATED_DOCTOR, [partnership], full_name="Dr Who")
    html = page(admin_client.get(f"/users/{doctor.id}/edit"))
    assert html.find("input", attrs={"name": "full_name"})["value"] == "Dr Who"
    assert html.find("input", attrs={"name": "role", "value": "designated_doctor"}).has_attr(
        "checked")
    assert html.find("input", attrs={"name": "partnerships"}).has_attr("checked")
    assert html.find("input", attrs={"name": "active", "value": "yes"}).has_attr("checked")


def test_deactivated_users_cannot_sign_in(app, admin_client, partnership):
    member = make_user(Role.PANEL_MEMBER, [partnership])
    member_client = app.test_client()
    sign_in(member_client, member.email)
    submit(admin_client, f"/users/{member.id}/edit", edit_data(member, active="no"))
    assert user_by_email(member.email).active is False
    assert member_client.get("/").status_code == 302
    response = sign_in(app.test_client(), member.email)
    assert response.status_code == 400


def test_editing_partnerships_keeps_those_the_admin_cannot_see(
    admin_client, partnership, other_partnership
):
    third = make_partnership(code="WMP", name="Westmoor Partnership")
    admin_client.user.partnerships.append(third)
    db.session.commit()
    member = make_user(Role.PANEL_MEMBER, [partnership, other_partnership])
    response = submit(admin_client, f"/users/{member.id}/edit",
                      edit_data(member, partnerships=[str(third.id)]))
    assert response.status_code == 302
    assert {p.code for p in user_by_email(member.email).partnerships} == {"SVP", "WMP"}
    # The membership's row, and the ended sessions' (the session version is never shown; the
    # account's own version may change in the same row).
    rows = audit_rows(action="update", object_type="User", object_id=str(member.id))
    assert [row.detail for row in rows if row.detail] == [
        "Partnerships changed from NSP, SVP to SVP, WMP"]
    assert [(row.changes or {}).get("session_version") for row in rows if not row.detail] == [
        ["(redacted)", "(redacted)"]]


@pytest.mark.relative_dates
def test_users_of_other_partnerships_answer_not_found(admin_client, other_partnership):
    stranger = make_user(Role.CDOP_ADMIN, [other_partnership])
    for url in (f"/users/{stranger.id}/edit", f"/users/{stranger.id}/reset-password"):
        assert admin_client.get(url).status_code == 404
    response = submit(admin_client, f"/users/{stranger.id}/unlock", {}, page_url="/")
    assert response.status_code == 404
    response = submit(admin_client, f"/users/{stranger.id}/edit",
                      edit_data(stranger, full_name="Hijacked"), page_url="/")
    assert response.status_code == 404
    assert user_by_email(stranger.email).full_name != "Hijacked"


def test_an_admin_cannot_demote_or_deactivate_themselves(admin_client, partnership):
    me = admin_client.user
    response = submit(admin_client, f"/users/{me.id}/edit",
                      edit_data(me, role="auditor", active="no"))
    assert response.status_code == 400
    assert error_messages(response) == [
        "You cannot change your own role",
        "You cannot deactivate your own account",
    ]
    db.session.expire_all()
    assert (me.role, me.active) == ("system_admin", True)


def test_an_admin_can_rename_themselves_and_stay_signed_in(admin_client, partnership):
    me = admin_client.user
    response = submit(admin_client, f"/users/{me.id}/edit", edit_data(me, full_name="New Name"))
    assert response.status_code == 302
    assert admin_client.get("/users/").status_code == 200


def test_editing_with_bad_input_saves_nothing(admin_client, partnership):
    member = make_user(Role.PANEL_MEMBER, [partnership], full_name="Kept Name")
    response = submit(admin_client, f"/users/{member.id}/edit",
                      edit_data(member, full_name="", partnerships=[]))
    assert response.status_code == 400
    assert error_messages(response) == ["Enter the user's full name",
                                        "Select at least one partnership"]
    assert user_by_email(member.email).full_name == "Kept Name"
    assert audit_rows(action="update", object_type="User", object_id=str(member.id)) == []


# Unlocking and resetting passwords ----------------------------------------------------------


def test_unlocking_an_account_lets_the_user_sign_in(app, admin_client, partnership):
    locked = make_user(Role.CDOP_ADMIN, [partnership], failed_logins=3,
                       locked_until=utcnow() + timedelta(minutes=10))
    edit_page = page(admin_client.get(f"/users/{locked.id}/edit"))
    assert edit_page.find("button", string=lambda s: s and "Unlock account" in s) is not None
    response = submit(admin_client, f"/users/{locked.id}/unlock", {},
                      page_url=f"/users/{locked.id}/edit")
    assert response.status_code == 302
    unlocked = user_by_email(locked.email)
    assert (unlocked.locked_until, unlocked.failed_logins) == (None, 0)
    [row] = audit_rows(action="update", object_type="User", object_id=str(locked.id))
    assert row.changes["locked_until"][1] is None
    assert sign_in(app.test_client(), locked.email).status_code == 302


def test_unlock_is_post_only(admin_client, partnership):
    member = make_user(Role.CDOP_ADMIN, [partnership])
    assert admin_client.get(f"/users/{member.id}/unlock").status_code == 405


def test_resetting_a_password_ends_sessions_and_the_new_password_works(
    app, admin_client, partnership
):
    member = make_user(Role.CDOP_ADMIN, [partnership])
    member_client = app.test_client()
    sign_in(member_client, member.email)
    response = submit(admin_client, f"/users/{member.id}/reset-password",
                      {"password": NEW_PASSWORD})
    assert response.status_code == 302
    assert member_client.get("/").status_code == 302
    assert sign_in(app.test_client(), member.email, PASSWORD).status_code == 400
    assert sign_in(app.test_client(), member.email, NEW_PASSWORD).status_code == 302
    [update] = audit_rows(action="update", object_type="User", object_id=str(member.id),
                          user_id=admin_client.user.id)
    assert update.changes["password_hash"] == ["(redacted)", "(redacted)"]
    [reset] = audit_rows(action="password_change", object_id=str(member.id))
    assert reset.detail == "Reset by a system administrator"


def test_a_weak_reset_password_is_refused(admin_client, partnership):
    member = make_user(Role.CDOP_ADMIN, [partnership])
    response = submit(admin_client, f"/users/{member.id}/reset-password", {"password": "short"})
    assert response.status_code == 400
    assert error_messages(response) == ["Password must be 12 characters or more"]
    assert audit_rows(action="password_change") == []


def test_an_admin_changes_their_own_password_only_on_the_change_password_page(
    admin_client, partnership
):
    me = admin_client.user
    edit_page = admin_client.get(f"/users/{me.id}/edit")
    assert page(edit_page).find("a", string="Reset password") is None
    assert page(edit_page).find("a", string="Change your password")["href"] == "/change-password"

    response = admin_client.post(f"/users/{me.id}/reset-password", data={
        "password": NEW_PASSWORD, "csrf_token": csrf_token_from(edit_page.get_data(as_text=True))})

    assert response.status_code == 302
    assert response.headers["Location"] == "/change-password"
    assert audit_rows(action="password_change") == []
    assert sign_in(admin_client.application.test_client(), me.email, NEW_PASSWORD
                   ).status_code == 400


def _shared_user(partnership, other_partnership):
    return make_user(Role.CDOP_ADMIN, [partnership, other_partnership],
                     email="shared@example.org", full_name="Shared Person")


def test_an_admin_cannot_take_over_a_user_shared_with_another_partnership(
    admin_client, partnership, other_partnership
):
    shared = _shared_user(partnership, other_partnership)
    response = submit(admin_client, f"/users/{shared.id}/edit", {
        "full_name": "Shared Person", "role": "auditor",
        "partnerships": [str(partnership.id)], "active": "yes",
    })
    assert response.status_code == 400
    assert "You cannot change the role of a user who also works for a partnership" in (
        page(response).get_text())
    db.session.refresh(shared)
    assert shared.role == "cdop_admin"
    reset = admin_client.get(f"/users/{shared.id}/reset-password", follow_redirects=True)
    assert "You cannot reset the password" in page(reset).get_text()
    assert page(reset).find("a", string="Reset password") is None


def test_an_admin_may_still_change_a_shared_users_membership_of_their_partnership(
    admin_client, partnership, other_partnership
):
    third = make_partnership(code="TRD", name="Third Partnership")
    admin_client.user.partnerships.append(third)
    db.session.commit()
    shared = _shared_user(partnership, other_partnership)
    response = submit(admin_client, f"/users/{shared.id}/edit", {
        "full_name": "Shared Person", "role": "cdop_admin",
        "partnerships": [str(partnership.id), str(third.id)], "active": "yes",
    })
    assert response.status_code == 302
    db.session.refresh(shared)
    assert {p.code for p in shared.partnerships} == {"NSP", "SVP", "TRD"}
