"""The serious incident and its review: the dates that start their statutory clocks."""

from datetime import date

import sqlalchemy as sa
import sqlalchemy.orm as so

from tracker.audit import Audited
from tracker.case_records import CaseRecord
from tracker.extensions import db


class SeriousIncident(CaseRecord, Audited, db.Model):
    """A serious child safeguarding incident and the review that may follow it."""

    __tablename__ = "serious_incident"
    __audit_label__ = "reference"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
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
