"""Personal links: a request (a child death's reporting form; a practice review's request
for information) sent to one contact of the agency directory as a link of their own.

The token is random (`secrets.token_urlsafe(32)`: 256 bits) and only its SHA-256 is stored:
the database, a backup or the audit trail never holds a usable link. A link is bound to one
request (`owner_type`, `owner_id`) and one contact, expires (`AGENCY_LINK_DAYS`, 28 by
default), can be renewed (the same link, a later expiry) or revoked, and re-sending issues a
new token and revokes the old one. `find_valid` answers a wrong, expired, revoked or
used-up token alike (None), so the agency side can give every refusal one answer.

The e-mail names the partnership, the request's reference and its due date, never the child.

Sent, renewed and revoked from a reporting-form request's page, and sent from the
several-agencies page (cdr/views/requests.py, cdr/services/request_links.py), and from a
practice review's request for information (reviews/views/information_requests.py); each
names its request in the e-mail by the `Words` its domain registers. The steps both share
are here, given the domain's owner type and request: the contacts a link may go to
(`directory_contacts`), sending to a chosen one (`send`, refusing with `Refused`), the
request's links and their states (`links_shown`, `link_of`); revoking and renewing from a
request page is tracker/views/agency_links.py. The agency side
(`/agency/<token>`, the one-time code and the agency session) is tracker.agency_access and
tracker/views/agency.py; chasing is tracker.agency_chasing. A partnership may set its own
expiry (Partnership.agency_link_days, on its settings page).
"""

import hashlib
import secrets
from datetime import datetime, timedelta
from typing import NamedTuple

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import current_app
from markupsafe import escape

from tracker import mail
from tracker.agencies import AgencyContact, DirectoryAgency
from tracker.audit import Audited
from tracker.case_records import PartnershipScoped
from tracker.extensions import db
from tracker.timeutil import format_date, utcnow

DEFAULT_DAYS = 28
# Where an agency contact opens a link (the agency side's page; the token is its only part).
AGENCY_PATH = "/agency/"

SENT, OPENED, EXPIRED, REVOKED, RETURNED = "sent", "opened", "expired", "revoked", "returned"
# Five wrong one-time codes lock a link (tracker.agency_access); sending it again issues a
# fresh one.
LOCKED = "locked"
STATE_LABELS = {SENT: "Sent", OPENED: "Opened", EXPIRED: "Expired", REVOKED: "Revoked",
                RETURNED: "Returned", LOCKED: "Locked: five wrong codes"}


class Words(NamedTuple):
    """How a kind of request is named in its e-mails and audit rows. A domain gives its own
    as `extras["agency_words"][owner_type]` (tracker.domains); a child death's reporting
    form is the default."""

    team: str = "child death review team"
    # What is asked for, and the thing the agency sends back.
    asked: str = "a reporting form"
    thing: str = "reporting form"
    about: str = "the case"
    do_online: str = "fill in the form online"


REPORTING_FORM = Words()


def words_for(owner_type: str) -> Words:
    """The words of a request of this owner type (the domain's, or the reporting form's)."""
    from tracker.domains import agency_request_words

    return agency_request_words(owner_type) or REPORTING_FORM


