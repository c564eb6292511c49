"""The `flask users` and `flask demo` commands."""

import pytest
import sqlalchemy as sa

from tests.conftest import sign_in
from tests.factories import make_user
from tracker import demo
from tracker.audit import AuditEvent
from tracker.extensions import db
from tracker.models import User
from tracker.roles import Role

PASSWORD = "a command line passphrase"


def find_user(email):
    db.session.expire_all()
    return db.session.scalar(sa.select(User).where(User.email == email))


def user_count():
    return db.session.scalar(sa.select(sa.func.count()).select_from(User))


def create(runner, *extra, email="cli.user@example.org", partnership="NSP"):
    args = ["users", "create", "--email", email, "--name", "Cli User", "--role", "cdop_admin",
            "--password", PASSWORD, *extra]
    if partnership:
        args += ["--partnership", partnership]
    return runner.invoke(args=args)


@pytest.mark.relative_dates
def test_users_create_adds_a_user_who_can_sign_in(app, runner, client, partnership):
    result = create(runner, email="Cli.User@Example.org", partnership="nsp")
    assert result.exit_code == 0, result.output
    assert "Created cli.user@example.org (CDOP administrator)." in result.output
    user = find_user("cli.user@example.org")
    assert [p.code for p in user.partnerships] == ["NSP"]
    assert sign_in(client, "cli.user@example.org", PASSWORD).status_code == 302
    assert client.get("/").status_code == 200
    row = db.session.scalar(sa.select(AuditEvent).where(
        AuditEvent.action == "create", AuditEvent.object_type == "User",
        AuditEvent.object_id == str(user.id)))
    assert row.user_id is None  # shown as "System" on the audit page


def test_users_create_refuses_an_email_already_in_use(runner, partnership):
    make_user(Role.AUDITOR, [partnership], email="cli.user@example.org")
    result = create(runner)
    assert result.exit_code != 0
    assert "A user with the email cli.user@example.org already exists." in result.output
    assert user_count() == 1


def test_users_create_refuses_an_unknown_partnership(runner, partnership):
    result = create(runner, partnership="NOPE")
    assert result.exit_code != 0
    assert "No partnership has the code 'NOPE'." in result.output
    assert find_user("cli.user@example.org") is None


def test_users_create_applies_the_password_policy(runner, partnership):
    result = runner.invoke(args=["users", "create", "--email", "weak@example.org", "--name", "W",
                                 "--role", "auditor", "--password", "short"])
    assert result.exit_code != 0
    assert "Password must be 12 characters or more" in result.output
    assert find_user("weak@example.org") is None


@pytest.mark.relative_dates
def test_set_role_changes_the_role_and_ends_the_users_sessions(app, runner, partnership):
    user = make_user(Role.CDOP_ADMIN, [partnership], email="moving@example.org")
    client = app.test_client()
    sign_in(client, user.email)
    assert client.get("/").status_code == 200
    result = runner.invoke(args=["users", "set-role", "Moving@example.org", "auditor"])
    assert result.exit_code == 0, result.output
    assert "moving@example.org is now Read-only auditor." in result.output
    assert find_user("moving@example.org").role == "auditor"
    response = client.get("/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/sign-in")
    rows = db.session.scalars(sa.select(AuditEvent).where(
        AuditEvent.action == "update", AuditEvent.object_id == str(user.id),
        AuditEvent.user_id.is_(None))).all()
    assert [r.changes["role"] for r in rows if "role" in r.changes] == [
        ["cdop_admin", "auditor"]]


def test_set_role_refuses_an_unknown_email_or_role(runner):
    unknown = runner.invoke(args=["users", "set-role", "ghost@example.org", "auditor"])
    assert unknown.exit_code != 0
    assert "No user has the email ghost@example.org." in unknown.output
    bad_role = runner.invoke(args=["users", "set-role", "ghost@example.org", "king"])
    assert bad_role.exit_code != 0
    assert "'king' is not one of" in bad_role.output


def test_demo_seed_prints_the_demo_users_once(app, runner):
    first = runner.invoke(args=["demo", "seed"])
    assert first.exit_code == 0, first.output
    assert f"password for all of them: {demo.DEMO_PASSWORD}" in first.output
    for email, _name, role, _codes in demo.DEMO_USERS:
        assert email in first.output
        assert role.label in first.output
    assert user_count() == len(demo.DEMO_USERS)
    assert sign_in(app.test_client(), "auditor@example.org", demo.DEMO_PASSWORD).status_code == 302
    second = runner.invoke(args=["demo", "seed"])
    assert second.exit_code == 0, second.output
    assert "The database already has users: no demo users added." in second.output
    assert demo.DEMO_PASSWORD not in second.output
    assert user_count() == len(demo.DEMO_USERS)
