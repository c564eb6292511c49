"""The local review's work: rapid review meetings, reviewers, requests, publication delays."""

from datetime import date

import sqlalchemy as sa
import sqlalchemy.orm as so

from tracker.audit import Audited
from tracker.case_records import PartnershipScoped
from tracker.extensions import db
from tracker.versioning import Versioned

DELAY_REASONS = {
    "criminal_investigation": "Criminal investigation",
    "inquest": "Inquest",
    "prosecution": "Future prosecution",
    "other": "Other",
}


def _incident_fk():
    return so.mapped_column(sa.ForeignKey("serious_incident.id", ondelete="CASCADE"),
                            index=True)


class RapidReviewMeeting(PartnershipScoped, Audited, db.Model):
    """One meeting of the rapid review."""

    __tablename__ = "reviews_rr_meeting"
    __audit_label__ = "meeting_on"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    incident_id: so.Mapped[int] = _incident_fk()
    meeting_on: so.Mapped[date]


class Reviewer(Versioned, PartnershipScoped, Audited, db.Model):
    """A reviewer commissioned for a local review, and what the partners weighed."""

    __record_noun__ = "reviewer"

    __tablename__ = "reviews_reviewer"
    __audit_label__ = "name"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    incident_id: so.Mapped[int] = _incident_fk()
    name: so.Mapped[str] = so.mapped_column(sa.String(200), index=True)
    organisation: so.Mapped[str | None] = so.mapped_column(sa.String(200))
    # Working Together 2018 chapter 4 paragraph 31 ([003] L1466-1473).
    knowledge: so.Mapped[str | None] = so.mapped_column(sa.Text)
    research: so.Mapped[str | None] = so.mapped_column(sa.Text)
    viewpoint: so.Mapped[str | None] = so.mapped_column(sa.Text)
    communication: so.Mapped[str | None] = so.mapped_column(sa.Text)
    conflict_checked_on: so.Mapped[date | None]
    conflict_outcome: so.Mapped[str | None] = so.mapped_column(sa.Text)


class ReviewRequest(Versioned, PartnershipScoped, Audited, db.Model):
    """A written information request to an agency during a review, and its answer."""

    __record_noun__ = "written request"

    __tablename__ = "reviews_request"
    __audit_label__ = "agency"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    incident_id: so.Mapped[int] = _incident_fk()
    agency: so.Mapped[str] = so.mapped_column(sa.String(200))
    sent_on: so.Mapped[date]
    due_on: so.Mapped[date | None]
    answered_on: so.Mapped[date | None]
    summary: so.Mapped[str | None] = so.mapped_column(sa.Text)


class PublicationDelay(PartnershipScoped, Audited, db.Model):
    """A delay to publication: why, when the Panel and Secretary of State were told, new date."""

    __tablename__ = "reviews_delay"
    __audit_label__ = "reason"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    incident_id: so.Mapped[int] = _incident_fk()
    reason: so.Mapped[str] = so.mapped_column(sa.String(32))
    detail: so.Mapped[str | None] = so.mapped_column(sa.Text)
    told_panel_sos_on: so.Mapped[date | None]
    # The planned date before and after this delay: the slippage is kept.
    previous_planned_on: so.Mapped[date | None]
    revised_on: so.Mapped[date]
    recorded_on: so.Mapped[date]
