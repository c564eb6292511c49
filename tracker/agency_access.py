"""The agency side of a personal link (tracker.agency_links): the one-time code and the
agency session.

Opening a link shows nothing until the contact asks for a one-time code, which goes to the
same address in a second e-mail (so a forwarded link alone shows nothing). The code is six
random digits (`secrets`) of which only a keyed hash is kept; it lasts CODE_MINUTES, one
live code a link (asking again kills the earlier one), and is used up by the right entry.
MAX_WRONG_CODES wrong entries lock the link (the request page shows it locked; sending the
link again issues a fresh one).

The right code starts an **agency session**: a server-side row holding the link, named by a
random token in a cookie of its own (COOKIE, path AGENCY_PATH, HttpOnly, SameSite=Strict).
It is not Flask-Login and not the staff session: it ends after SESSION_IDLE_MINUTES without
a request, and as soon as its link is revoked, expires, is locked or returned. Everything the
contact does is audited under the contact (tracker.audit.act_as_agency_contact).
"""

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import current_app
from markupsafe import escape

from tracker import audit, mail
from tracker.agencies import AgencyContact
from tracker.agency_links import AGENCY_PATH, AgencyLink, find_valid, link_of, words_for
from tracker.extensions import db
from tracker.models import Partnership
from tracker.timeutil import utcnow

CODE_MINUTES = 10
MAX_WRONG_CODES = 5
SESSION_IDLE_MINUTES = 30
COOKIE = "agency_session"
# At most this many codes a link an hour: asking again and again sends no more e-mails.
CODES_AN_HOUR = 5


class AgencyCode(db.Model):
    """One one-time code sent for a link: only its keyed hash."""

    __tablename__ = "agency_code"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    link_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("agency_link.id", ondelete="CASCADE"), index=True)
    code_hash: so.Mapped[str] = so.mapped_column(sa.String(64))
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    expires_at: so.Mapped[datetime]
    # Set when the code is entered right, or when a newer code replaces it.
    used_at: so.Mapped[datetime | None]


class AgencySession(db.Model):
    """One agency session: the link it opens, named by the hash of its cookie's token."""

    __tablename__ = "agency_session"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    token_hash: so.Mapped[str] = so.mapped_column(sa.String(64), unique=True)
    link_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("agency_link.id", ondelete="CASCADE"), index=True)
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    last_seen_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    ended_at: so.Mapped[datetime | None]


DRAFT, SUBMITTED, QUERIED, ACCEPTED = "draft", "submitted", "queried", "accepted"
STATUS_LABELS = {DRAFT: "Draft", SUBMITTED: "Returned, awaiting review",
                 QUERIED: "Queried", ACCEPTED: "Accepted"}


class AgencyAnswer(db.Model):
    """The online reporting form's answers sent through one link: a draft kept between
    visits, then returned (awaiting review), queried (the link works again, the question
    shown above the form) or accepted. Bound to the link: another link (one sent again) has
    its own. Not `Audited` (its free text about the child would be copied into the trail):
    saving, sending, querying and accepting are recorded explicitly."""

    __tablename__ = "agency_answer"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    link_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("agency_link.id", ondelete="CASCADE"), unique=True)
    partnership_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("partnership.id"),
                                                      index=True)
    answers: so.Mapped[dict] = so.mapped_column(sa.JSON, default=dict)
    status: so.Mapped[str] = so.mapped_column(sa.String(16), default=DRAFT)
    saved_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    submitted_at: so.Mapped[datetime | None]
    question: so.Mapped[str | None] = so.mapped_column(sa.Text)
    reviewed_at: so.Mapped[datetime | None]
    reviewed_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("user.id"))


def answer_of(link: AgencyLink) -> AgencyAnswer | None:
    """The link's answers (draft or sent), or None."""
    return db.session.scalar(sa.select(AgencyAnswer).where(AgencyAnswer.link_id == link.id))


def answers_sent(owner_type: str, owner_id: int) -> list[tuple[AgencyLink, AgencyAnswer]]:
    """(link, answer) of each answer sent through the request's links, newest first (drafts
    are the agency's own): one query."""
    return list(db.session.execute(
        sa.select(AgencyLink, AgencyAnswer)
        .join(AgencyAnswer, AgencyAnswer.link_id == AgencyLink.id)
        .where(AgencyLink.owner_type == owner_type, AgencyLink.owner_id == owner_id,
               AgencyAnswer.status != DRAFT)
        .order_by(AgencyAnswer.id.desc())))


def awaiting_link(owner_type: str, owner_id: int, link_id) -> AgencyLink | None:
    """The request's link, named by a review form, whose sent answer awaits review; or None
    (already reviewed, or not this request's)."""
    link = link_of(owner_type, owner_id, link_id)
    answer = answer_of(link) if link is not None else None
    return link if answer is not None and answer.status == SUBMITTED else None


