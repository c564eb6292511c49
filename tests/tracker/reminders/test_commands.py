"""`flask reminders run-once` and the scheduler's set-up (its own process, never the app's)."""

import logging
import threading
import time
from datetime import date

import pytest
import sqlalchemy as sa
from apscheduler.events import EVENT_JOB_EXECUTED

from tests.factories import make_user
from tests.reviews.factories import make_incident
from tracker import create_app
from tracker.extensions import db
from tracker.mail import OutboundEmail
from tracker.reminders import scheduler
from tracker.reminders.models import Reminder, SchedulerRun
from tracker.roles import Role


def overdue_incident(partnership):
    owner = make_user(Role.BUSINESS_UNIT, [partnership], email="owner@example.org")
    return make_incident(partnership, la_aware_on=date(2026, 12, 7),
                         incident_date=date(2026, 12, 5), owner_id=owner.id)


def test_run_once_prints_a_line_per_reminder_then_a_count(runner, partnership, smtp_server):
    incident = overdue_incident(partnership)
    result = runner.invoke(args=["reminders", "run-once", "--today", "2026-12-15"])
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 3
    assert all(line.startswith("sent: 15 December 2026  Overdue") for line in lines[:2])
    assert all(incident.reference in line for line in lines[:2])
    assert lines[-1] == ("2 reminders claimed and 0 agency chases queued; 1 e-mail sent, 0 not "
                         "sent (retried later).")
    assert len(smtp_server.messages) == 1
    run = db.session.scalar(sa.select(SchedulerRun))
    assert (run.job, run.outcome) == ("reminders", "ok")
    # Again the same day: nothing more.
    again = runner.invoke(args=["reminders", "run-once", "--today", "2026-12-15"])
    assert again.output.strip() == (
        "0 reminders claimed and 0 agency chases queued; 0 e-mails sent, 0 not sent (retried "
        "later).")


def test_a_dry_run_prints_what_it_would_send_and_records_nothing(runner, partnership):
    overdue_incident(partnership)
    result = runner.invoke(args=["reminders", "run-once", "--today", "2026-12-15", "--dry-run"])
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert [line.split(":")[0] for line in lines[:2]] == ["would send", "would send"]
    assert lines[-1] == ("2 reminders and 0 agency chases would be sent (dry run: nothing "
                         "recorded or sent).")
    assert db.session.scalar(sa.select(sa.func.count(Reminder.id))) == 0
    assert db.session.scalar(sa.select(sa.func.count(OutboundEmail.id))) == 0


def test_run_once_counts_the_agencies_it_chases(app, runner, partnership, clock, smtp_server):
    """A practice review's request for information due today: its contact is chased, and
    the summary says so (dry run first: nothing is recorded)."""
    from reviews.services import information_requests
    from tracker.agencies import AgencyContact, DirectoryAgency

    day = date(2026, 12, 15)  # a Tuesday
    clock.set(day)
    agency = DirectoryAgency(partnership_id=partnership.id, name="Hill Surgery",
                             name_key="hill surgery", kind="gp")
    contact = AgencyContact(agency=agency, partnership_id=partnership.id, name="Jo Hill",
                            email="jo@hill.example")
    db.session.add_all([agency, contact])
    db.session.flush()
    incident = make_incident(partnership, incident_date=day, la_aware_on=day)
    user = make_user(Role.BUSINESS_UNIT, [partnership])
    with app.test_request_context():
        information_requests.make(incident, stage="rapid_review", contact_id=contact.id,
                                  asked="Your records.", due_on=day, user=user, today=day)
    db.session.commit()
    dry = runner.invoke(args=["reminders", "run-once", "--today", "2026-12-15", "--dry-run"])
    assert dry.output.strip().splitlines()[-1] == (
        "0 reminders and 1 agency chase would be sent (dry run: nothing recorded or sent).")
    result = runner.invoke(args=["reminders", "run-once", "--today", "2026-12-15"])
    assert result.exit_code == 0, result.output
    assert result.output.strip().splitlines()[-1] == (
        "0 reminders claimed and 1 agency chase queued; 2 e-mails sent, 0 not sent (retried "
        "later).")  # the link itself, and the chase
    assert [m["Subject"].split(":")[0] for m in smtp_server.messages] == [
        "Northshire Partnership", "Due today"]
    run = db.session.scalar(sa.select(SchedulerRun))
    assert run.summary == "run-once: 0 reminders, 1 agency chases, 2 e-mails sent"


def test_a_bad_date_is_refused_clearly(runner):
    result = runner.invoke(args=["reminders", "run-once", "--today", "15/12/2026"])
    assert result.exit_code == 2
    assert "YYYY-MM-DD" in result.output or "%Y-%m-%d" in result.output


@pytest.mark.relative_dates
def test_the_scheduler_is_coalescing_one_instance_in_london_time(app):
    built = scheduler.build(app)
    jobs = {job.id: job for job in built.get_jobs()}
    assert set(jobs) == {"reminders", "send-mail", "build-exports", "retention"}
    assert "interval[0:00:05]" in str(jobs["build-exports"].trigger)
    assert str(built.timezone) == "Europe/London"
    # Applied to every job when the scheduler starts (jobs added before start are pending).
    assert built._job_defaults["coalesce"] is True
    assert built._job_defaults["max_instances"] == 1
    trigger = str(jobs["reminders"].trigger)
    assert "hour='7-23'" in trigger and "minute='0'" in trigger


def test_creating_the_app_starts_no_scheduler_thread():
    before = {thread.name for thread in threading.enumerate()}
    create_app({"CONFIG_CLASS": "test"})
    after = {thread.name for thread in threading.enumerate()}
    assert after == before


def test_the_scheduler_logs_nothing_while_there_is_nothing_to_do(app, caplog):
    # `make run` printed two lines every 5 seconds for the export check alone.
    app.config["EXPORT_JOB_SECONDS"] = 1
    built = scheduler.build(app)
    built.remove_job("reminders")  # the hourly pass would catch up at once: only the checks
    checks = []
    built.add_listener(lambda event: checks.append(event.job_id), EVENT_JOB_EXECUTED)
    scheduler.quiet_job_logs()
    caplog.set_level(logging.INFO)
    threading.Thread(target=built.start, daemon=True).start()
    try:
        deadline = time.monotonic() + 15
        while checks.count("build-exports") < 3 and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        built.shutdown(wait=True)

    assert checks.count("build-exports") >= 3  # the check ran, every second
    # Only the scheduler's own start and stop lines ("Added job", "Scheduler started"):
    # nothing for each run of a check that found nothing to do.
    assert [record.getMessage() for record in caplog.records
            if record.name != "apscheduler.scheduler"] == []
