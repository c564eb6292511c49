"""Two administrators editing one user: the second save, made on the page as it was before
the first, is refused naming the first administrator and what they changed; the user
signing in meanwhile does not make the page stale, nor count as a change."""

from tests.conftest import Page, sign_in
from tests.factories import make_user
from tracker.extensions import db
from tracker.models import User
from tracker.roles import Role


def opened(client, user):
    page = Page(client.get(f"/users/{user.id}/edit"))
    return {"csrf_token": page.html.select_one("input[name=csrf_token]")["value"],
            "version": page.html.select_one("input[name=version]")["value"]}


def answers(user, partnership, **changes):
    return {"full_name": user.full_name, "role": user.role, "active": "yes",
            "partnerships": [str(partnership.id)], **changes}


def test_a_stale_user_save_names_the_other_administrator(app, admin_client, partnership):
    doctor = make_user(Role.DESIGNATED_DOCTOR, [partnership], full_name="Dr Before")
    other_admin = make_user(Role.SYSTEM_ADMIN, [partnership], full_name="Ada Otheradmin")
    other_client = app.test_client()
    assert sign_in(other_client, other_admin.email).status_code == 302
    url = f"/users/{doctor.id}/edit"
    mine, theirs = opened(admin_client, doctor), opened(other_client, doctor)

    assert other_client.post(url, data={**theirs, **answers(
        doctor, partnership, full_name="Dr Renamed")}).status_code == 302
    # The doctor signs in: their account row changes, but no one edited it.
    assert sign_in(app.test_client(), doctor.email).status_code == 302
    response = admin_client.post(url, data={**mine, **answers(
        doctor, partnership, full_name="Dr Before", role="auditor")})

    assert response.status_code == 409
    [message] = Page(response).errors
    assert message.startswith("Ada Otheradmin changed this user (Full name) on ")
    db.session.expire_all()
    stored = db.session.get(User, doctor.id)
    assert (stored.full_name, stored.role) == ("Dr Renamed", "designated_doctor")


def test_signing_in_does_not_make_an_open_form_stale(app, admin_client, partnership):
    doctor = make_user(Role.DESIGNATED_DOCTOR, [partnership], full_name="Dr Who")
    mine = opened(admin_client, doctor)
    assert sign_in(app.test_client(), doctor.email).status_code == 302

    response = admin_client.post(f"/users/{doctor.id}/edit", data={**mine, **answers(
        doctor, partnership, full_name="Dr Renamed")})

    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(User, doctor.id).full_name == "Dr Renamed"
