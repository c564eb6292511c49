"""The reminders admin page: the scheduler's last and next run, e-mail sent and queued today,
and failed e-mails with a retry (system administrators, their partnerships' e-mail only).

It never shows an e-mail's body: only who it went to, its subject, its tries and the error.
A retry puts the e-mail back in the queue (tracker.mail.retry); the scheduler's mail job
sends it, so no web request waits on an SMTP server.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for

from tracker import audit, mail
from tracker.extensions import db
from tracker.mail import OutboundEmail
from tracker.pagination import COUNT_CAP, page_of, pagination_params
from tracker.reminders.models import SchedulerRun
from tracker.reminders.scheduler import REMINDERS_JOB
from tracker.roles import Permission
from tracker.security import permission_required, visible_partnership_ids
from tracker.timeutil import london_midnight, to_london, utcnow

bp = Blueprint("admin", __name__, url_prefix="/admin")

# The scheduler runs the reminders job every hour from the digest hour: a run expected an hour
# ago that has not happened means the scheduler process is down.
LATE_AFTER = timedelta(hours=1)
RUNNING_TOO_LONG = timedelta(hours=2)
SHOWN_COLUMNS = (OutboundEmail.id, OutboundEmail.to_address, OutboundEmail.subject,
                 OutboundEmail.attempts, OutboundEmail.last_error, OutboundEmail.created_at,
                 OutboundEmail.partnership_id, OutboundEmail.status)


@dataclass
class SchedulerHealth:
    """The reminders job's last run, and a warning when the scheduler looks stopped."""

    last: SchedulerRun | None
    warning: str | None


def scheduler_health(last: SchedulerRun | None, now: datetime) -> SchedulerHealth:
    """Whether the last run of the reminders job is recent enough, failed or never finished.

    Late means no run since the one it expected (the recorded next run, or an hour after the
    last one) by more than an hour: 2 hours after the last run in the working day, and no
    false alarm at night, when the next run is the next morning's.
    """
    if last is None:
        return SchedulerHealth(None, "The scheduler has never run the reminders. "
                               "Start it with flask scheduler run.")
    expected = last.next_run_at or last.started_at + LATE_AFTER
    if last.finished_at is None and now - last.started_at > RUNNING_TOO_LONG:
        return SchedulerHealth(last, "The last run of the reminders started more than "
                               "2 hours ago and has not finished.")
    if now > expected + LATE_AFTER:
        return SchedulerHealth(last, "The scheduler has not run the reminders since it was "
                               "due. Check that flask scheduler run is running.")
    if last.outcome == "failed":
        return SchedulerHealth(last, "The last run of the reminders failed.")
    return SchedulerHealth(last, None)


def _last_run() -> SchedulerRun | None:
    return db.session.scalars(
        sa.select(SchedulerRun).where(SchedulerRun.job == REMINDERS_JOB)
        .order_by(SchedulerRun.started_at.desc(), SchedulerRun.id.desc()).limit(1)).first()


def _start_of_today(now: datetime) -> datetime:
    """Midnight in London today, as naive UTC (how times are stored)."""
    return london_midnight(to_london(now).date())


def email_counts(partnership_ids, now: datetime) -> dict[str, int]:
    """E-mails sent today, waiting in the queue and failed, of these partnerships (1 query)."""
    table = OutboundEmail.__table__
    since = _start_of_today(now)
    queued = table.c.status.in_([mail.PENDING, mail.SENDING])
    row = db.session.execute(
        sa.select(
            sa.func.count().filter(sa.and_(table.c.status == mail.SENT,
                                           table.c.sent_at >= since)).label("sent"),
            sa.func.count().filter(queued).label("queued"),
            sa.func.count().filter(table.c.status == mail.FAILED).label("failed"),
        ).where(table.c.partnership_id.in_(partnership_ids),
                # Both halves read an index: sent_at, and status (not "status != sent").
                sa.or_(table.c.sent_at >= since,
                       table.c.status.in_([mail.PENDING, mail.SENDING, mail.FAILED])))
    ).one()
    return {"sent": row.sent, "queued": row.queued, "failed": row.failed}


def failed_emails(partnership_ids):
    """A select of the failed e-mails of these partnerships, newest first, without bodies."""
    return (sa.select(OutboundEmail).options(so.load_only(*SHOWN_COLUMNS))
            .where(OutboundEmail.status == mail.FAILED,
                   OutboundEmail.partnership_id.in_(partnership_ids))
            .order_by(OutboundEmail.id.desc()))


@bp.route("/reminders")
@permission_required(Permission.MANAGE_PARTNERSHIP_SETTINGS)
def reminders():
    """The scheduler's last and next run, today's e-mail, and the failures to retry."""
    now = utcnow()
    ids = visible_partnership_ids()
    pagination = page_of(failed_emails(ids), count_cap=COUNT_CAP)
    return render_template(
        "tracker/admin/reminders.html",
        health=scheduler_health(_last_run(), now),
        counts=email_counts(ids, now),
        failures=pagination.items,
        failed_total=pagination.total,
        capped=pagination.capped,
        pagination=pagination_params(pagination, "admin.reminders", request.args),
        send_minutes=current_app.config["MAIL_SEND_MINUTES"],
        digest_hour=current_app.config["REMINDER_DIGEST_HOUR"],
    )


def _retry(row: OutboundEmail, now: datetime) -> None:
    """Put one failed e-mail back in the queue, recorded in the audit trail."""
    mail.retry(row, now)
    audit.record(audit.Action.UPDATE, object_type="OutboundEmail", object_id=row.id,
                 object_label=row.to_address, partnership_id=row.partnership_id,
                 detail="Failed e-mail put back in the queue to send again")


def _queued_message(count: int) -> str:
    minutes = current_app.config["MAIL_SEND_MINUTES"]
    every = "minute" if minutes == 1 else f"{minutes} minutes"
    return (f"{count} e-mail{' is' if count == 1 else 's are'} back in the queue. "
            f"The scheduler sends queued e-mail every {every}.")


@bp.route("/reminders/failed/<int:email_id>/retry", methods=["POST"])
@permission_required(Permission.MANAGE_PARTNERSHIP_SETTINGS)
def retry_email(email_id):
    """Send one failed e-mail again."""
    row = db.session.get(OutboundEmail, email_id)
    if row is None or row.partnership_id not in visible_partnership_ids():
        abort(404)
    if row.status == mail.FAILED:
        _retry(row, utcnow())
        db.session.commit()
        flash(_queued_message(1), "success")
    else:
        flash("That e-mail is no longer failed: it is already back in the queue or sent.",
              "info")
    return redirect(url_for("admin.reminders"))


@bp.route("/reminders/retry-failed", methods=["POST"])
@permission_required(Permission.MANAGE_PARTNERSHIP_SETTINGS)
def retry_all():
    """Send every failed e-mail of the administrator's partnerships again."""
    now = utcnow()
    rows = db.session.scalars(failed_emails(visible_partnership_ids())).all()
    for row in rows:
        _retry(row, now)
    db.session.commit()
    flash(_queued_message(len(rows)) if rows else "There are no failed e-mails to send again.",
          "success" if rows else "info")
    return redirect(url_for("admin.reminders"))
