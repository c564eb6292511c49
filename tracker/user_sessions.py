"""Signed-in sessions kept on the server: a user sees their own and can end any of them.

Signing in (after the second factor) adds a `user_session` row; the signed session cookie
holds its random token, the row only the token's SHA-256. Each request's user is loaded
together with the row in one query (tracker._load_user): an ended or missing row signs the
request out. `last_seen_at` is written by a single UPDATE at most once a minute.

Every change of a user's session version (a password change, an administrator's reset of the
password or second factor, a new role, deactivation) ends all their rows in the same flush
(the listener below), but the one making the change for themselves, which they keep.
Setting up the second factor ends the user's others too (`end_others`).
"""

import hashlib
import ipaddress
import re
import secrets
from datetime import datetime, timedelta

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import current_app, g, has_request_context, request, session
from flask_login import user_logged_out

from tracker import audit
from tracker.extensions import db
from tracker.models import User
from tracker.timeutil import utcnow

# The signed session's key for the token.
TOKEN = "session_token"  # noqa: S105 (a key name)
# last_seen_at is written at most this often.
TOUCH_EVERY = timedelta(minutes=1)
# How long an ended session's row is kept (its start, last use, network and browser), for
# whoever looks into an account's use; then the scheduler deletes it (sweep).
KEEP_ENDED = timedelta(days=90)


