"""Who a system administrator may act on, for every user-admin action, in one table.

The administrator is in Northshire (NSP) and Thirdshire (TRD). The users acted on:
  own      in NSP only: every action
  shared   in NSP and Southvale (SVP), which the admin is not in: only their membership of
           the admin's own partnerships may change (the rest is refused, nothing changes)
  other    in SVP only: not found
  none     in no partnership: not found (else any administrator could take the account over)
  self     the administrator: not their own role, status or lockout, and their password
           only on the change-password page
"""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from tests.conftest import csrf_token_from, page
from tests.factories import make_partnership, make_user
from tracker.audit import AuditEvent
from tracker.extensions import db
from tracker.roles import Role
from tracker.timeutil import utcnow

NEW_PASSWORD = "a brand new passphrase for the matrix"
TARGETS = ["own", "shared", "other", "none", "self"]


def _codes(user):
    return {p.code for p in user.partnerships}


def _form(user, **changes):
    """The edit form as the admin's browser would post it (only the admin's partnerships)."""
    data = {
        "version": str(user.version),  # the version the form was opened at
        "full_name": user.full_name,
        "role": user.role,
        "partnerships": [str(p.id) for p in user.partnerships if p.code in {"NSP", "TRD"}],
        "active": "yes" if user.active else "no",
    }
    return {**data, **changes}


def _edit(**changes):
    """Post the edit form with these changes (a callable is given the partnerships by code)."""
    def request(client, user, token, partnerships):
        values = {k: v(partnerships) if callable(v) else v for k, v in changes.items()}
        form = _form(user, **values)
        return client.post(f"/users/{user.id}/edit", data={**form, "csrf_token": token})
    return request


def _get(path):
    return lambda client, user, token, partnerships: client.get(path.format(id=user.id))


def _post(path, **data):
    def request(client, user, token, partnerships):
        return client.post(path.format(id=user.id), data={**data, "csrf_token": token})
    return request


def _password_changed(user):
    return db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "password_change", AuditEvent.object_id == str(user.id))) > 0


# action: (the request, whether the change happened, {target: (status, changed)})
ACTIONS = {
    "list": (
        _get("/users/"),
        lambda user, response: page(response).find("a", href=f"/users/{user.id}/edit") is not None,
        {"own": (200, True), "shared": (200, True), "other": (200, False),
         "none": (200, False), "self": (200, True)},
    ),
    "view": (
        _get("/users/{id}/edit"),
        lambda user, response: user.email in response.get_data(as_text=True),
        {"own": (200, True), "shared": (200, True), "other": (404, False),
         "none": (404, False), "self": (200, True)},
    ),
    "name": (
        _edit(full_name="Changed Name"),
        lambda user, response: user.full_name == "Changed Name",
        {"own": (302, True), "shared": (400, False), "other": (404, False),
         "none": (404, False), "self": (302, True)},
    ),
    "role": (
        _edit(role=Role.AUDITOR.value),
        lambda user, response: user.role == Role.AUDITOR.value,
        {"own": (302, True), "shared": (400, False), "other": (404, False),
         "none": (404, False), "self": (400, False)},
    ),
    "deactivate": (
        _edit(active="no"),
        lambda user, response: not user.active,
        {"own": (302, True), "shared": (400, False), "other": (404, False),
         "none": (404, False), "self": (400, False)},
    ),
    "membership": (
        # Move the user from NSP to TRD, the admin's two partnerships.
        _edit(partnerships=lambda by_code: [str(by_code["TRD"].id)]),
        lambda user, response: "TRD" in _codes(user) and "NSP" not in _codes(user),
        {"own": (302, True), "shared": (302, True), "other": (404, False),
         "none": (404, False), "self": (302, True)},
    ),
    "unlock": (
        _post("/users/{id}/unlock"),
        lambda user, response: user.locked_until is None and user.failed_logins == 0,
        {"own": (302, True), "shared": (302, False), "other": (404, False),
         "none": (404, False), "self": (302, False)},
    ),
    "reset password page": (
        _get("/users/{id}/reset-password"),
        lambda user, response: page(response).find("input", attrs={"name": "password"})
        is not None,
        {"own": (200, True), "shared": (302, False), "other": (404, False),
         "none": (404, False), "self": (302, False)},
    ),
    "reset password": (
        _post("/users/{id}/reset-password", password=NEW_PASSWORD),
        lambda user, response: _password_changed(user),
        {"own": (302, True), "shared": (302, False), "other": (404, False),
         "none": (404, False), "self": (302, False)},
    ),
}

CASES = [
    pytest.param(action, target, *expected[target], id=f"{action}-{target}")
    for action, (_, _, expected) in ACTIONS.items()
    for target in TARGETS
]


@pytest.fixture
def partnerships(admin_client, partnership, other_partnership):
    third = make_partnership(code="TRD", name="Thirdshire Partnership")
    admin_client.user.partnerships.append(third)
    db.session.commit()
    return {"NSP": partnership, "SVP": other_partnership, "TRD": third}


def _target(name, admin, partnerships):
    if name == "self":
        user = admin
    else:
        member_of = {"own": ["NSP"], "shared": ["NSP", "SVP"], "other": ["SVP"], "none": []}
        user = make_user(Role.CDOP_ADMIN, [partnerships[c] for c in member_of[name]],
                         full_name=f"Target {name}")
    user.locked_until = utcnow() + timedelta(minutes=10)
    user.failed_logins = 5
    db.session.commit()
    return user


@pytest.mark.parametrize(("action", "target", "status", "changed"), CASES)
def test_what_an_admin_may_do_to_each_user(
    admin_client, partnerships, action, target, status, changed
):
    user = _target(target, admin_client.user, partnerships)
    token = csrf_token_from(admin_client.get("/change-password").get_data(as_text=True))
    send, happened, _ = ACTIONS[action]

    response = send(admin_client, user, token, partnerships)

    assert response.status_code == status
    db.session.expire_all()
    assert happened(user, response) is changed
