"""Signing in: password check, lockout after repeated failures, audit of every attempt.

Every attempt runs Argon2 exactly once, whatever the account's state (unknown, deactivated,
locked, wrong or right password), so the time an answer takes says nothing about the account.

The failure count is changed by single UPDATE statements whose RETURNING decides the outcome,
never by reading the count into Python and writing it back: parallel attempts on one account
(on SQLite, where there are no row locks, as on PostgreSQL) each see the count their own
increment made, so exactly LOGIN_MAX_FAILURES wrong passwords lock the account.
"""

from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app, g

from tracker import audit, two_factor
from tracker.extensions import db
from tracker.models import User
from tracker.passwords import hash_password, verify_password
from tracker.timeutil import utcnow

LOCKED = "locked"
BAD = "bad"
OK = "ok"
# The password was right; the sign-in waits for the second factor (complete_second_factor).
SECOND_FACTOR = "second_factor"


def authenticate(email, password, now=None):
    """Check a sign-in attempt; returns (outcome, user). Records the audit row, no commit."""
    now = now or utcnow()
    user = db.session.scalar(sa.select(User).where(sa.func.lower(User.email) == email.lower()))
    # Argon2 first, whatever the account's state: the same work for every answer.
    right = verify_password(user.password_hash if user else None, password)
    if user is None:
        audit.record(audit.Action.FAILED_LOGIN, detail="Unknown email address",
                     object_type="User")
        return BAD, None
    g.audit_actor = user  # changes to the account during sign-in are theirs, not "System"
    if not (right and user.active):
        return (LOCKED if _register_failure(user, now) else BAD), user
    if two_factor.is_set_up(user):
        # The failure count is cleared only once the code is right too, so wrong codes
        # count towards the lockout however often the password is entered again.
        if _is_locked(user, now):
            _record_locked_out(user)
            return LOCKED, user
        return SECOND_FACTOR, user
    if not _sign_in_if_unlocked(user, now):
        _record_locked_out(user)
        return LOCKED, user
    audit.record(audit.Action.LOGIN, user=user, object_type="User", object_id=user.id,
                 object_label=user.email)
    return OK, user


def complete_second_factor(user, code, now=None, *, recovery=False):
    """The second step of signing in: an authenticator code (or, with `recovery`, a recovery
    code) for a user whose password was right. Returns OK, BAD or LOCKED; records the audit
    rows, no commit. A wrong code counts towards the lockout as a wrong password does."""
    now = now or utcnow()
    g.audit_actor = user
    if _is_locked(user, now):
        _record_locked_out(user)
        return LOCKED
    if recovery:
        right = two_factor.use_recovery_code(user, code, now)
    else:
        right = two_factor.check_code(user, code, now)
    if not (right and user.active):
        what = "Wrong recovery code" if recovery else "Wrong or reused authenticator code"
        return LOCKED if register_wrong_code(user, now, what=what) else BAD
    if not _sign_in_if_unlocked(user, now):
        _record_locked_out(user)
        return LOCKED
    if recovery:
        audit.record(audit.Action.RECOVERY_CODE_USED, user=user, object_type="User",
                     object_id=user.id, object_label=user.email,
                     detail=f"{two_factor.recovery_codes_left(user)} recovery codes left")
    audit.record(audit.Action.LOGIN, user=user, object_type="User", object_id=user.id,
                 object_label=user.email, detail="With two-factor sign-in")
    return OK


def register_wrong_code(user, now=None, *, what="Wrong authenticator code"):
    """Count a wrong second-factor code (sign-in or set-up); True if the account is now
    locked."""
    return _register_failure(user, now or utcnow(), action=audit.Action.WRONG_CODE, what=what)


def _is_locked(user, now):
    _reload_lockout_columns(user)
    return user.locked_until is not None and user.locked_until > now