def token_hash(token: str) -> str:
    """The SHA-256 of a token, as stored."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class AgencyLink(PartnershipScoped, Audited, db.Model):
    """One personal link: a request sent to one directory contact."""

    __tablename__ = "agency_link"
    __audit_label__ = "owner_type"
    __audit_redact__ = frozenset({"token_hash"})
    __table_args__ = (sa.Index("ix_agency_link_owner", "owner_type", "owner_id"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    # The request it is for: cdr_agency_request (a reporting form), and later others.
    owner_type: so.Mapped[str] = so.mapped_column(sa.String(32))
    owner_id: so.Mapped[int]
    contact_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("agency_contact.id"), index=True)
    token_hash: so.Mapped[str] = so.mapped_column(sa.String(64), unique=True)
    issued_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    issued_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("user.id"))
    expires_at: so.Mapped[datetime]
    opened_at: so.Mapped[datetime | None]
    revoked_at: so.Mapped[datetime | None]
    # Why it was revoked: "revoked" by staff, or "replaced" by a link sent again.
    revoked_why: so.Mapped[str | None] = so.mapped_column(sa.String(16))
    returned_at: so.Mapped[datetime | None]
    # Wrong one-time codes entered so far, and when the fifth locked the link.
    failed_codes: so.Mapped[int] = so.mapped_column(default=0, server_default="0")
    locked_at: so.Mapped[datetime | None]

    def state(self, now: datetime) -> str:
        """What the request page says of the link."""
        if self.returned_at is not None:
            return RETURNED
        if self.revoked_at is not None:
            return REVOKED
        if self.locked_at is not None:
            return LOCKED
        if self.expires_at <= now:
            return EXPIRED
        return OPENED if self.opened_at is not None else SENT


MAX_DAYS = 90


def link_days(partnership=None) -> int:
    """How long a new or renewed link lasts: the partnership's own setting, else
    AGENCY_LINK_DAYS, 28 by default."""
    own = getattr(partnership, "agency_link_days", None)
    return own or int(current_app.config.get("AGENCY_LINK_DAYS", DEFAULT_DAYS))


def links_of(owner_type: str, owner_ids) -> list[AgencyLink]:
    """The links of these requests, newest first: one query."""
    return list(db.session.scalars(
        sa.select(AgencyLink).where(AgencyLink.owner_type == owner_type,
                                    AgencyLink.owner_id.in_(list(owner_ids)))
        .order_by(AgencyLink.issued_at.desc(), AgencyLink.id.desc())))


def issue(*, owner_type, owner_id, contact, partnership, reference, due_on, user=None,
          now=None) -> tuple[AgencyLink, str]:
    """A new link for the request to the contact, and its token (only ever in the e-mail);
    any live link of that request to that contact is revoked as replaced. The e-mail is
    queued in the same transaction (the caller commits)."""
    now = now or utcnow()
    for old in db.session.scalars(sa.select(AgencyLink).where(
            AgencyLink.owner_type == owner_type, AgencyLink.owner_id == owner_id,
            AgencyLink.contact_id == contact.id, AgencyLink.revoked_at.is_(None),
            AgencyLink.returned_at.is_(None))):
        old.revoked_at, old.revoked_why = now, "replaced"
    token = secrets.token_urlsafe(32)
    link = AgencyLink(owner_type=owner_type, owner_id=owner_id, contact_id=contact.id,
                      partnership_id=partnership.id, token_hash=token_hash(token),
                      issued_at=now, issued_by_id=getattr(user, "id", None),
                      expires_at=now + timedelta(days=link_days(partnership)))
    db.session.add(link)
    _queue_email(link, token, contact, partnership, reference, due_on, now)
    return link, token


def _queue_email(link, token, contact, partnership, reference, due_on, now):
    """The link's e-mail: the partnership, the reference and the due date; never the child."""
    url = mail.absolute_url(AGENCY_PATH + token)
    due = format_date(due_on) if due_on else "as soon as you can"
    expires = format_date(link.expires_at.date())
    words = words_for(link.owner_type)
    subject = f"{partnership.name}: {words.asked} is requested ({reference})"
    text = (f"Dear {contact.name},\n\n"
            f"{partnership.name}'s {words.team} asks your agency for {words.asked} "
            f"about {words.about} with reference {reference}. It is due by {due}.\n\n"
            f"Open your personal link to see the request and {words.do_online}:\n{url}\n\n"
            "When you open it we will send a one-time code to this address: the link alone "
            "shows nothing. Do not forward this e-mail.\n\n"
            f"The link works until {expires}.\n")
    html = (f"<p>Dear {_escape(contact.name)},</p>"
            f"<p>{_escape(partnership.name)}'s {_escape(words.team)} asks your agency for "
            f"{_escape(words.asked)} about {_escape(words.about)} with reference "
            f"{_escape(reference)}. It is due by {_escape(due)}.</p>"
            f'<p><a href="{_escape(url)}">Open your personal link</a> to see the request and '
            f"{_escape(words.do_online)}.</p>"
            "<p>When you open it we will send a one-time code to this address: the link alone "
            "shows nothing. Do not forward this e-mail.</p>"
            f"<p>The link works until {_escape(expires)}.</p>")
    mail.queue(kind="agency_link", to_address=contact.email, subject=subject, text_body=text,
               html_body=html, partnership_id=partnership.id, now=now)


def _escape(value) -> str:
    return str(escape(value))


def find_valid(token, now=None) -> AgencyLink | None:
    """The live link a token opens, or None for a wrong, expired, revoked or used-up token
    alike (one indexed read whatever the token)."""
    if not isinstance(token, str) or not 20 <= len(token) <= 100:
        return None
    link = db.session.scalar(sa.select(AgencyLink).where(
        AgencyLink.token_hash == token_hash(token)))
    now = now or utcnow()
    if link is None or link.state(now) not in (SENT, OPENED):
        return None
    return link


