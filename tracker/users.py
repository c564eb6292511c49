"""User management rules: who an administrator may manage, and the changes they can make.

Every change goes through the ORM, so the Audited mixin on User writes the audit rows in the
same transaction. Membership of partnerships lives in a link table the mixin does not see, so
changes to it are recorded here explicitly.
"""

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import abort, current_app, url_for
from markupsafe import escape

from tracker import audit, mail, two_factor
from tracker.extensions import db
from tracker.models import Partnership, User, user_partnership
from tracker.passwords import hash_password
from tracker.roles import Role
from tracker.timeutil import utcnow

ACTIVE = "Active"
LOCKED = "Locked"
DEACTIVATED = "Deactivated"


def manageable_filter(admin):
    """SQL condition: `admin` themselves, and the users sharing a partnership with them.

    A user in no partnership is nobody's to manage: were they open to every administrator,
    any of them could reset their password, or add them to their own partnership and then
    reset it, and so take the account over.
    """
    shared = sa.select(user_partnership.c.user_id).where(
        user_partnership.c.partnership_id.in_(admin.partnership_ids)
    )
    return sa.or_(User.id == admin.id, User.id.in_(shared))


def manageable_users(admin):
    """A select() of the users `admin` may manage, by name, partnerships loaded with them."""
    return (
        sa.select(User)
        .where(manageable_filter(admin))
        .options(so.selectinload(User.partnerships))
        .order_by(User.full_name, User.id)
    )


def get_manageable_or_404(admin, user_id):
    """A user `admin` may manage, or 404 (the same answer as for a user who does not exist)."""
    user = db.session.scalar(sa.select(User).where(User.id == user_id, manageable_filter(admin)))
    if user is None:
        abort(404)
    return user


def assignable_partnerships(admin):
    """The partnerships `admin` may put users in: their own."""
    return sorted(admin.partnerships, key=lambda p: p.name)


def email_taken(email):
    """Whether any user already has this email address (ignoring case)."""
    query = sa.select(User.id).where(sa.func.lower(User.email) == email.lower())
    return db.session.scalar(query) is not None


def full_name_of(email):
    """The full name of the user with this email address (ignoring case), or None."""
    query = sa.select(User.full_name).where(sa.func.lower(User.email) == email.lower())
    return db.session.scalar(query)


def status(user, now=None):
    """Active, Locked or Deactivated, as shown in the users table."""
    now = now or utcnow()
    if not user.active:
        return DEACTIVATED
    if user.locked_until is not None and user.locked_until > now:
        return LOCKED
    return ACTIVE


def create_user(*, email, full_name, role, partnership_ids, password,
                receives_escalations=False):
    """Add a new user (not committed)."""
    user = User(
        email=email.lower(),
        full_name=full_name,
        role=Role(role).value,
        password_hash=hash_password(password),
        receives_escalations=receives_escalations,
    )
    user.partnerships = _partnerships(partnership_ids)
    db.session.add(user)
    db.session.flush()  # the user's id, for the audit row about their partnerships
    codes = ", ".join(sorted(p.code for p in user.partnerships)) or "none"
    audit.record(audit.Action.UPDATE, user, detail=f"Partnerships set to {codes}")
    return user


def kept_partnerships(admin, user):
    """The user's partnerships that `admin` cannot see: an edit leaves them alone."""
    return [p for p in user.partnerships if p.id not in admin.partnership_ids]


def fully_managed(admin, user):
    """Whether `admin` may act on `user`'s account, not only on their membership.

    Only when the user is the admin, or has at least one partnership and every one of them
    is one of `admin`'s, may `admin` change the user's name, role, account status or password
    or unlock them: otherwise an administrator of one partnership could take over an account
    that also sees another partnership's records. For a shared user they may change only which
    of their own partnerships the user is in.
    """
    if user.id == admin.id:
        return True
    return bool(user.partnerships) and not kept_partnerships(admin, user)


def may_reset_password(admin, user):
    """Whether `admin` may set `user`'s password (and clear their failed sign-ins).

    Never their own: an administrator changes their own password on the change-password page,
    which asks for the current one, so a borrowed session cannot take the account over.
    """
    return user.id != admin.id and fully_managed(admin, user)


def may_unlock(admin, user):
    """Whether `admin` may clear `user`'s lockout and failed sign-in count.

    Not their own: the count also holds wrong current passwords on the change-password page,
    and resetting it would let someone in a borrowed session keep guessing.
    """
    return may_reset_password(admin, user)


