"""Retention: how long each kind of record is kept, and its disposal once confirmed.

A **schedule** holds, per partnership and kind of record, the years a record is kept after its
basis date (a child death case after it is closed, a practice review after publication, an
e-mail after it was sent). The years default to RETENTION_DEFAULT_YEARS (a setting, with no
claimed source: each partnership's information governance lead sets its own) and are changed by
a system administrator, with the reason recorded and audited.

A daily scheduler job (`list_due`) lists the records past their date in `retention_due`; a
system administrator confirms their disposal on the retention page (`dispose`). A record is
deleted, or anonymised where the annual report and compliance figures still count it (a child
death case keeps its non-identifying row and deadlines; its identity rows go), all in one
transaction. What went stays in the audit trail as a count and the case reference only: the
kinds dispose with Core statements (tracker.disposal), so the ORM writes no per-row audit copy
of what it removed, and clear the values earlier audit rows copied (their labels too).
A **legal hold** (an inquest, litigation) stops disposal until lifted; set and lifted with a
reason, audited.

The shell knows no domain: each registers its kinds as `Domain.extras["retention"]`, a list of
RetentionKind; the shell's own kind is the e-mail ledger.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import current_app

from tracker import audit, disposal
from tracker.audit import Audited
from tracker.extensions import db
from tracker.timeutil import london_today, utcnow

HOLD_REASONS = {"inquest": "An inquest", "litigation": "Litigation", "other": "Other"}


@dataclass(frozen=True)
class RetentionKind:
    """One kind of record the schedule covers.

    `due(partnership_id, basis_before)` returns a select of (record id, reference, basis date)
    for the partnership's records whose basis date is before `basis_before`;
    `dispose(ids)` removes or anonymises those records (Core statements, one transaction, no
    commit) and returns how many rows it removed or cleared in all.
    """

    key: str
    title: str
    basis: str  # "after the case is closed"
    disposal: str  # "anonymised" or "deleted"
    due: Callable
    dispose: Callable


class RetentionRule(Audited, db.Model):
    """A partnership's years for one kind, set by a system administrator with a reason."""

    __tablename__ = "retention_rule"
    __table_args__ = (sa.UniqueConstraint("partnership_id", "kind",
                                          name="uq_retention_rule_kind"),)
    __audit_label__ = "kind"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    partnership_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("partnership.id", ondelete="CASCADE"), index=True)
    kind: so.Mapped[str] = so.mapped_column(sa.String(32))
    years: so.Mapped[int]
    reason: so.Mapped[str] = so.mapped_column(sa.String(500))
    updated_by_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL"))
    updated_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)

    @property
    def audit_partnership_id(self):
        """The partnership the audit row belongs to."""
        return self.partnership_id


class RetentionDue(Audited, db.Model):
    """A record past its date, listed by the daily job; disposed once confirmed.

    Holds the record's kind, id and reference (never a name); a disposed row stays, so the
    record is not listed again (an anonymised case keeps its row) and the page shows what went.
    """

    __tablename__ = "retention_due"
    __table_args__ = (
        sa.UniqueConstraint("kind", "record_id", name="uq_retention_due_record"),
        sa.Index("ix_retention_due_partnership", "partnership_id", "disposed_at"),
    )
    __audit_label__ = "reference"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    partnership_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("partnership.id", ondelete="CASCADE"))
    kind: so.Mapped[str] = so.mapped_column(sa.String(32))
    record_id: so.Mapped[int]
    reference: so.Mapped[str] = so.mapped_column(sa.String(64))
    due_on: so.Mapped[date]
    listed_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    # A legal hold: its reason (a key of HOLD_REASONS), who set it and when; None when none.
    hold_reason: so.Mapped[str | None] = so.mapped_column(sa.String(16))
    hold_detail: so.Mapped[str | None] = so.mapped_column(sa.String(500))
    hold_set_by_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL"))
    hold_set_at: so.Mapped[datetime | None]
    disposed_at: so.Mapped[datetime | None]
    disposed_by_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL"))
    disposed_count: so.Mapped[int | None]

    # Free text may name someone: never copied into the audit trail.
    __audit_redact__ = frozenset({"hold_detail"})

    @property
    def audit_partnership_id(self):
        """The partnership the audit row belongs to."""
        return self.partnership_id

    @property
    def held(self) -> bool:
        """Whether a legal hold stops its disposal."""
        return self.hold_reason is not None


