"""Recommendations of a final report and the actions that carry them out."""

from datetime import date

import sqlalchemy as sa
import sqlalchemy.orm as so

from tracker.audit import Audited
from tracker.case_records import PartnershipScoped
from tracker.extensions import db
from tracker.versioning import Versioned

ACTION_STATUSES = {"not_started": "Not started", "in_progress": "In progress",
                   "complete": "Complete"}


class Recommendation(Versioned, PartnershipScoped, Audited, db.Model):
    """One recommendation of a review's final report."""

    __record_noun__ = "recommendation"

    __tablename__ = "reviews_recommendation"
    __audit_label__ = "number"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    incident_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("serious_incident.id", ondelete="CASCADE"), index=True
    )
    number: so.Mapped[int]
    text: so.Mapped[str] = so.mapped_column(sa.Text)


class ReviewAction(Versioned, PartnershipScoped, Audited, db.Model):
    """An action for a recommendation: owning agency, named lead, due date, status, evidence."""

    __record_noun__ = "action"

    __tablename__ = "reviews_action"
    __audit_label__ = "description"
    __table_args__ = (
        # Overdue actions across reviews: open ones by due date, per partnership, in the
        # lists' (due date, id) order. Open is the index's predicate, not a column, and the id
        # ends it: PostgreSQL reads an index in the order of its columns only past columns
        # compared with `=` (not IS NULL), and holds no rowid as SQLite does; it read and
        # sorted every overdue action to show the home page's first ten.
        sa.Index("ix_reviews_action_open_due", "partnership_id", "due_on", "id",
                 postgresql_where=sa.text("completed_on IS NULL"),
                 sqlite_where=sa.text("completed_on IS NULL")),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    incident_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("serious_incident.id", ondelete="CASCADE"), index=True
    )
    recommendation_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("reviews_recommendation.id", ondelete="CASCADE"), index=True
    )
    description: so.Mapped[str] = so.mapped_column(sa.Text)
    agency: so.Mapped[str] = so.mapped_column(sa.String(200))
    lead: so.Mapped[str] = so.mapped_column(sa.String(200))
    due_on: so.Mapped[date]
    # The account reminded about the action (tracker.reminders); else the case's owner.
    owner_user_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL"), index=True)
    status: so.Mapped[str] = so.mapped_column(sa.String(16), default="not_started")
    evidence: so.Mapped[str | None] = so.mapped_column(sa.Text)
    completed_on: so.Mapped[date | None]


class ActionUpdate(PartnershipScoped, Audited, db.Model):
    """A dated progress update on an action."""

    __tablename__ = "reviews_action_update"
    __audit_label__ = "update_on"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    action_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("reviews_action.id", ondelete="CASCADE"), index=True
    )
    update_on: so.Mapped[date]
    text: so.Mapped[str] = so.mapped_column(sa.Text)