def revoke(link, now=None) -> None:
    """Stop the link working (staff); a returned or revoked link stays as it is."""
    if link.revoked_at is None and link.returned_at is None:
        link.revoked_at, link.revoked_why = now or utcnow(), "revoked"


def revoke_all(owner_type: str, owner_ids, why: str, now=None) -> int:
    """Stop every live link of these owners (a case transferred or closed): a link must not
    open a case that is no longer the sending partnership's, or no longer asks for anything.
    Returns how many (no commit)."""
    table = AgencyLink.__table__
    result = db.session.execute(
        sa.update(table).where(table.c.owner_type == owner_type,
                               table.c.owner_id.in_(owner_ids),
                               table.c.revoked_at.is_(None), table.c.returned_at.is_(None))
        .values(revoked_at=now or utcnow(), revoked_why=why[:16]))
    return result.rowcount


def renew(link, now=None) -> None:
    """Give a live or expired link a new expiry from now (the same token); a revoked or
    returned one is sent again instead (issue)."""
    if link.revoked_at is not None or link.returned_at is not None:
        raise ValueError("A revoked or returned link is sent again, not renewed")
    from tracker.models import Partnership

    partnership = db.session.get(Partnership, link.partnership_id)
    link.expires_at = (now or utcnow()) + timedelta(days=link_days(partnership))


# --- The steps of a request page (each domain gives its owner type and request) ---------------


class Refused(Exception):
    """A contact the rules refuse a link to; the message is for the form."""


def directory_contacts(partnership_id) -> list[tuple[AgencyContact, DirectoryAgency]]:
    """The active contacts of the partnership's agency directory (those a new link may go
    to), by agency then name: one query."""
    return list(db.session.execute(
        sa.select(AgencyContact, DirectoryAgency)
        .join(DirectoryAgency, DirectoryAgency.id == AgencyContact.agency_id)
        .where(AgencyContact.partnership_id == partnership_id,
               AgencyContact.active.is_(True))
        .order_by(DirectoryAgency.name_key, AgencyContact.name, AgencyContact.id)))


def chosen_contact(contact_id, partnership_id, agency_id=None) -> AgencyContact:
    """The active directory contact of the partnership (and, when given, of that agency) a
    form names; Refused otherwise."""
    contact = db.session.get(AgencyContact, contact_id) if contact_id else None
    if (contact is None or contact.partnership_id != partnership_id
            or (agency_id is not None and contact.agency_id != agency_id)):
        raise Refused("Select a contact from the agency directory" if agency_id is None
                      else "Select a contact of the agency asked")
    if not contact.active:
        raise Refused(f"{contact.name} is no longer an active contact: select another")
    return contact


def send(*, owner_type, owner_id, contact_id, partnership_id, reference, due_on, user,
         agency_id=None, now=None) -> tuple[AgencyLink, AgencyContact]:
    """Send the request to a contact of its partnership (again: the old link stops working),
    as `issue` does; Refused for any other contact (chosen_contact)."""
    from tracker.models import Partnership

    contact = chosen_contact(contact_id, partnership_id, agency_id)
    link, _token = issue(owner_type=owner_type, owner_id=owner_id, contact=contact,
                         partnership=db.session.get(Partnership, partnership_id),
                         reference=reference, due_on=due_on, user=user, now=now)
    return link, contact


def link_of(owner_type: str, owner_id: int, link_id) -> AgencyLink | None:
    """One of this request's links, or None."""
    link = db.session.get(AgencyLink, link_id) if link_id else None
    if link is None or link.owner_type != owner_type or link.owner_id != owner_id:
        return None
    return link


def links_shown(owner_type: str, owner_id: int, now):
    """(link, contact, agency, state label) of each of the request's links, newest first:
    one query."""
    rows = db.session.execute(
        sa.select(AgencyLink, AgencyContact, DirectoryAgency)
        .join(AgencyContact, AgencyContact.id == AgencyLink.contact_id)
        .join(DirectoryAgency, DirectoryAgency.id == AgencyContact.agency_id)
        .where(AgencyLink.owner_type == owner_type, AgencyLink.owner_id == owner_id)
        .order_by(AgencyLink.issued_at.desc(), AgencyLink.id.desc()))
    return [(link, contact, agency, STATE_LABELS[link.state(now)])
            for link, contact, agency in rows]