def kinds(app=None) -> list[RetentionKind]:
    """Every kind of record the schedule covers: the shell's, then each domain's."""
    from tracker.domains import registered_domains

    found = list(SHELL_KINDS)
    for domain in registered_domains(app):
        found.extend(domain.extras.get("retention", ()))
    return found


def kind_named(key: str) -> RetentionKind | None:
    """The kind with this key, or None."""
    return next((kind for kind in kinds() if kind.key == key), None)


def default_years(key: str) -> int:
    """The years a kind is kept when the partnership has set none (RETENTION_DEFAULT_YEARS)."""
    return int(current_app.config["RETENTION_DEFAULT_YEARS"].get(key, 0))


def schedule(partnership_id: int) -> list[tuple[RetentionKind, int, RetentionRule | None]]:
    """(kind, years, rule or None when the default applies) of each kind, for one partnership."""
    rules = {rule.kind: rule for rule in db.session.scalars(
        sa.select(RetentionRule).where(RetentionRule.partnership_id == partnership_id))}
    return [(kind, rules[kind.key].years if kind.key in rules else default_years(kind.key),
             rules.get(kind.key)) for kind in kinds()]


def set_years(partnership_id: int, key: str, years: int, reason: str, user) -> RetentionRule:
    """Set a kind's years for a partnership, with the reason (audited; not committed)."""
    rule = db.session.scalar(sa.select(RetentionRule).where(
        RetentionRule.partnership_id == partnership_id, RetentionRule.kind == key))
    if rule is None:
        rule = RetentionRule(partnership_id=partnership_id, kind=key)
        db.session.add(rule)
    rule.years, rule.reason = years, reason
    rule.updated_by_id, rule.updated_at = getattr(user, "id", None), utcnow()
    db.session.flush()
    return rule


def _years_back(day: date, years: int) -> date:
    """The same day `years` earlier (29 February becomes 28 February)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def _years_on(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def is_disposed(kind: str, record_id: int) -> bool:
    """Whether this record was disposed of (anonymised): nothing new is written on it."""
    return db.session.scalar(sa.select(sa.exists().where(
        RetentionDue.kind == kind, RetentionDue.record_id == record_id,
        RetentionDue.disposed_at.is_not(None)))) or False


def list_due(today: date) -> int:
    """List every record past its date that is not listed yet (the daily job); returns how many
    were added (committed). A kind kept for 0 years is never listed (kept indefinitely)."""
    from tracker.models import Partnership

    added = 0
    due_now = set()
    listed = sa.select(RetentionDue.kind, RetentionDue.record_id)
    known = {tuple(row) for row in db.session.execute(listed)}
    for partnership_id in db.session.scalars(sa.select(Partnership.id)):
        for kind, years, _rule in schedule(partnership_id):
            if years <= 0:
                continue
            for record_id, reference, basis in db.session.execute(
                    kind.due(partnership_id, _years_back(today, years))):
                due_now.add((kind.key, record_id))
                if (kind.key, record_id) in known:
                    continue
                if isinstance(basis, datetime):
                    basis = basis.date()
                db.session.add(RetentionDue(
                    partnership_id=partnership_id, kind=kind.key, record_id=record_id,
                    reference=str(reference)[:64], due_on=_years_on(basis, years)))
                known.add((kind.key, record_id))
                added += 1
    # A listing no longer due (its case reopened, its years raised) is taken off the list,
    # unless it is on legal hold (the hold is kept with it).
    for item in db.session.scalars(sa.select(RetentionDue).where(
            RetentionDue.disposed_at.is_(None), RetentionDue.hold_reason.is_(None))):
        if (item.kind, item.record_id) not in due_now:
            drop_listing(item)
    db.session.commit()
    return added


def is_still_due(item: RetentionDue, today: date) -> bool:
    """Whether the listed record is past its date today, as the daily job would find it: a
    case reopened since it was listed, or a kind's years raised, is not (one query)."""
    kind = kind_named(item.kind)
    years = next((years for found, years, _rule in schedule(item.partnership_id)
                  if found.key == item.kind), 0)
    if kind is None or years <= 0:
        return False
    due = kind.due(item.partnership_id, _years_back(today, years)).subquery()
    return db.session.scalar(sa.select(sa.literal(True)).select_from(due).where(
        list(due.c)[0] == item.record_id).limit(1)) is True