class UserSession(db.Model):
    """One signed-in session: when it began, when it was last used, roughly from where."""

    __tablename__ = "user_session"
    __table_args__ = (sa.Index("ix_user_session_user_ended", "user_id", "ended_at"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"))
    token_hash: so.Mapped[str] = so.mapped_column(sa.String(64), unique=True)
    started_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    last_seen_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    ended_at: so.Mapped[datetime | None]
    # Coarse, never the full address or User-Agent: the network (IPv4 /24, IPv6 /64) and
    # the browser's family.
    network: so.Mapped[str | None] = so.mapped_column(sa.String(64))
    browser: so.Mapped[str | None] = so.mapped_column(sa.String(32))

    user = so.relationship("User")


def token_hash(token: str) -> str:
    """The SHA-256 (hex) of a session's token: all the database keeps."""
    return hashlib.sha256(token.encode()).hexdigest()


def network_of(address) -> str | None:
    """An address as its network: 192.0.2.17 -> 192.0.2.0/24, an IPv6 one as its /64."""
    try:
        ip = ipaddress.ip_address(address or "")
    except ValueError:
        return None
    if ip.version == 6 and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    prefix = 24 if ip.version == 4 else 64
    return str(ipaddress.ip_network(f"{ip}/{prefix}", strict=False))


_BROWSERS = (("Edg", "Edge"), ("OPR", "Opera"), ("Firefox", "Firefox"),
             ("FxiOS", "Firefox"), ("CriOS", "Chrome"), ("Chrome", "Chrome"),
             ("Safari", "Safari"))


def browser_of(user_agent) -> str:
    """A User-Agent header as the browser's family ("Firefox", "Chrome"...)."""
    for token, family in _BROWSERS:
        if re.search(rf"\b{token}/", user_agent or ""):
            return family
    return "Unknown browser"


def start(user, now=None):
    """Begin a server-side session for a user who has just signed in (not committed); its
    token goes into the signed session."""
    token = secrets.token_urlsafe(32)
    now = now or utcnow()
    row = UserSession(user_id=user.id, token_hash=token_hash(token), started_at=now,
                      last_seen_at=now, network=network_of(request.remote_addr),
                      browser=browser_of(request.headers.get("User-Agent")))
    db.session.add(row)
    session[TOKEN] = token
    g.user_session = row
    return row


def load_user_with_session(user_id: int):
    """The user and their live session row for this request's token, in one query; None
    when the token is missing, unknown, another user's, or its session has ended."""
    token = session.get(TOKEN)
    if not isinstance(token, str):
        return None
    found = db.session.execute(
        sa.select(User, UserSession)
        .join(UserSession, UserSession.user_id == User.id)
        .where(User.id == user_id, UserSession.token_hash == token_hash(token),
               UserSession.ended_at.is_(None))
    ).first()
    if found is None:
        return None
    g.user_session = found[1]
    return found[0]


def current():
    """This request's session row (after the user was loaded), or None."""
    return g.get("user_session") if has_request_context() else None


def touch(now):
    """Note that the current session was used: one UPDATE, at most once a minute."""
    row = current()
    if row is None or now - row.last_seen_at < TOUCH_EVERY:
        return
    db.session.execute(sa.update(UserSession).where(UserSession.id == row.id)
                       .values(last_seen_at=now)
                       .execution_options(synchronize_session=False))
    db.session.commit()


def _timed_out(now):
    """A session nobody has used for IDLE_TIMEOUT_MINUTES, or begun SESSION_MAX_HOURS ago:
    its next request would be signed out (tracker.auth), so it is over already."""
    config = current_app.config
    return sa.or_(
        UserSession.last_seen_at < now - timedelta(minutes=config["IDLE_TIMEOUT_MINUTES"]),
        UserSession.started_at < now - timedelta(hours=config["SESSION_MAX_HOURS"]))


def live_sessions(user, now=None):
    """A user's sessions that have not ended or timed out, most recently used first (a
    browser closed without signing out ends nothing: it times out)."""
    return db.session.scalars(
        sa.select(UserSession)
        .where(UserSession.user_id == user.id, UserSession.ended_at.is_(None),
               sa.not_(_timed_out(now or utcnow())))
        .order_by(UserSession.last_seen_at.desc(), UserSession.id.desc())
    ).all()


def sweep(now) -> tuple[int, int]:
    """End the sessions that have timed out, and delete the rows of sessions ended more than
    KEEP_ENDED ago (the scheduler's frequent job; no commit): (ended, deleted)."""
    ended = db.session.execute(
        sa.update(UserSession).where(UserSession.ended_at.is_(None), _timed_out(now))
        .values(ended_at=now).execution_options(synchronize_session=False)).rowcount
    deleted = db.session.execute(
        sa.delete(UserSession).where(UserSession.ended_at < now - KEEP_ENDED)
        .execution_options(synchronize_session=False)).rowcount
    return ended, deleted


def end(row, how, now=None):
    """End one session (not committed), recorded in the audit trail (and so the security
    log)."""
    row.ended_at = now or utcnow()
    audit.record(audit.Action.SESSION_ENDED, object_type="UserSession", object_id=row.id,
                 detail=how)


def end_current_quietly(now):
    """End the current session without an audit row of its own (the caller records why:
    a timeout). Not committed."""
    row = current()
    if row is not None and row.ended_at is None:
        row.ended_at = now


def end_current(how):
    """End the session this request belongs to, if any (not committed)."""
    row = current()
    if row is not None and row.ended_at is None:
        end(row, how)


@user_logged_out.connect
def _end_on_sign_out(sender, user=None, **extra):
    """Whatever signs a request out (signing out, a timeout, a lockout, a session the second
    factor must begin again) ends its row, so a copy of the cookie stops working too. Every
    caller has committed its own changes before it signs out."""
    row = current()
    if row is None or row.id is None:
        return
    db.session.execute(sa.update(UserSession)
                       .where(UserSession.id == row.id, UserSession.ended_at.is_(None))
                       .values(ended_at=utcnow())
                       .execution_options(synchronize_session=False))
    db.session.commit()
    g.pop("user_session", None)


# Ending every session when a user's session version changes ---------------------------------

_PENDING = "user_sessions_to_end"


def _version_changed(target, value, oldvalue, initiator):
    if oldvalue is not so.attributes.NO_VALUE and oldvalue != value and target.id is not None:
        sess = so.object_session(target)
        if sess is not None:
            sess.info.setdefault(_PENDING, set()).add(target.id)
    return value


@sa.event.listens_for(so.Session, "after_flush")
def _end_sessions_of_changed_users(sess, flush_context):
    user_ids = sess.info.pop(_PENDING, None)
    if user_ids:
        _end_all_but_current(sess.connection(), user_ids)


def end_others(user) -> None:
    """End every session of the user but this request's (setting up the second factor: the
    sessions signed in by password alone end). Not committed."""
    _end_all_but_current(db.session.connection(), {user.id})


def _end_all_but_current(connection, user_ids):
    keep = current()
    ended = sa.update(UserSession).where(UserSession.user_id.in_(user_ids),
                                         UserSession.ended_at.is_(None))
    if keep is not None and keep.id is not None:
        ended = ended.where(UserSession.id != keep.id)
    connection.execute(ended.values(ended_at=utcnow()))
    from tracker import security_log

    for user_id in sorted(user_ids):
        security_log.event("sessions_ended", outcome="ended", object_type="User",
                           object_id=user_id,
                           user_id=getattr(audit._actor(), "id", None))


sa.event.listen(User.session_version, "set", _version_changed, active_history=True,
                retval=True)