def _sign_in_if_unlocked(user, now):
    """Clear the failure count unless the account is locked (atomic); note the sign-in."""
    signed_in = db.session.execute(
        sa.update(User)
        .where(User.id == user.id, _unlocked(now))
        .values(failed_logins=0, locked_until=None)
        .returning(User.id)
        .execution_options(synchronize_session=False)
    ).first()
    _reload_lockout_columns(user)
    if signed_in is None:
        return False
    user.last_login_at = now  # through the ORM, so the audit trail records it
    return True


def _register_failure(user, now, *, action=audit.Action.FAILED_LOGIN, what="Wrong password"):
    """Count a failed attempt, locking the account at the limit; True if it is now locked.

    One UPDATE both counts and locks, and only while the account is unlocked: an attempt on a
    locked account changes nothing and is recorded as refused.
    """
    limit = current_app.config["LOGIN_MAX_FAILURES"]
    until = now + timedelta(minutes=current_app.config["LOGIN_LOCKOUT_MINUTES"])
    reaches_limit = User.failed_logins + 1 >= limit
    counted = db.session.execute(
        sa.update(User)
        .where(User.id == user.id, _unlocked(now))
        .values(
            # The count starts again after a lockout, so it is reset as the lock is set.
            failed_logins=sa.case((reaches_limit, 0), else_=User.failed_logins + 1),
            locked_until=sa.case((reaches_limit, until), else_=User.locked_until),
        )
        .returning(User.locked_until)
        .execution_options(synchronize_session=False)
    ).first()
    _reload_lockout_columns(user)
    if counted is None:
        _record_locked_out(user)
        return True
    just_locked = counted.locked_until is not None and counted.locked_until > now
    detail = what if user.active else "Account deactivated"
    audit.record(action, user=user, object_type="User", object_id=user.id,
                 object_label=user.email,
                 detail=detail + ("; account locked" if just_locked else ""))
    return just_locked


def _unlocked(now):
    """SQL condition: the account is not locked at `now`."""
    return sa.or_(User.locked_until.is_(None), User.locked_until <= now)


def _reload_lockout_columns(user):
    """The UPDATE bypassed the ORM: read these columns afresh next time they are used."""
    db.session.expire(user, ["failed_logins", "locked_until"])


def _record_locked_out(user):
    audit.record(audit.Action.LOCKED_OUT, user=user, object_type="User",
                 object_id=user.id, object_label=user.email,
                 detail="Sign-in refused: account locked")


def register_wrong_password(user, now=None):
    """Count a wrong current password (e.g. on the change-password page); True if now locked."""
    return _register_failure(user, now or utcnow())


def change_password(user, new_password):
    """Set a new password and sign the user out of every other session."""
    user.password_hash = hash_password(new_password)
    user.session_version += 1
    audit.record(audit.Action.PASSWORD_CHANGE, user=user, object_type="User",
                 object_id=user.id, object_label=user.email)


# Session lifetime ---------------------------------------------------------------------------

SIGNED_IN_AT = "signed_in_at"
LAST_SEEN = "last_seen"


def start_session(session, now):
    """Note when a session began and was last used: both limits count from here."""
    session[SIGNED_IN_AT] = session[LAST_SEEN] = now.isoformat()
    session.permanent = True


def session_end_reason(session, now, config):
    """Why a signed-in session must end now (a sentence for the user), or None if it may go on.

    A session without its times (made before they were recorded, or by anything but the
    sign-in page) is treated as expired, never as fresh.
    """
    idle_minutes, max_hours = config["IDLE_TIMEOUT_MINUTES"], config["SESSION_MAX_HOURS"]
    try:
        signed_in = datetime.fromisoformat(session[SIGNED_IN_AT])
        last_seen = datetime.fromisoformat(session[LAST_SEEN])
    except (KeyError, TypeError, ValueError):
        return "You were signed out. Sign in again to continue."
    if now - signed_in > timedelta(hours=max_hours):
        return (f"You were signed out because you signed in more than {max_hours} hours "
                "ago. Sign in again to continue.")
    if now - last_seen > timedelta(minutes=idle_minutes):
        return ("You were signed out because you had not done anything for "
                f"{idle_minutes} minutes.")
    return None
