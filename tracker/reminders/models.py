"""The reminder policies partnerships edit, the reminder ledger, and the scheduler's runs."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from tracker.audit import Audited
from tracker.deadline_models import Deadline
from tracker.extensions import db
from tracker.reminders.policy import Policy
from tracker.timeutil import utcnow
from tracker.versioning import Versioned


class ReminderPolicy(Versioned, Audited, db.Model):
    """A partnership's own reminder stages for one rule (or for actions); else the default."""

    __record_noun__ = "reminder policy"

    __tablename__ = "reminder_policy"
    __table_args__ = (sa.UniqueConstraint("partnership_id", "policy_key"),)
    __audit_label__ = "policy_key"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    partnership_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("partnership.id", ondelete="CASCADE"), index=True)
    # A deadline rule's key, or a source's own key for actions (such as "cdr_action").
    policy_key: so.Mapped[str] = so.mapped_column(sa.String(64))
    before_working_days: so.Mapped[int | None]
    on_due: so.Mapped[bool] = so.mapped_column(default=True)
    overdue_daily_days: so.Mapped[int] = so.mapped_column(default=5)
    overdue_weekly: so.Mapped[bool] = so.mapped_column(default=True)
    escalate_after: so.Mapped[int | None]
    updated_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("user.id"), index=True)
    updated_at: so.Mapped[datetime] = so.mapped_column(default=utcnow, onupdate=utcnow)

    @property
    def policy(self) -> Policy:
        """The stages as a Policy."""
        return Policy(self.before_working_days, self.on_due, self.overdue_daily_days,
                      self.overdue_weekly, self.escalate_after)

    @property
    def audit_partnership_id(self):
        """The partnership an audit row about this record belongs to."""
        return self.partnership_id


class Reminder(db.Model):
    """One reminder to one person: claimed once under its unique key, then e-mailed once.

    The key is (subject, stage, recipient, day): a repeated pass, a second scheduler or a
    restart after a crash inserts the same key, which the database refuses, so nothing is
    sent twice. The row is also the in-app notice; dismissing it hides only this stage.
    It holds a case reference and a step, never a name, NHS number or date of birth.
    """

    __tablename__ = "reminder"
    __table_args__ = (
        sa.UniqueConstraint("subject_type", "subject_id", "stage", "recipient_id", "fire_date",
                            name="uq_reminder_key"),
        # The header's count and the notices page: a user's notices not dismissed, newest
        # first, counted from the index alone (the partnership too, which both filter on).
        sa.Index("ix_reminder_recipient_open", "recipient_id", "dismissed_at", "id",
                 "partnership_id"),
        # A pass reads the keys claimed since the earliest day it is about to claim.
        sa.Index("ix_reminder_fire_date", "fire_date"),
        # Reminders waiting for the next digest (a later pass's, after the day's digest).
        sa.Index("ix_reminder_held", "email_skipped",
                 postgresql_where=sa.text("email_id IS NULL"),
                 sqlite_where=sa.text("email_id IS NULL")),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    subject_type: so.Mapped[str] = so.mapped_column(sa.String(32))  # "deadline", "cdr_action"
    subject_id: so.Mapped[int]
    stage: so.Mapped[str] = so.mapped_column(sa.String(16))
    recipient_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("user.id", ondelete="CASCADE"))
    fire_date: so.Mapped[date]
    partnership_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("partnership.id", ondelete="CASCADE"))
    policy_key: so.Mapped[str] = so.mapped_column(sa.String(64))
    step: so.Mapped[str] = so.mapped_column(sa.String(300))
    reference: so.Mapped[str] = so.mapped_column(sa.String(40))
    link: so.Mapped[str] = so.mapped_column(sa.String(500))
    due_date: so.Mapped[date]
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    # The pass that claimed it (a random token): a pass reads back the rows it inserted by it,
    # since a key another pass inserted first is skipped (ON CONFLICT DO NOTHING).
    claim: so.Mapped[str] = so.mapped_column(sa.String(32), index=True)
    # The e-mail that carries it; None while paused (on leave) or before it is queued.
    email_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("outbound_email.id", ondelete="SET NULL"))
    email_skipped: so.Mapped[str | None] = so.mapped_column(sa.String(64))
    dismissed_at: so.Mapped[datetime | None]


