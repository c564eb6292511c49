"""Rapid response (Joint Agency Response) meetings: first, second and third."""

from datetime import date, time

import sqlalchemy as sa
import sqlalchemy.orm as so

from tracker.audit import Audited
from tracker.case_records import PartnershipScoped
from tracker.extensions import db


class RapidResponseMeeting(PartnershipScoped, Audited, db.Model):
    """One rapid response meeting of a case (number 1, 2 or 3)."""

    __tablename__ = "cdr_rr_meeting"
    __audit_label__ = "number"
    __table_args__ = (sa.UniqueConstraint("case_id", "number", name="uq_cdr_rr_meeting_number"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    case_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("cdr_case.id", ondelete="CASCADE"), index=True
    )
    number: so.Mapped[int]
    meeting_on: so.Mapped[date]
    starts_at: so.Mapped[time | None]
    place_or_link: so.Mapped[str | None] = so.mapped_column(sa.String(500))
    chair: so.Mapped[str | None] = so.mapped_column(sa.String(200))
    attendees: so.Mapped[str | None] = so.mapped_column(sa.Text)
    agencies: so.Mapped[str | None] = so.mapped_column(sa.Text)
    actions: so.Mapped[str | None] = so.mapped_column(sa.Text)
    notes: so.Mapped[str | None] = so.mapped_column(sa.Text)
    # Why a date outside the window was chosen, when it was.
    outside_window_reason: so.Mapped[str | None] = so.mapped_column(sa.Text)
    held: so.Mapped[bool] = so.mapped_column(default=False)
    # The invitation's SEQUENCE: bumped each time a changed invitation or a cancellation goes.
    ics_sequence: so.Mapped[int] = so.mapped_column(default=0, server_default="0")
