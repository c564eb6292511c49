"""Signing in: password check, lockout after repeated failures, audit of every attempt."""

from datetime import timedelta

import sqlalchemy as sa
from flask import current_app, g

from tracker import audit
from tracker.extensions import db
from tracker.models import User
from tracker.passwords import hash_password, verify_password
from tracker.timeutil import utcnow

LOCKED = "locked"
BAD = "bad"
OK = "ok"


def authenticate(email, password, now=None):
    """Check a sign-in attempt; returns (outcome, user). Records the audit row, no commit."""
    now = now or utcnow()
    # FOR UPDATE: parallel attempts on one account queue up, so none of them escapes the count.
    user = db.session.scalar(
        sa.select(User).where(sa.func.lower(User.email) == email.lower()).with_for_update()
    )
    if user is not None:
        g.audit_actor = user  # changes to the account during sign-in are theirs, not "System"
    if user is None:
        verify_password(None, password)  # same cost as a real check: no user enumeration
        audit.record(audit.Action.FAILED_LOGIN, detail="Unknown email address",
                     object_type="User")
        return BAD, None
    if user.locked_until is not None and user.locked_until > now:
        audit.record(audit.Action.LOCKED_OUT, user=user, object_type="User",
                     object_id=user.id, object_label=user.email,
                     detail="Sign-in refused: account locked")
        return LOCKED, user
    if not user.active or not verify_password(user.password_hash, password):
        _register_failure(user, now)
        return (LOCKED if user.locked_until and user.locked_until > now else BAD), user
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = now
    audit.record(audit.Action.LOGIN, user=user, object_type="User", object_id=user.id,
                 object_label=user.email)
    return OK, user


def _register_failure(user, now):
    """Count a failed attempt and lock the account when the limit is reached."""
    user.failed_logins += 1
    detail = "Wrong password" if user.active else "Account deactivated"
    if user.failed_logins >= current_app.config["LOGIN_MAX_FAILURES"]:
        user.locked_until = now + timedelta(minutes=current_app.config["LOGIN_LOCKOUT_MINUTES"])
        user.failed_logins = 0
        detail += "; account locked"
    audit.record(audit.Action.FAILED_LOGIN, user=user, object_type="User", object_id=user.id,
                 object_label=user.email, detail=detail)


def register_wrong_password(user, now=None):
    """Count a wrong current password (e.g. on the change-password page); True if now locked."""
    now = now or utcnow()
    db.session.refresh(user, with_for_update=True)
    _register_failure(user, now)
    return user.locked_until is not None and user.locked_until > now


def change_password(user, new_password):
    """Set a new password and sign the user out of every other session."""
    user.password_hash = hash_password(new_password)
    user.session_version += 1
    audit.record(audit.Action.PASSWORD_CHANGE, user=user, object_type="User",
                 object_id=user.id, object_label=user.email)