def save_draft(link: AgencyLink, answers: dict, now=None) -> AgencyAnswer:
    """Keep the answers as a draft of the link (the link must be live: the caller checks)."""
    now = now or utcnow()
    row = answer_of(link)
    if row is None:
        row = AgencyAnswer(link_id=link.id, partnership_id=link.partnership_id, answers={})
        db.session.add(row)
    row.answers, row.saved_at = dict(answers), now
    _record(audit.Action.UPDATE, link,
            f"Agency contact saved the {words_for(link.owner_type).thing}")
    return row


def submit(link: AgencyLink, reviewers_permission, review_path: str, now=None) -> bool:
    """Send the link's saved answers: the request is returned, awaiting review, and the link
    no longer changes it; the partnership's reviewers are e-mailed (nothing identifying).
    False, and nothing done, when there is nothing to send or it was sent already (a
    replayed submit): the link's returned_at is set by one guarded UPDATE."""
    now = now or utcnow()
    row = answer_of(link)
    if row is None or row.status == SUBMITTED:
        return False
    taken = db.session.execute(sa.update(AgencyLink).where(
        AgencyLink.id == link.id, AgencyLink.returned_at.is_(None))
        .values(returned_at=now).execution_options(synchronize_session="fetch"))
    if taken.rowcount != 1:
        return False
    row.status, row.submitted_at = SUBMITTED, now
    _record(audit.Action.UPDATE, link,
            f"Agency contact sent the {words_for(link.owner_type).thing}")
    _tell_reviewers(link, reviewers_permission, review_path, now)
    return True


def _tell_reviewers(link, permission, review_path, now):
    """E-mail the partnership's reviewers that a reporting form came back: the case
    reference is not even given, only where to look."""
    from tracker.models import User, user_partnership

    partnership = db.session.get(Partnership, link.partnership_id)
    people = db.session.scalars(sa.select(User).join(
        user_partnership, user_partnership.c.user_id == User.id).where(
        user_partnership.c.partnership_id == link.partnership_id, User.active.is_(True)))
    url = mail.absolute_url(review_path)
    thing = words_for(link.owner_type).thing
    for person in people:
        if not person.can(permission):
            continue
        text = (f"An agency has sent a {thing} through its personal link. It is "
                f"returned, awaiting your review:\n{url}\n")
        mail.queue(kind="agency_return", to_address=person.email,
                   subject=f"{partnership.name}: a {thing} is awaiting review",
                   text_body=text, html_body=f'<p>An agency has sent a {escape(thing)} '
                   f'through its personal link. It is returned, <a href="{escape(url)}">'
                   'awaiting your review</a>.</p>', recipient_id=person.id,
                   partnership_id=link.partnership_id, now=now)


def query(link: AgencyLink, question: str, user, now=None) -> None:
    """Send the answers back with a question: the same link works again (its expiry kept,
    or renewed when past), the question shown above the form, the contact e-mailed."""
    now = now or utcnow()
    row = answer_of(link)
    row.status, row.question = QUERIED, question
    row.reviewed_at, row.reviewed_by_id = now, user.id
    link.returned_at = None
    if link.expires_at <= now:
        from tracker.agency_links import renew
        renew(link, now)
    contact = db.session.get(AgencyContact, link.contact_id)
    partnership = db.session.get(Partnership, link.partnership_id)
    words = words_for(link.owner_type)
    text = (f"Dear {contact.name},\n\n{partnership.name}'s {words.team} has a "
            f"question about the {words.thing} your agency sent. Open your personal link "
            "again (the same e-mail as before) to see the question and send it "
            "again.\n")
    mail.queue(kind="agency_query", to_address=contact.email,
               subject=f"{partnership.name}: a question about your {words.thing}",
               text_body=text, html_body="".join(
                   f"<p>{escape(line)}</p>" for line in text.split("\n\n")),
               partnership_id=link.partnership_id, now=now)
    audit.record(audit.Action.UPDATE, object_type="AgencyLink", object_id=link.id,
                 object_label=link.owner_type, partnership_id=link.partnership_id,
                 detail=f"{words.thing.capitalize()} queried", user=user)


def accept(link: AgencyLink, user, now=None) -> AgencyAnswer:
    """Accept the sent answers (the domain records the request returned on their date)."""
    now = now or utcnow()
    row = answer_of(link)
    row.status, row.reviewed_at, row.reviewed_by_id = ACCEPTED, now, user.id
    audit.record(audit.Action.UPDATE, object_type="AgencyLink", object_id=link.id,
                 object_label=link.owner_type, partnership_id=link.partnership_id,
                 detail=f"{words_for(link.owner_type).thing.capitalize()} accepted",
                 user=user)
    return row


def _code_hash(link_id: int, code: str) -> str:
    """A code's hash, keyed with the app's secret (six digits alone are quickly guessed)."""
    key = current_app.config["SECRET_KEY"].encode("utf-8")
    return hmac.new(key, f"{link_id}:{code}".encode(), hashlib.sha256).hexdigest()


def _record(action, link, detail):
    audit.act_as_agency_contact(link.contact_id)
    audit.record(action, object_type="AgencyLink", object_id=link.id,
                 object_label=link.owner_type, partnership_id=link.partnership_id,
                 detail=detail)


