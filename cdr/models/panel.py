"""CDOP meetings, the cases on their agenda, and actions from a review."""

from datetime import date, time

import sqlalchemy as sa
import sqlalchemy.orm as so

from tracker.audit import Audited
from tracker.case_records import PartnershipScoped
from tracker.extensions import db
from tracker.versioning import Versioned


class PanelMeeting(PartnershipScoped, Audited, db.Model):
    """A CDOP meeting of one partnership."""

    __tablename__ = "cdr_panel_meeting"
    __audit_label__ = "meeting_on"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    meeting_on: so.Mapped[date] = so.mapped_column(index=True)
    starts_at: so.Mapped[time | None]
    place_or_link: so.Mapped[str | None] = so.mapped_column(sa.String(500))
    notes: so.Mapped[str | None] = so.mapped_column(sa.Text)
    # The invitation's SEQUENCE: bumped each time a changed invitation or a cancellation goes.
    ics_sequence: so.Mapped[int] = so.mapped_column(default=0, server_default="0")
    # A meeting recorded after it took place (a case brought in from a spreadsheet): why, and
    # by whom (the audit trail holds the same, with when).
    recorded_after_reason: so.Mapped[str | None] = so.mapped_column(sa.Text)
    # A user id without a database foreign key, as cdr_case.outcome_meeting_id (migration
    # 0028: SQLite adds a foreign key to an existing table only by rebuilding it).
    recorded_after_by_id: so.Mapped[int | None] = so.mapped_column(index=True)

    items = so.relationship("PanelItem", lazy="raise", back_populates="meeting",
                            order_by="PanelItem.position")


class PanelItem(Versioned, PartnershipScoped, Audited, db.Model):
    """A case on a panel meeting's agenda, in order."""

    __record_noun__ = "agenda item"

    __tablename__ = "cdr_panel_item"
    __audit_label__ = "case_id"
    __table_args__ = (sa.UniqueConstraint("meeting_id", "case_id", name="uq_cdr_panel_item"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    meeting_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("cdr_panel_meeting.id", ondelete="CASCADE"), index=True
    )
    case_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("cdr_case.id", ondelete="CASCADE"), index=True
    )
    position: so.Mapped[int] = so.mapped_column(default=0)

    meeting = so.relationship("PanelMeeting", lazy="raise", back_populates="items")
    case = so.relationship("ChildDeathCase", lazy="raise")

    @classmethod
    def of_its_case(cls, case=None):
        """The condition joining items to `case` (ChildDeathCase or an alias of it) that holds
        only while the case belongs to the item's partnership (the meeting's).

        A transfer takes a case off its old partnership's meetings to come; an item left on a
        meeting already held stays there as that meeting's history, and through this condition
        reaches nothing: not the agenda, its counts or buttons, nor the case's new partnership
        (its stage, its case page, its agendas)."""
        if case is None:
            from cdr.models.case import ChildDeathCase as case
        return sa.and_(case.id == cls.case_id, case.partnership_id == cls.partnership_id)


class CaseAction(PartnershipScoped, Audited, db.Model):
    """An action agreed at the panel review: who, what, by when, and when it was done."""

    __tablename__ = "cdr_action"
    __audit_label__ = "description"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    case_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("cdr_case.id", ondelete="CASCADE"), index=True
    )
    description: so.Mapped[str] = so.mapped_column(sa.Text)
    owner: so.Mapped[str] = so.mapped_column(sa.String(200))
    due_on: so.Mapped[date | None] = so.mapped_column(index=True)
    # The account reminded about the action (tracker.reminders); else the case's owner.
    owner_user_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL"), index=True)
    completed_on: so.Mapped[date | None]
    # What shows the action was done, recorded with its completion date.
    evidence: so.Mapped[str | None] = so.mapped_column(sa.Text)
