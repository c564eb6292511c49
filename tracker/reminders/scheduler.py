"""The scheduler: `flask scheduler run`, one blocking process, never inside a web worker.

APScheduler 3.x `BlockingScheduler` in Europe/London with coalescing and one instance of a
job at a time. Jobs are module-level functions that push an app context and work out what to
do from the database, so a missed, doubled or repeated run sends nothing twice (the reminder
ledger's unique key and the mail queue's lease see to it). Each run is recorded in
`scheduler_run` for the admin page, with a heartbeat while it runs: a run whose process died
is shown as failed once its heartbeat is older than RUN_STUCK_AFTER (`fail_dead_runs`, at the
scheduler's start and every few seconds after), not "running" for good. At its start the
scheduler also fails export builds that died and removes what they left in the export folder
(`recover`).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from flask import current_app

from tracker import (
    domains,
    export_jobs,
    mail,
    searches,
    submissions,
    two_factor,
    user_sessions,
)
from tracker.extensions import db
from tracker.heartbeat import Heartbeat
from tracker.reminders.models import SchedulerRun
from tracker.reminders.passes import run_pass
from tracker.timeutil import london_now, london_today, utcnow

log = logging.getLogger(__name__)

REMINDERS_JOB = "reminders"
MAIL_JOB = "send-mail"
EXPORT_JOB = "build-exports"
RETENTION_JOB = "retention"
TIMEZONE = "Europe/London"
# A recorded run beats its heartbeat this often; one "running" with a heartbeat older than
# RUN_STUCK_AFTER died with its process.
RUN_HEARTBEAT_EVERY = timedelta(seconds=10)
RUN_STUCK_AFTER = timedelta(minutes=2)
DIED = ("The run stopped before it finished: the scheduler was stopped or died during it. "
        "The next run catches up.")


def record_run(job: str, work, next_run_at: datetime | None = None) -> SchedulerRun:
    """Run `work()` (returning a summary) and record the run, its outcome and the next run."""
    now = utcnow()
    run = SchedulerRun(job=job, started_at=now, heartbeat_at=now, next_run_at=next_run_at)
    db.session.add(run)
    db.session.commit()
    run_id = run.id
    heartbeat = Heartbeat(SchedulerRun.__table__, run_id, RUN_HEARTBEAT_EVERY, "Scheduler run")
    heartbeat.start()
    try:
        summary = work()
    except Exception as error:  # recorded for the admin page, then raised for the log
        heartbeat.stop()
        db.session.rollback()
        _finish(run_id, "failed", f"{type(error).__name__}: {error}"[:1000])
        raise
    heartbeat.stop()
    _finish(run_id, "ok", summary)
    log.info("%s: %s", job, summary)
    return db.session.get(SchedulerRun, run_id)


def fail_dead_runs(now: datetime) -> int:
    """Mark as failed the runs left "running" by a process that died (no heartbeat for
    RUN_STUCK_AFTER); returns how many (committed)."""
    stale = sa.func.coalesce(SchedulerRun.heartbeat_at, SchedulerRun.started_at)
    dead = (SchedulerRun.outcome == "running", stale < now - RUN_STUCK_AFTER)
    # Looked for first: this runs every few seconds, and a read takes no write lock.
    if db.session.scalar(sa.select(SchedulerRun.id).where(*dead).limit(1)) is None:
        db.session.commit()
        return 0
    result = db.session.execute(
        sa.update(SchedulerRun).where(*dead)
        .values(outcome="failed", finished_at=now, summary=DIED)
        .execution_options(synchronize_session=False))
    db.session.commit()
    if result.rowcount:
        log.warning("%d scheduler run(s) had died with their process", result.rowcount)
    return result.rowcount


def recover(app) -> None:
    """What the scheduler does at its start: fail the runs and export builds whose process
    died, and remove what they left in the export folder."""
    with app.app_context():
        fail_dead_runs(utcnow())
        export_jobs.sweep(utcnow())


def _finish(run_id, outcome, summary):
    run = db.session.get(SchedulerRun, run_id)
    run.finished_at, run.outcome, run.summary = utcnow(), outcome, summary
    db.session.commit()


def reminders_trigger(app) -> CronTrigger:
    """Every hour from the digest hour to 23:00: the digest goes at the first run of the day,
    due-today e-mails at their hour, and a restart catches up within the hour."""
    hour = app.config["REMINDER_DIGEST_HOUR"]
    return CronTrigger(hour=f"{hour}-23", minute=0, timezone=TIMEZONE)


def reminders_job(app) -> None:
    """One reminder pass for today (London), recorded with the time of the next one."""
    with app.app_context():
        now = london_now()
        next_run = reminders_trigger(app).get_next_fire_time(None, now)
        next_run_at = next_run.astimezone(UTC).replace(tzinfo=None) if next_run else None

        def work():
            report = run_pass(london_today(), utcnow())
            return (f"{len(report.claimed)} reminders, {report.chases_queued} agency chases, "
                    f"{report.emails_queued + report.chases_queued} e-mails queued, "
                    f"{report.sent} sent, {report.failed} not sent")
        record_run(REMINDERS_JOB, work, next_run_at)


def mail_job(app) -> None:
    """Send queued e-mail that is due (new, or due a retry after its backoff)."""
    with app.app_context():
        sent, failed = mail.send_due(utcnow())
        if sent or failed:
            log.info("Mail: %d sent, %d not sent", sent, failed)


def exports_job(app) -> None:
    """Build the exports users are waiting for, delete built files past their time, and
    forget expired searches, spent submission keys, timed-out sessions (ended, and deleted
    after user_sessions.KEEP_ENDED) and the domains' expired drafts (tracker.domains.sweeps),
    and seal any two-factor secret kept before encryption (two_factor.seal_plain_secrets)."""
    with app.app_context():
        fail_dead_runs(utcnow())
        built, deleted = export_jobs.run()
        now = utcnow()
        searches.sweep(now)
        submissions.sweep(now)
        user_sessions.sweep(now)
        sealed = two_factor.seal_plain_secrets()
        for sweep in domains.sweeps(app):
            sweep(now)
        db.session.commit()
        if built or deleted:
            log.info("Exports: %d built, %d deleted", built, deleted)
        if sealed:
            log.info("Two-factor sign-in: %d secrets kept before encryption sealed", sealed)


def retention_trigger() -> CronTrigger:
    """Once a day, early in the morning (London)."""
    return CronTrigger(hour=5, minute=30, timezone=TIMEZONE)


def retention_job(app) -> None:
    """List the records past their retention date for a system administrator to confirm
    (tracker.retention); nothing is disposed of without that confirmation."""
    from tracker import retention

    with app.app_context():
        next_run = retention_trigger().get_next_fire_time(None, london_now())
        next_run_at = next_run.astimezone(UTC).replace(tzinfo=None) if next_run else None
        record_run(RETENTION_JOB,
                   lambda: f"{retention.list_due(london_today())} records listed for disposal",
                   next_run_at)


def build(app) -> BlockingScheduler:
    """The scheduler with its jobs (coalesced, one instance each)."""
    scheduler = BlockingScheduler(
        timezone=TIMEZONE,
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 3600})
    first = {}
    now = london_now()
    if now.hour >= app.config["REMINDER_DIGEST_HOUR"]:
        first["next_run_time"] = now  # catch up at once
    scheduler.add_job(reminders_job, reminders_trigger(app), args=[app], id=REMINDERS_JOB,
                      name="Reminder pass", **first)
    scheduler.add_job(mail_job, IntervalTrigger(minutes=app.config["MAIL_SEND_MINUTES"]),
                      args=[app], id=MAIL_JOB, name="Send queued e-mail")
    scheduler.add_job(exports_job, IntervalTrigger(seconds=app.config["EXPORT_JOB_SECONDS"]),
                      args=[app], id=EXPORT_JOB, name="Build exports")
    scheduler.add_job(retention_job, retention_trigger(), args=[app], id=RETENTION_JOB,
                      name="List records due for disposal")
    return scheduler


def quiet_job_logs() -> None:
    """Log a job's run only when it did something: APScheduler logs "Running job" and
    "executed successfully" at INFO for every run, two lines every EXPORT_JOB_SECONDS for
    the export check alone. Its warnings (a missed run) and errors (a job that raised) stay;
    the jobs log their own work (`record_run`, `mail_job`, `exports_job`)."""
    logging.getLogger("apscheduler.executors.default").setLevel(logging.WARNING)


def run(app=None) -> None:
    """Run the scheduler until interrupted (the `flask scheduler run` command)."""
    app = app or current_app._get_current_object()
    quiet_job_logs()
    recover(app)
    scheduler = build(app)
    log.info("Scheduler started (timezone %s)", TIMEZONE)
    try:
        scheduler.start()
    except (KeyboardInterrupt, SystemExit):
        log.info("Scheduler stopped")
