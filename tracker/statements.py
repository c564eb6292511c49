"""The accessibility statement, the privacy notice and the cookies page (tracker/views/
statements.py): each partnership's own contacts for them, and the cookies the tracker sets.

A partnership's contacts are one row of `partnership_contacts` (none until a system
administrator first saves them), audited and versioned like any edited setting. Signed out,
the pages show the contacts of every partnership on the install, or of the one named by
`?partnership=<code>` (the footer passes the page's partnership when the page has one).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from tracker.agency_access import COOKIE as AGENCY_COOKIE
from tracker.agency_access import SESSION_IDLE_MINUTES as AGENCY_IDLE_MINUTES
from tracker.agency_links import AGENCY_PATH
from tracker.audit import Audited
from tracker.extensions import db
from tracker.models import Partnership
from tracker.timeutil import utcnow
from tracker.versioning import Versioned


class PartnershipContacts(Versioned, Audited, db.Model):
    """Who a partnership's statements name: its data protection officer, whom to ask about
    the privacy notice, where to report an accessibility problem, and its lawful basis for
    processing (the partnership's own words: the tracker asserts none)."""

    __record_noun__ = "set of contacts"

    __tablename__ = "partnership_contacts"
    __audit_label__ = "partnership_id"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    partnership_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("partnership.id", ondelete="CASCADE"), unique=True)
    data_protection_officer: so.Mapped[str | None] = so.mapped_column(sa.Text)
    privacy_contact: so.Mapped[str | None] = so.mapped_column(sa.Text)
    accessibility_email: so.Mapped[str | None] = so.mapped_column(sa.String(254))
    lawful_basis: so.Mapped[str | None] = so.mapped_column(sa.Text)
    updated_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("user.id"), index=True)
    updated_at: so.Mapped[datetime] = so.mapped_column(default=utcnow, onupdate=utcnow)

    @property
    def audit_partnership_id(self):
        """The partnership an audit row about this record belongs to."""
        return self.partnership_id


def contacts_of(partnership_id):
    """The partnership's contacts row, or None while it has given none."""
    return db.session.scalar(sa.select(PartnershipContacts).where(
        PartnershipContacts.partnership_id == partnership_id))


def listed(code=None):
    """[(partnership, its contacts or None)] by name: every partnership, or the one whose
    code is given (an empty list for an unknown code)."""
    query = (sa.select(Partnership, PartnershipContacts)
             .outerjoin(PartnershipContacts,
                        PartnershipContacts.partnership_id == Partnership.id)
             .order_by(Partnership.name, Partnership.id))
    if code is not None:
        query = query.where(Partnership.code == code)
    return [tuple(row) for row in db.session.execute(query).all()]


@dataclass(frozen=True)
class Cookie:
    """One cookie the tracker sets, as the cookies page lists it."""

    name: str
    purpose: str
    expires: str


def cookies(config):
    """Every cookie the tracker sets (tests/tracker/test_statements.py checks the list
    against the cookies the sign-in, the public form and the agency side really set).
    No analytics or tracking cookie is set."""
    hours = config["SESSION_MAX_HOURS"]
    return [
        Cookie(
            config.get("SESSION_COOKIE_NAME") or "session",
            "Keeps you signed in and protects your forms from being sent by another site "
            "(it holds your account's number, a security token, when you signed in and when "
            "you last did something, and any message to show on the next page). On the "
            "public notification form it holds only a random number naming your draft, "
            "never your answers. It is signed, so it cannot be changed without the tracker "
            "noticing.",
            f"When you sign out or close your browser; when signed in, after {hours} hours "
            f"at most, and the tracker stops accepting it after "
            f"{config['IDLE_TIMEOUT_MINUTES']} minutes without activity",
        ),
        Cookie(
            AGENCY_COOKIE,
            "Keeps an agency contact who opened a personal link and entered its one-time "
            f"code signed in to that one request (sent only to pages under {AGENCY_PATH}). "
            "It holds a random number, nothing about the child.",
            f"When you sign out or close your browser; the tracker stops accepting it after "
            f"{AGENCY_IDLE_MINUTES} minutes without activity",
        ),
    ]
