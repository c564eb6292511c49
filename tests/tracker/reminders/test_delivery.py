"""Reminder e-mail over real SMTP (aiosmtpd on loopback), exactly once whatever happens.

Two passes at once, a pass killed between claiming and sending, and an SMTP server that stops
mid-run: each reminder arrives once. The database is shared (a file for SQLite, the test
database for PostgreSQL) so that threads and a separate process see the same rows.
"""

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from datetime import date, datetime, timedelta
from email.utils import parseaddr
from pathlib import Path

import icalendar  # noqa: F401 (only to prove the test environment matches the app's)
import pytest
import sqlalchemy as sa

from tests.factories import make_partnership, make_user
from tests.reviews.factories import make_incident
from tracker import create_app, mail
from tracker.extensions import db
from tracker.mail import OutboundEmail
from tracker.reminders.models import Reminder
from tracker.reminders.passes import run_pass
from tracker.roles import Role
from tracker.timeutil import utcnow

ROOT = Path(__file__).resolve().parents[3]
DAY = date(2026, 12, 21)  # a Monday: the Panel notification of the 14th is 5 days overdue
NOW = datetime(2026, 12, 21, 8, 0)
USERS = 5


@pytest.fixture
def shared_app(app, tmp_path, smtp_server):
    """An app on a database other threads and processes can open, sending to smtp_server."""
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    if not uri.startswith("postgresql"):
        uri = f"sqlite:///{tmp_path / 'shared.sqlite'}"
    shared = create_app({"CONFIG_CLASS": "test", "SQLALCHEMY_DATABASE_URI": uri,
                         "MAIL_SERVER": smtp_server.host, "MAIL_PORT": smtp_server.port})
    with shared.app_context():
        db.create_all()
        yield shared
        db.session.remove()
        db.engine.dispose()


def owners_with_overdue_incidents(count=USERS):
    """`count` business unit users, each owning one incident aware on 7 December 2026."""
    partnership = make_partnership(code="NSP")
    owners = []
    for n in range(count):
        owner = make_user(Role.BUSINESS_UNIT, [partnership], email=f"owner{n}@example.org")
        make_incident(partnership, la_aware_on=date(2026, 12, 7),
                      incident_date=date(2026, 12, 5), owner_id=owner.id,
                      child_name="Invented Childname")
        owners.append(owner)
    return owners


def assert_each_once(smtp_server, owners):
    addresses = sorted(str(m["To"]) for m in smtp_server.messages)
    assert addresses == sorted(o.email for o in owners)


def test_the_digest_over_smtp_has_both_parts_a_link_and_no_identifying_detail(
        shared_app, smtp_server):
    owner, = owners_with_overdue_incidents(1)
    report = run_pass(DAY, NOW)
    assert report.sent == 1
    message, = smtp_server.messages
    assert smtp_server.envelopes == [[owner.email]]
    assert message["Subject"] == "Reminders: 2 overdue"
    name, address = parseaddr(message["From"])
    assert address == shared_app.config["MAIL_DEFAULT_SENDER"]
    assert name == f"{shared_app.config['SERVICE_NAME']}, {owner.partnerships[0].name}"
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    reference = db.session.scalar(sa.select(Reminder.reference))
    for body in (text, html):
        assert reference in body
        assert "Child Safeguarding Practice Review Panel" in body
        assert "14 December 2026" in body
        assert "http://127.0.0.1:5000/practice-reviews/" in body
        for detail in ("Invented", "Childname", "5 December 2026"):  # name, incident date
            assert detail not in body
    assert "Invented" not in message["Subject"]