class SchedulerRun(db.Model):
    """One run of a scheduled job: when it started and ended, what it did, when it runs next."""

    __tablename__ = "scheduler_run"
    __table_args__ = (sa.Index("ix_scheduler_run_job_started", "job", "started_at"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    job: so.Mapped[str] = so.mapped_column(sa.String(64))
    started_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    finished_at: so.Mapped[datetime | None]
    outcome: so.Mapped[str] = so.mapped_column(sa.String(16), default="running")
    summary: so.Mapped[str | None] = so.mapped_column(sa.Text)
    next_run_at: so.Mapped[datetime | None]
    # Beaten while the run is going (tracker.reminders.scheduler.record_run): a run still
    # "running" whose heartbeat has stopped died with its process, and is shown as failed.
    heartbeat_at: so.Mapped[datetime | None]


# What a pass reads back of the ledger rows it claimed (and of those held for a digest).
_LEDGER = Reminder.__table__
CLAIMED_COLUMNS = (_LEDGER.c.id, _LEDGER.c.recipient_id, _LEDGER.c.partnership_id,
                   _LEDGER.c.stage, _LEDGER.c.fire_date, _LEDGER.c.reference, _LEDGER.c.step,
                   _LEDGER.c.link, _LEDGER.c.due_date)


# --- A notice clears itself when its deadline no longer needs doing ---------------------------
# When a stored deadline is met, set aside as not applicable, paused or deleted, the notices
# about it are dismissed by the database itself, whoever made the change (a page, the bulk
# recompute, an import), so the header's count and the notices page show only work still to
# do. Its reminders held for the next digest then stay out of it (emails.held_for_digest).
_DONE = ("(NEW.met_on IS NOT NULL AND OLD.met_on IS NULL) OR "
         "(NEW.not_applicable_reason IS NOT NULL AND OLD.not_applicable_reason IS NULL) OR "
         "(NEW.paused_reason IS NOT NULL AND OLD.paused_reason IS NULL)")
_UTC_NOW = "(now() AT TIME ZONE 'utc')"
_CLEAR = ("UPDATE reminder SET dismissed_at = {now} WHERE subject_type = 'deadline' "
          "AND subject_id = {row}.id AND dismissed_at IS NULL")
CLEAR_NOTICES_DDL = {
    "sqlite": [
        "CREATE TRIGGER IF NOT EXISTS reminder_clear_when_done AFTER UPDATE OF met_on, "
        f"not_applicable_reason, paused_reason ON deadline WHEN {_DONE} "
        f"BEGIN {_CLEAR.format(now='CURRENT_TIMESTAMP', row='NEW')}; END",
        "CREATE TRIGGER IF NOT EXISTS reminder_clear_when_deleted AFTER DELETE ON deadline "
        f"BEGIN {_CLEAR.format(now='CURRENT_TIMESTAMP', row='OLD')}; END",
    ],
    "postgresql": [
        "CREATE OR REPLACE FUNCTION reminder_clear_when_done() RETURNS trigger AS $$ BEGIN "
        f"IF TG_OP = 'DELETE' THEN {_CLEAR.format(now=_UTC_NOW, row='OLD')}; "
        f"ELSIF {_DONE} THEN {_CLEAR.format(now=_UTC_NOW, row='NEW')}; END IF; "
        "RETURN NULL; END $$ LANGUAGE plpgsql",
        "CREATE OR REPLACE TRIGGER reminder_clear_when_done AFTER DELETE OR UPDATE OF met_on, "
        "not_applicable_reason, paused_reason ON deadline FOR EACH ROW "
        "EXECUTE FUNCTION reminder_clear_when_done()",
    ],
}
CLEAR_NOTICES_DROP = {
    "sqlite": ["DROP TRIGGER IF EXISTS reminder_clear_when_done",
               "DROP TRIGGER IF EXISTS reminder_clear_when_deleted"],
    "postgresql": ["DROP TRIGGER IF EXISTS reminder_clear_when_done ON deadline",
                   "DROP FUNCTION IF EXISTS reminder_clear_when_done()"],
}

for _dialect, _statements in CLEAR_NOTICES_DDL.items():
    for _statement in _statements:
        sa.event.listen(Deadline.__table__, "after_create",
                        sa.DDL(_statement).execute_if(dialect=_dialect))
