"""The serious incident and its review: the dates that start their statutory clocks."""

from datetime import date, datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from tracker.audit import Audited
from tracker.extensions import db
from tracker.timeutil import utcnow


class SeriousIncident(Audited, db.Model):
    """A serious child safeguarding incident and the review that may follow it."""

    __tablename__ = "serious_incident"
    __audit_label__ = "reference"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    partnership_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("partnership.id"), index=True)
    # Readable, unique: CSPR-<partnership code>-<year>-<sequence>.
    reference: so.Mapped[str] = so.mapped_column(sa.String(40), unique=True)
    stage: so.Mapped[str] = so.mapped_column(sa.String(32), index=True, default="notified")
    incident_date: so.Mapped[date]
    # The local authority became aware: this, not the incident, starts the 5 working days.
    la_aware_on: so.Mapped[date] = so.mapped_column(index=True)
    child_died: so.Mapped[bool] = so.mapped_column(default=False)
    looked_after: so.Mapped[bool] = so.mapped_column(default=False)
    panel_notified_on: so.Mapped[date | None]
    partners_notified_on: so.Mapped[date | None]
    sos_ofsted_notified_on: so.Mapped[date | None]
    rapid_review_sent_on: so.Mapped[date | None]
    # "local", "national" or "none"; the decision date starts the six-month clock.
    decision: so.Mapped[str | None] = so.mapped_column(sa.String(16))
    decision_on: so.Mapped[date | None]
    planned_publication_on: so.Mapped[date | None]
    copies_sent_on: so.Mapped[date | None]
    published_on: so.Mapped[date | None]
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    updated_at: so.Mapped[datetime] = so.mapped_column(default=utcnow, onupdate=utcnow)

    @property
    def audit_partnership_id(self):
        """The partnership an audit row about this incident belongs to."""
        return self.partnership_id
