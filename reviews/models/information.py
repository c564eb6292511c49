"""A practice review's request for information to an agency of the partnership's directory,
for the rapid review or the local review of an incident, sent to one of its contacts as a
personal link (tracker.agency_links, owner_type "reviews_information_request"); the agency
answers with a written response (tracker.agency_access)."""

from datetime import date, datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from tracker.audit import Audited
from tracker.case_records import PartnershipScoped
from tracker.extensions import db
from tracker.timeutil import utcnow

INFORMATION_STAGES = {"rapid_review": "Rapid review", "local_review": "Local review"}
SENT, RETURNED, ACCEPTED, QUERIED = "sent", "returned", "accepted", "queried"
INFORMATION_STATUSES = {SENT: "Sent", RETURNED: "Returned, awaiting review",
                        ACCEPTED: "Accepted", QUERIED: "Queried"}


class InformationRequest(PartnershipScoped, Audited, db.Model):
    """What the business unit asks an agency for, by when, and where its answer stands."""

    __tablename__ = "reviews_information_request"
    __audit_label__ = "stage"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    incident_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("serious_incident.id", ondelete="CASCADE"), index=True)
    agency_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("agency.id"), index=True)
    stage: so.Mapped[str] = so.mapped_column(sa.String(16))  # INFORMATION_STAGES
    asked: so.Mapped[str] = so.mapped_column(sa.Text)
    # Set by the business unit: not a statutory deadline (none is set for an answer).
    due_on: so.Mapped[date]
    status: so.Mapped[str] = so.mapped_column(sa.String(16), default=SENT)
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    created_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("user.id"))
    # When the agency sent its written response (last), and the day the business unit
    # accepted it.
    returned_at: so.Mapped[datetime | None]
    accepted_on: so.Mapped[date | None]
    # When the business unit paused chasing the agency by e-mail (tracker.agency_chasing);
    # None while it is chased. Who paused it is in the audit trail.
    chasing_paused_at: so.Mapped[datetime | None]