def shared_user_problems(admin, user, *, full_name, role, active, receives_escalations=None):
    """Errors for changes `admin` may not make to a user shared with another partnership.

    Escalations too: the flag applies in every partnership the user is in.
    """
    if fully_managed(admin, user):
        return {}
    problems = {}
    message = ("You cannot change the {} of a user who also works for a partnership "
               "you are not part of")
    if full_name != user.full_name:
        problems["full_name"] = message.format("name")
    if Role(role).value != user.role:
        problems["role"] = message.format("role")
    if active != user.active:
        problems["active"] = message.format("account status")
    if receives_escalations is not None and receives_escalations != user.receives_escalations:
        problems["receives_escalations"] = message.format("escalations")
    return problems


def partnerships_summary(admin, user):
    """The user's partnerships as `admin` may see them: names of shared ones, a count of others."""
    names = [p.name for p in user.partnerships if p.id in admin.partnership_ids]
    others = len(user.partnerships) - len(names)
    if others:
        names.append(f"{others} other partnership{'s' if others > 1 else ''}")
    return ", ".join(names) or "None"


def update_user(admin, user, *, full_name, role, partnership_ids, active,
                receives_escalations=None):
    """Apply an administrator's edit (not committed); a new role, other partnerships or
    deactivation end the user's sessions (their session version changes), so what they may
    see is read afresh at their next sign-in. The view keeps the administrator's own session
    when they edit themselves.

    `receives_escalations` None leaves the manager flag as it is.
    """
    # Read first: the changes below then go in one flush, so one audit row.
    new = kept_partnerships(admin, user) + _partnerships(partnership_ids)
    if role != user.role or (user.active and not active) or \
            {p.id for p in new} != {p.id for p in user.partnerships}:
        user.session_version += 1
    user.full_name = full_name
    user.role = Role(role).value
    user.active = active
    if receives_escalations is not None:
        user.receives_escalations = receives_escalations
    _set_partnerships(user, new)


def unlock(user):
    """Let a locked-out user try to sign in again (not committed)."""
    user.locked_until = None
    user.failed_logins = 0


def reset_password(user, password):
    """Set a new password chosen by an administrator and end the user's sessions."""
    user.password_hash = hash_password(password)
    user.session_version += 1
    user.failed_logins = 0
    user.locked_until = None
    audit.record(audit.Action.PASSWORD_CHANGE, user, detail="Reset by a system administrator")


def reset_two_factor(user, now=None):
    """Remove a user's second factor and recovery codes (a system administrator's reset), sign
    them out everywhere and tell them by e-mail; they set it up again at their next sign-in.
    False (and nothing done) when they had none. Not committed."""
    if not two_factor.remove(user):
        return False
    user.session_version += 1
    audit.record(audit.Action.TWO_FACTOR_RESET, user,
                 detail="Two-factor sign-in reset by a system administrator")
    service = current_app.config["SERVICE_NAME"]
    sign_in = mail.absolute_url(url_for("auth.login"))
    lines = [
        f"A system administrator has reset the two-factor sign-in of your account on the "
        f"{service}, and you have been signed out.",
        "The next time you sign in, you will be asked to set it up again with your "
        "authenticator app. Your old recovery codes no longer work.",
        "If you did not ask for this, tell your system administrator or your IT security "
        "team now.",
    ]
    mail.queue(
        kind="second_factor", to_address=user.email, recipient_id=user.id,
        subject=f"{service}: your two-factor sign-in was reset",
        text_body="\n\n".join([*lines, f"Sign in: {sign_in}"]) + "\n",
        html_body="".join(f"<p>{escape(line)}</p>" for line in lines)
        + f'<p><a href="{escape(sign_in)}">Sign in</a></p>',
        now=now)
    return True


def _partnerships(ids):
    """Partnerships by id, in name order."""
    if not ids:
        return []
    query = sa.select(Partnership).where(Partnership.id.in_(ids)).order_by(Partnership.name)
    return list(db.session.scalars(query))


def _set_partnerships(user, partnerships):
    """Change a user's partnerships, recording the change in the audit trail."""
    old = sorted(p.code for p in user.partnerships)
    new = sorted(p.code for p in partnerships)
    if old == new:
        return
    user.partnerships = partnerships
    detail = f"Partnerships changed from {', '.join(old) or 'none'} to {', '.join(new) or 'none'}"
    audit.record(audit.Action.UPDATE, user, detail=detail)