def test_two_passes_at_once_send_each_reminder_once(shared_app, smtp_server):
    owners = owners_with_overdue_incidents()
    db.session.commit()
    start = threading.Barrier(2, timeout=30)
    errors = []

    def one_pass():
        try:
            with shared_app.app_context():
                start.wait()
                run_pass(DAY, NOW)
                db.session.remove()
        except Exception as error:  # reported below, so a failure is not silent
            errors.append(error)

    threads = [threading.Thread(target=one_pass) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    assert_each_once(smtp_server, owners)
    assert db.session.scalar(sa.select(sa.func.count(Reminder.id))) == 2 * USERS
    # And a third pass later the same day adds nothing.
    assert run_pass(DAY, NOW + timedelta(hours=1)).claimed == []
    assert_each_once(smtp_server, owners)


def test_the_smtp_server_stopping_mid_run_loses_nothing_and_doubles_nothing(
        shared_app, smtp_server, monkeypatch):
    owners = owners_with_overdue_incidents()
    finish = mail._finish
    finished = []

    def stop_after_two(row_id, now, error):
        finish(row_id, now, error)
        finished.append(error)
        if len(finished) == 2:
            smtp_server.stop()  # the server goes away with two e-mails delivered

    monkeypatch.setattr(mail, "_finish", stop_after_two)
    report = run_pass(DAY, NOW)
    assert report.sent == 2
    assert len(smtp_server.messages) == 2
    # The one being sent fails on the closed connection, the next cannot connect and the run
    # stops there: every e-mail not sent waits for the next run, none is marked failed.
    waiting = db.session.scalars(sa.select(OutboundEmail).where(
        OutboundEmail.status == mail.PENDING)).all()
    assert len(waiting) == USERS - 2
    assert sum(1 for e in waiting if e.last_error) == report.failed == 2

    # Back up: the e-mail never tried goes at once, the two that failed after their backoff.
    smtp_server.start()
    assert mail.send_due(NOW + timedelta(seconds=30)) == (1, 0)
    assert mail.send_due(NOW + timedelta(minutes=2)) == (2, 0)
    assert_each_once(smtp_server, owners)
    assert run_pass(DAY, NOW + timedelta(hours=1)).claimed == []
    assert_each_once(smtp_server, owners)


def test_a_send_that_keeps_failing_is_shown_as_failed_and_can_be_retried(
        shared_app, smtp_server):
    owners_with_overdue_incidents(1)
    smtp_server.stop()
    now = NOW
    run_pass(DAY, now)
    for _ in range(shared_app.config["MAIL_MAX_ATTEMPTS"]):
        now += timedelta(hours=7)
        mail.send_due(now)
    email = db.session.scalar(sa.select(OutboundEmail))
    assert email.status == mail.FAILED
    assert "ConnectionRefusedError" in email.last_error
    smtp_server.start()
    assert mail.send_due(now + timedelta(days=1)) == (0, 0)  # failed: not tried on its own
    mail.retry(email, now)
    db.session.commit()
    assert mail.send_due(now) == (1, 0)
    assert len(smtp_server.messages) == 1


class BlackHole:
    """A TCP server that accepts connections and never answers: an SMTP send hangs on it."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]

    def close(self):
        self.sock.close()


def test_a_pass_killed_between_claiming_and_sending_is_delivered_once_later(
        shared_app, smtp_server, tmp_path):
    owners = owners_with_overdue_incidents(2)
    db.session.commit()
    hole = BlackHole()
    env = {**os.environ, "TRACKER_ENV": "development", "FLASK_APP": "wsgi",
           "DATABASE_URL": shared_app.config["SQLALCHEMY_DATABASE_URI"],
           "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": str(hole.port), "MAIL_TIMEOUT": "60"}
    flask = str(Path(sys.executable).with_name("flask"))
    log = tmp_path / "run-once.log"
    with log.open("wb") as output:
        process = subprocess.Popen(  # noqa: S603 (our own command, fixed arguments)
            [flask, "reminders", "run-once", "--today", DAY.isoformat()],
            cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT)
    try:
        # Wait until the pass has claimed and committed, and is stuck sending the first one.
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            db.session.rollback()
            leased = db.session.scalar(sa.select(sa.func.count(OutboundEmail.id)).where(
                OutboundEmail.status == mail.SENDING))
            if leased:
                break
            assert process.poll() is None, log.read_text()
            time.sleep(0.2)
        else:
            pytest.fail("the pass never started sending")
        process.send_signal(signal.SIGKILL)
        process.wait(10)
    finally:
        if process.poll() is None:
            process.kill()
        hole.close()
    assert smtp_server.messages == []
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count(Reminder.id))) == 4  # claimed, kept

    # The next run (after the dead sender's lease has run out) delivers each e-mail once.
    later = utcnow() + mail.LEASE + timedelta(seconds=5)
    run_pass(DAY, later)
    assert_each_once(smtp_server, owners)
    run_pass(DAY, later + timedelta(hours=1))
    assert_each_once(smtp_server, owners)


def test_links_keep_a_path_prefix_once(shared_app, smtp_server):
    owners_with_overdue_incidents(1)
    shared_app.config["BASE_URL"] = "https://tracker.example.org/safeguarding"
    shared_app.config["APPLICATION_ROOT"] = "/safeguarding"
    run_pass(DAY, NOW)
    text = smtp_server.messages[0].get_body(("plain",)).get_content()
    assert "https://tracker.example.org/safeguarding/practice-reviews/" in text
    assert "/safeguarding/safeguarding/" not in text
    assert "https://tracker.example.org/safeguarding/account/reminders" in text