def drop_listing(item: RetentionDue) -> None:
    """Take a record no longer due off the list (audited; not committed): the daily job lists
    it again if its date comes round again."""
    db.session.delete(item)


def waiting(partnership_ids) -> list[RetentionDue]:
    """The listed records not yet disposed in these partnerships, oldest due first."""
    return list(db.session.scalars(
        sa.select(RetentionDue).where(RetentionDue.partnership_id.in_(list(partnership_ids)),
                                      RetentionDue.disposed_at.is_(None))
        .order_by(RetentionDue.due_on, RetentionDue.id)))


def dispose(item: RetentionDue, user) -> int:
    """Dispose of one listed record (not held, not yet disposed): the kind removes or
    anonymises it, the listing is marked disposed, and the audit trail gets one row with the
    count and the reference. Not committed: the caller commits all of it at once."""
    if item.held or item.disposed_at is not None:
        raise ValueError("This record is on legal hold or already disposed of")
    if not is_still_due(item, london_today()):
        raise ValueError("This record is no longer due for disposal")
    kind = kind_named(item.kind)
    count = kind.dispose([item.record_id])
    # A legal hold's details, set or lifted, may name someone: cleared from its audit rows.
    disposal.scrub_audit(RetentionDue.__name__, [item.id], keys={"hold_detail"})
    item.disposed_at, item.disposed_by_id, item.disposed_count = (
        utcnow(), getattr(user, "id", None), count)
    audit.record(audit.Action.DELETE, object_type="RetentionDisposal", object_id=item.record_id,
                 object_label=item.reference, partnership_id=item.partnership_id, user=user,
                 detail=f"{kind.title} {item.reference} {kind.disposal} at the end of its "
                        f"retention period: {count} row{'' if count == 1 else 's'} removed")
    return count


def set_hold(item: RetentionDue, reason: str, detail: str, user) -> None:
    """Put a listed record on legal hold (audited; not committed)."""
    item.hold_reason, item.hold_detail = reason, detail
    item.hold_set_by_id, item.hold_set_at = getattr(user, "id", None), utcnow()
    audit.record(audit.Action.UPDATE, item, user=user,
                 detail=f"Legal hold set: {HOLD_REASONS[reason]}", reason=detail)


def lift_hold(item: RetentionDue, detail: str, user) -> None:
    """Lift a legal hold (audited; not committed)."""
    item.hold_reason = item.hold_detail = item.hold_set_by_id = item.hold_set_at = None
    audit.record(audit.Action.UPDATE, item, user=user, detail="Legal hold lifted",
                 reason=detail)


# --- The shell's own kind: the e-mail ledger ---------------------------------------------

def _email_due(partnership_id: int, basis_before: date):
    from tracker.mail import OutboundEmail

    sent = sa.func.coalesce(OutboundEmail.sent_at, OutboundEmail.created_at)
    return (sa.select(OutboundEmail.id, sa.literal("E-mail ") + sa.cast(OutboundEmail.id,
                                                                         sa.String), sent)
            .where(OutboundEmail.partnership_id == partnership_id,
                   sent < datetime.combine(basis_before, time.min)))


def _email_dispose(ids) -> int:
    from tracker.mail import OutboundEmail
    from tracker.reminders.models import Reminder

    # A reminder (in-app notice) keeps its row; only its link to the e-mail goes (SET NULL).
    db.session.execute(sa.update(Reminder).where(Reminder.email_id.in_(ids))
                       .values(email_id=None).execution_options(synchronize_session=False))
    return db.session.execute(sa.delete(OutboundEmail).where(OutboundEmail.id.in_(ids))
                              .execution_options(synchronize_session=False)).rowcount


SHELL_KINDS = (
    RetentionKind("email", "E-mail ledger", "after it was sent", "deleted",
                  _email_due, _email_dispose),
)