def send_code(link: AgencyLink, now=None) -> str | None:
    """A new code for the link, e-mailed to its contact; earlier live codes stop working.
    Returns the code (only ever in the e-mail; tests read it from the mail sink), or None
    when CODES_AN_HOUR have been sent in the last hour (the page says the same either way)."""
    now = now or utcnow()
    recent = db.session.scalar(sa.select(sa.func.count()).select_from(AgencyCode).where(
        AgencyCode.link_id == link.id, AgencyCode.created_at > now - timedelta(hours=1)))
    if recent >= CODES_AN_HOUR:
        return None
    db.session.execute(sa.update(AgencyCode).where(
        AgencyCode.link_id == link.id, AgencyCode.used_at.is_(None)).values(used_at=now))
    code = f"{secrets.randbelow(10 ** 6):06d}"
    db.session.add(AgencyCode(link_id=link.id, code_hash=_code_hash(link.id, code),
                              created_at=now, expires_at=now + timedelta(minutes=CODE_MINUTES)))
    contact = db.session.get(AgencyContact, link.contact_id)
    partnership = db.session.get(Partnership, link.partnership_id)
    subject = f"{partnership.name}: your one-time code"
    text = (f"Your one-time code is {code}\n\n"
            f"Enter it on the page that asked for it. It works for {CODE_MINUTES} minutes, "
            "once. If you did not ask for it, you can ignore this e-mail.\n")
    html = (f"<p>Your one-time code is <strong>{escape(code)}</strong></p>"
            f"<p>Enter it on the page that asked for it. It works for {CODE_MINUTES} minutes, "
            "once. If you did not ask for it, you can ignore this e-mail.</p>")
    mail.queue(kind="agency_code", to_address=contact.email, subject=subject, text_body=text,
               html_body=html, partnership_id=link.partnership_id, now=now)
    _record(audit.Action.CODE_SENT, link, "One-time code sent")
    return code


def check_code(link: AgencyLink, entered: str, now=None) -> bool:
    """Whether the entered code is the link's live code (then it is used up); a wrong,
    used or expired code counts against the link, and the fifth locks it."""
    now = now or utcnow()
    entered = (entered or "").strip().replace(" ", "")
    live = db.session.scalar(sa.select(AgencyCode).where(
        AgencyCode.link_id == link.id, AgencyCode.used_at.is_(None),
        AgencyCode.expires_at > now).order_by(AgencyCode.id.desc()).limit(1))
    right = (live is not None and entered.isdigit() and len(entered) == 6
             and hmac.compare_digest(live.code_hash, _code_hash(link.id, entered)))
    if right:
        # Taken with a guarded UPDATE: two tabs entering the same code open one session.
        taken = db.session.execute(sa.update(AgencyCode).where(
            AgencyCode.id == live.id, AgencyCode.used_at.is_(None)).values(used_at=now))
        right = taken.rowcount == 1
    if right:
        if link.opened_at is None:
            link.opened_at = now
        _record(audit.Action.LOGIN, link, "One-time code entered")
        return True
    link.failed_codes = (link.failed_codes or 0) + 1
    if link.failed_codes >= MAX_WRONG_CODES:
        link.locked_at = now
        _record(audit.Action.LOCKED_OUT, link, f"Locked after {MAX_WRONG_CODES} wrong codes")
    else:
        _record(audit.Action.WRONG_CODE, link, "Wrong one-time code")
    return False


def start_session(link: AgencyLink, now=None) -> str:
    """A new agency session for the link; returns the cookie's token."""
    token = secrets.token_urlsafe(32)
    now = now or utcnow()
    db.session.add(AgencySession(token_hash=hashlib.sha256(token.encode()).hexdigest(),
                                 link_id=link.id, created_at=now, last_seen_at=now))
    return token


def session_link(token, now=None) -> AgencyLink | None:
    """The live link of a live agency session (its idle clock restarted), or None: no such
    session, idle too long, ended, or its link no longer usable."""
    if not isinstance(token, str) or not 20 <= len(token) <= 100:
        return None
    now = now or utcnow()
    row = db.session.scalar(sa.select(AgencySession).where(
        AgencySession.token_hash == hashlib.sha256(token.encode()).hexdigest()))
    if row is None or row.ended_at is not None:
        return None
    link = db.session.get(AgencyLink, row.link_id)
    if (row.last_seen_at + timedelta(minutes=SESSION_IDLE_MINUTES) <= now
            or link is None or link.state(now) not in ("sent", "opened")):
        row.ended_at = row.ended_at or now
        return None
    row.last_seen_at = now
    return link


def end_session(token, now=None) -> None:
    """End the agency session the cookie names (signing out)."""
    if isinstance(token, str) and token:
        db.session.execute(sa.update(AgencySession).where(
            AgencySession.token_hash == hashlib.sha256(token.encode()).hexdigest(),
            AgencySession.ended_at.is_(None)).values(ended_at=now or utcnow()))


__all__ = ["AGENCY_PATH", "AgencyCode", "AgencySession", "check_code", "end_session",
           "find_valid", "send_code", "session_link", "start_session"]
