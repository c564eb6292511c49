"""Every sign-in attempt costs the same Argon2 work, so timing cannot tell which accounts exist."""

from datetime import timedelta

import pytest
from argon2 import PasswordHasher, extract_parameters

from tests.conftest import sign_in
from tests.factories import PASSWORD, make_user
from tracker.roles import Role
from tracker.timeutil import utcnow


@pytest.fixture
def argon2_calls(monkeypatch):
    """The Argon2 parameters of every hash verified, in order."""
    calls = []
    verify = PasswordHasher.verify

    def counting_verify(self, hash, password):
        calls.append(extract_parameters(hash))
        return verify(self, hash, password)

    monkeypatch.setattr(PasswordHasher, "verify", counting_verify)
    return calls


def _account(state, partnership):
    """The email address to sign in with, and the password to try, for each account state."""
    if state == "unknown":
        return "nobody@example.org", PASSWORD
    fields = {
        "deactivated": {"active": False},
        "locked": {"locked_until": utcnow() + timedelta(minutes=10)},
    }.get(state, {})
    user = make_user(Role.CDOP_ADMIN, [partnership], **fields)
    return user.email, ("not the password" if state == "wrong password" else PASSWORD)


@pytest.mark.parametrize(
    ("state", "status"),
    [("unknown", 400), ("deactivated", 400), ("locked", 400), ("wrong password", 400),
     ("right password", 302)],
)
def test_every_account_state_costs_one_argon2_check_at_the_same_cost(
    client, partnership, argon2_calls, state, status
):
    reference = extract_parameters(make_user(Role.AUDITOR, [partnership]).password_hash)
    email, password = _account(state, partnership)
    argon2_calls.clear()

    assert sign_in(client, email, password).status_code == status

    assert argon2_calls == [reference]
