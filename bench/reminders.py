"""Benchmark of the reminder pass: one pass over every case, a second the same day, and the
SMTP sending of what the first queued (to a loopback aiosmtpd server that discards it)."""

import socket
import time
from datetime import date, datetime

import sqlalchemy as sa

from tracker import mail
from tracker.extensions import db
from tracker.reminders.models import Reminder
from tracker.reminders.passes import run_pass


def bench_reminders(app, today: date):
    """Print the time of a first and a second pass on `today`, and of sending the e-mails."""
    now = datetime(today.year, today.month, today.day, 8, 0)
    began = time.perf_counter()
    first = run_pass(today, now, send=False)
    first_s = time.perf_counter() - began
    began = time.perf_counter()
    second = run_pass(today, now, send=False)
    second_s = time.perf_counter() - began
    print(f"  reminder pass: {len(first.claimed):,} reminders claimed, "
          f"{first.emails_queued:,} e-mails queued in {first_s:.2f} s; "
          f"a second pass the same day: {len(second.claimed):,} claimed in {second_s:.2f} s")
    _bench_sending(app, now)
    total = db.session.scalar(sa.select(sa.func.count(Reminder.id)))
    print(f"  reminder ledger after both passes: {total:,} rows")


class _Discard:
    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        return "250 OK"


def _bench_sending(app, now):
    from aiosmtpd.controller import Controller

    with socket.socket() as probe:  # a free port (aiosmtpd cannot start on port 0)
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(_Discard(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_USE_TLS=False,
                          MAIL_USE_SSL=False, MAIL_USERNAME=None)
        began = time.perf_counter()
        sent, failed = mail.send_due(now, limit=100_000)
        elapsed = time.perf_counter() - began
        print(f"  send the queued e-mails over SMTP (loopback): {sent:,} sent, {failed:,} not "
              f"sent in {elapsed:.2f} s")
    finally:
        controller.stop()
