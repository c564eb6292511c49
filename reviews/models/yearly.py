"""The safeguarding partners' yearly report: published, next due, copies sent."""

from datetime import date

import sqlalchemy as sa
import sqlalchemy.orm as so

from tracker.audit import Audited
from tracker.case_records import PartnershipScoped
from tracker.deadlines import CURRENT_EDITION
from tracker.extensions import db
from tracker.versioning import Versioned


class YearlyReport(Versioned, PartnershipScoped, Audited, db.Model):
    """One published yearly report; it starts the next one's 12 months and its copies' 7 days."""

    __record_noun__ = "yearly report"

    __tablename__ = "reviews_yearly_report"
    __audit_label__ = "published_on"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    published_on: so.Mapped[date] = so.mapped_column(index=True)
    url: so.Mapped[str | None] = so.mapped_column(sa.String(500))
    # Copies to the Panel and the What Works Centre.
    copies_sent_on: so.Mapped[date | None]
    # When the next yearly report was published (met_on of this one's `yearly_report`).
    next_published_on: so.Mapped[date | None]
    rules_edition: so.Mapped[str] = so.mapped_column(sa.String(16), default=CURRENT_EDITION)
