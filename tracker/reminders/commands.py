"""`flask reminders run-once` and `flask scheduler run`."""

from __future__ import annotations

from datetime import date

import click
from flask.cli import AppGroup

from tracker.reminders.policy import STAGE_LABELS
from tracker.timeutil import format_date, london_today, utcnow

reminders_cli = AppGroup("reminders", help="Reminders of deadlines and actions.")
scheduler_cli = AppGroup("scheduler", help="The scheduler that sends reminders.")


@reminders_cli.command("run-once")
@click.option("--today", type=click.DateTime(formats=["%Y-%m-%d"]),
              help="Run as if today were this date (YYYY-MM-DD).")
@click.option("--dry-run", is_flag=True, help="Print what would be sent; change nothing.")
def run_once(today, dry_run):
    """Run one reminder pass and print each reminder, one line each, then a count of the
    reminders and of the agencies chased (tracker.agency_chasing)."""
    from tracker.reminders.passes import run_pass
    from tracker.reminders.scheduler import REMINDERS_JOB, record_run

    day: date = today.date() if today else london_today()
    holder = {}

    def work():
        holder["report"] = run_pass(day, utcnow(), dry_run=dry_run)
        report = holder["report"]
        return (f"run-once: {len(report.claimed)} reminders, {report.chases_queued} agency "
                f"chases, {report.sent} e-mails sent")

    if dry_run:
        work()
    else:
        record_run(REMINDERS_JOB, work)
    report = holder["report"]
    verb = "would send" if dry_run else "sent"
    for line in report.claimed:
        click.echo(f"{verb}: {format_date(day)}  {STAGE_LABELS[line['stage']]:<26} "
                   f"{line['reference']:<22} {line['step']} (due {format_date(line['due_date'])})"
                   f"  to user {line['recipient_id']}  [{line['email']}]")
    count = len(report.claimed)
    noun = "reminder" if count == 1 else "reminders"
    chases = f"{report.chases_queued} agency chase{'' if report.chases_queued == 1 else 's'}"
    if dry_run:
        click.echo(f"{count} {noun} and {chases} would be sent (dry run: nothing recorded or "
                   "sent).")
    else:
        emails = "e-mail" if report.sent == 1 else "e-mails"
        click.echo(f"{count} {noun} claimed and {chases} queued; {report.sent} {emails} sent, "
                   f"{report.failed} not sent (retried later).")


@scheduler_cli.command("run")
def run_scheduler():
    """Run the scheduler in this process until stopped (Europe/London, one at a time)."""
    import logging

    from tracker.reminders import scheduler

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    click.echo("Scheduler running: reminder pass hourly from the digest hour, mail every "
               "minute. Ctrl+C stops it.")
    scheduler.run()


def init_app(app):
    """Register the command groups, and the development mail sink."""
    from tracker import mail_sink

    app.cli.add_command(reminders_cli)
    app.cli.add_command(scheduler_cli)
    mail_sink.init_app(app)
