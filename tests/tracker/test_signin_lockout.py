"""The lockout holds when many sign-ins for one account arrive at the same moment."""

import threading
import time

import pytest
import sqlalchemy as sa
from argon2 import PasswordHasher

from tests.factories import PASSWORD, make_partnership, make_user
from tracker import create_app
from tracker.audit import AuditEvent
from tracker.extensions import db
from tracker.models import User
from tracker.roles import Role

ATTEMPTS = 20


@pytest.fixture
def shared_app(app, tmp_path):
    """An app whose database every thread shares: a file for SQLite, the test one for PostgreSQL.

    CSRF is off: each thread posts the form once, and CSRF is not what is tested here.
    """
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    if not uri.startswith("postgresql"):
        uri = f"sqlite:///{tmp_path / 'shared.sqlite'}"
    shared = create_app({"CONFIG_CLASS": "test", "SQLALCHEMY_DATABASE_URI": uri,
                         "WTF_CSRF_ENABLED": False})
    with shared.app_context():
        db.create_all()  # the test database already has its tables on PostgreSQL
        yield shared
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def slow_argon2(monkeypatch):
    """Argon2 takes as long as in production (about 50 ms), so the attempts overlap."""
    verify = PasswordHasher.verify

    def slow_verify(self, hash, password):
        time.sleep(0.05)
        return verify(self, hash, password)

    monkeypatch.setattr(PasswordHasher, "verify", slow_verify)


def sign_in_together(app, email, passwords):
    """Post the sign-in form once per password, all threads released at the same moment."""
    start = threading.Barrier(len(passwords))
    statuses = [None] * len(passwords)

    def attempt(i, password):
        client = app.test_client()
        start.wait()
        response = client.post("/sign-in", data={"email": email, "password": password})
        statuses[i] = response.status_code

    threads = [threading.Thread(target=attempt, args=(i, p)) for i, p in enumerate(passwords)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return statuses


def audit_details(action, user):
    query = sa.select(AuditEvent.detail).where(AuditEvent.action == action,
                                               AuditEvent.user_id == user.id)
    return db.session.scalars(query).all()


def test_parallel_wrong_passwords_lock_the_account_after_exactly_the_limit(
    shared_app, slow_argon2
):
    limit = shared_app.config["LOGIN_MAX_FAILURES"]
    user = make_user(Role.CDOP_ADMIN, [make_partnership()])

    statuses = sign_in_together(shared_app, user.email, [f"guess {i}" for i in range(ATTEMPTS)])

    assert statuses == [400] * ATTEMPTS
    counted = audit_details("failed_login", user)
    assert len(counted) == limit
    assert sorted(counted) == ["Wrong password"] * (limit - 1) + [
        "Wrong password; account locked"]
    assert len(audit_details("locked_out", user)) == ATTEMPTS - limit
    db.session.expire_all()
    locked = db.session.get(User, user.id)
    assert locked.locked_until is not None
    # The right password is refused while the account is locked.
    assert sign_in_together(shared_app, user.email, [PASSWORD]) == [400]
    assert audit_details("login", user) == []


def test_the_right_password_among_parallel_guesses_cannot_reset_a_reached_limit(
    shared_app, slow_argon2
):
    limit = shared_app.config["LOGIN_MAX_FAILURES"]
    user = make_user(Role.CDOP_ADMIN, [make_partnership()])
    guesses = [f"guess {i}" for i in range(ATTEMPTS - 1)]

    statuses = sign_in_together(shared_app, user.email, [*guesses, PASSWORD])

    # The owner gets in only if their attempt came before the limit was reached; then their
    # sign-in restarted the count. Either way the account ends up locked, exactly once.
    signed_in = statuses[-1] == 302
    counted = audit_details("failed_login", user)
    assert sum(d.endswith("account locked") for d in counted) == 1
    if signed_in:
        assert limit <= len(counted) < 2 * limit
    else:
        assert len(counted) == limit
    db.session.expire_all()
    assert db.session.get(User, user.id).locked_until is not None
