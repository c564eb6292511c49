"""Each notification of a death, and transfers between partnerships."""

from datetime import date, datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from tracker.audit import Audited
from tracker.case_records import PartnershipScoped
from tracker.extensions import db
from tracker.timeutil import utcnow


class CaseNotification(PartnershipScoped, Audited, db.Model):
    """One notification of the death; a second one of the same death is a further one."""

    __tablename__ = "cdr_notification"
    __audit_label__ = "case_id"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    case_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("cdr_case.id", ondelete="CASCADE"), index=True
    )
    received_on: so.Mapped[date]
    source: so.Mapped[str] = so.mapped_column(sa.String(16))  # NOTIFIER_SOURCES
    notifier_name: so.Mapped[str | None] = so.mapped_column(sa.String(200))
    notifier_role: so.Mapped[str | None] = so.mapped_column(sa.String(200))
    notifier_agency: so.Mapped[str | None] = so.mapped_column(sa.String(200))
    notifier_contact: so.Mapped[str | None] = so.mapped_column(sa.String(200))
    # Free text may name people, so it stays off the anonymised pages.
    circumstances: so.Mapped[str | None] = so.mapped_column(sa.Text)
    further: so.Mapped[bool] = so.mapped_column(default=False)
    # A further notification's own answers to the rest of the form, as typed, by column
    # name (cdr.services.further_notifications): kept with it, never lost; the case keeps
    # its own. None for a first notification (its answers are the case's).
    answers: so.Mapped[dict | None] = so.mapped_column(sa.JSON)
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)


class CaseTransfer(PartnershipScoped, Audited, db.Model):
    """A case moved to the partnership responsible for it; partnership_id is the new one."""

    __tablename__ = "cdr_transfer"
    __audit_label__ = "case_id"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    case_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("cdr_case.id", ondelete="CASCADE"), index=True
    )
    from_partnership_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("partnership.id"))
    reason: so.Mapped[str] = so.mapped_column(sa.Text)
    transferred_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    transferred_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("user.id"))
