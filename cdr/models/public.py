"""Notifications of a death sent through the public form (`/notify/<code>`), by people
without an account, and what a CDOP administrator decided about each (triage).

Nothing sent here is a case: `answers` holds the notify form's answers exactly as typed
(untrusted text, escaped wherever shown, never in an e-mail subject or a log line) until a
CDOP administrator opens a case from it, adds it to a case as a further notification, or
declines it (forwarding it, when it belongs to another partnership the tracker holds).

A draft is found by the hash of an unguessable token kept in the notifier's signed session
(never the answers in the cookie) and expires (`DRAFT_HOURS`).
"""

from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from tracker.audit import Audited
from tracker.case_records import PartnershipScoped
from tracker.extensions import db
from tracker.timeutil import utcnow

DRAFT = "draft"
SUBMITTED = "submitted"
NEW_CASE = "new_case"
ADDED = "added_to_case"
DECLINED = "declined"
FORWARDED = "forwarded"
STATUSES = {
    DRAFT: "Draft",
    SUBMITTED: "Waiting for triage",
    NEW_CASE: "Opened as a new case",
    ADDED: "Added to a case as a further notification",
    DECLINED: "Declined",
    FORWARDED: "Forwarded to another partnership",
}
DECLINE_REASONS = {
    "not_in_scope": "Not a child death in scope of a child death review",
    "another_area": "The death belongs to another area",
    "other": "Another reason",
}
# A key of `answers` (never a question the form asks): set when the hidden field a robot
# fills was filled. The submission is kept and triaged like any other, marked as such.
SUSPECTED = "suspected_automated"
SERIES = "PN"  # submission numbers: PN-NSP-2026-0001 (tracker.references)
DRAFT_HOURS = 4


class PublicNotification(PartnershipScoped, Audited, db.Model):
    """One notification sent through the public form, from draft to triaged."""

    __tablename__ = "cdr_public_notification"
    __table_args__ = (
        sa.UniqueConstraint("partnership_id", "reference",
                            name="uq_cdr_public_notification_reference"),
        sa.Index("ix_cdr_public_notification_queue", "partnership_id", "status",
                 "submitted_at"),
    )
    __audit_label__ = "reference"
    # The answers and the notifier's details are never copied into the audit trail.
    __audit_redact__ = frozenset({"answers", "notifier_name", "notifier_role",
                                  "notifier_organisation", "notifier_email", "token_hash",
                                  "decline_where"})

    def audit_skipped(self) -> bool:
        """An anonymous draft, saved page by page and purged when it expires, is nobody's
        record yet: only its sending (draft to submitted) and what follows are audited."""
        return self.status == DRAFT

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    # Issued on submission from the partnership's counter (series PN): unique per partnership.
    reference: so.Mapped[str | None] = so.mapped_column(sa.String(40))
    status: so.Mapped[str] = so.mapped_column(sa.String(16), default=DRAFT)
    # sha256 of the draft's token (the token itself lives only in the notifier's session).
    token_hash: so.Mapped[str | None] = so.mapped_column(sa.String(64), unique=True)
    expires_at: so.Mapped[datetime | None] = so.mapped_column(index=True)
    # The answers as posted, {field name: [strings]}: untrusted text.
    answers: so.Mapped[dict] = so.mapped_column(sa.JSON, default=dict)
    notifier_name: so.Mapped[str | None] = so.mapped_column(sa.String(200))
    notifier_role: so.Mapped[str | None] = so.mapped_column(sa.String(200))
    notifier_organisation: so.Mapped[str | None] = so.mapped_column(sa.String(200))
    notifier_email: so.Mapped[str | None] = so.mapped_column(sa.String(254))
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    submitted_at: so.Mapped[datetime | None]
    triaged_at: so.Mapped[datetime | None]
    triaged_by_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL"))
    decline_reason: so.Mapped[str | None] = so.mapped_column(sa.String(16))  # DECLINE_REASONS
    # Where it should go instead, in the administrator's words (another area not held here).
    decline_where: so.Mapped[str | None] = so.mapped_column(sa.Text)
    forwarded_to_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("partnership.id", ondelete="SET NULL"))
    # The partnership it was first sent to, when it was forwarded on.
    forwarded_from_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("partnership.id", ondelete="SET NULL"))
    case_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("cdr_case.id", ondelete="SET NULL"), index=True)

    @property
    def suspected_automated(self) -> bool:
        """The hidden field was filled (maybe a robot, maybe a person's autofill)."""
        return bool((self.answers or {}).get(SUSPECTED))


class PublicFormUse(PartnershipScoped, db.Model):
    """One use of the public form (a draft begun), counted for rate
    limits across every web worker: by the client address's hash and by partnership."""

    __tablename__ = "cdr_public_form_use"
    __table_args__ = (sa.Index("ix_cdr_public_form_use_client_at", "client_hash", "at"),
                      sa.Index("ix_cdr_public_form_use_partnership_at", "partnership_id", "at"))

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    client_hash: so.Mapped[str] = so.mapped_column(sa.String(64))
    at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
