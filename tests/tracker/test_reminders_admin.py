"""The reminders admin page: the scheduler's runs, today's e-mail, failures and retrying."""

import itertools
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa

from tests.conftest import csrf_token_from
from tests.tracker.test_audit import count_queries
from tracker import mail
from tracker.audit import AuditEvent
from tracker.extensions import db
from tracker.mail import OutboundEmail
from tracker.reminders.models import SchedulerRun
from tracker.timeutil import utcnow
from tracker.views.reminders_admin import email_counts, scheduler_health

_n = itertools.count(1)
BODY = "THE-BODY-IS-NEVER-SHOWN"


def make_email(partnership, status=mail.FAILED, **fields):
    n = next(_n)
    values = {
        "kind": "digest", "to_address": f"person{n}@example.org",
        "subject": f"Reminders: {n} overdue", "text_body": BODY, "html_body": f"<p>{BODY}</p>",
        "message_id": f"<{n}@test.tracker>", "partnership_id": partnership.id, "status": status,
        "attempts": 6 if status == mail.FAILED else 0,
        "last_error": "SMTPRecipientsRefused: {'x': (550, b'No such user')}"
        if status == mail.FAILED else None, **fields,
    }
    row = OutboundEmail(**values)
    db.session.add(row)
    db.session.commit()
    return row


def make_run(now, *, started_ago, next_in=None, outcome="ok", finished=True):
    started = now - started_ago
    run = SchedulerRun(job="reminders", started_at=started, outcome=outcome,
                       finished_at=started + timedelta(seconds=40) if finished else None,
                       summary="12 reminders, 3 e-mails queued, 3 sent, 0 not sent",
                       next_run_at=now + next_in if next_in is not None else None)
    db.session.add(run)
    db.session.commit()
    return run


def nav_links(page):
    """{text: href} of the service navigation's links."""
    return {a.get_text(strip=True): a["href"]
            for a in page.html.select(".govuk-service-navigation a")}


def failed_rows(page):
    return page.html.select("#failed-emails tbody tr")


@pytest.mark.relative_dates
def test_only_system_administrators_and_it_is_in_their_navigation(call, admin_client,
                                                                    cdop_client):
    call(cdop_client, "admin.reminders", status=403)
    assert nav_links(call(admin_client, "main.home")).get("Reminders") == "/admin/reminders"
    assert "Reminders" not in nav_links(call(cdop_client, "main.home"))


def test_a_scheduler_that_never_ran_is_a_warning(call, admin_client):
    page = call(admin_client, "admin.reminders")
    assert "The scheduler has never run the reminders" in page.text(".govuk-warning-text")
    assert "Never" in page.text("#scheduler")


def test_the_last_and_next_run_are_shown(call, admin_client):
    now = utcnow()
    make_run(now, started_ago=timedelta(minutes=10), next_in=timedelta(minutes=50))
    page = call(admin_client, "admin.reminders")
    assert page.html.select_one(".govuk-warning-text") is None
    scheduler = page.text("#scheduler")
    assert "Completed" in scheduler
    assert "12 reminders, 3 e-mails queued, 3 sent, 0 not sent" in scheduler


def test_a_run_more_than_2_hours_old_is_a_warning(call, admin_client):
    now = utcnow()
    make_run(now, started_ago=timedelta(hours=3), next_in=-timedelta(hours=2))
    page = call(admin_client, "admin.reminders")
    assert "has not run the reminders since it was due" in page.text(".govuk-warning-text")


NOON = datetime(2026, 12, 7, 12, 0)


@pytest.mark.parametrize(("started_ago", "next_in", "outcome", "finished", "warning"), [
    (timedelta(minutes=30), timedelta(minutes=30), "ok", True, None),
    (timedelta(hours=1, minutes=50), None, "ok", True, None),
    (timedelta(hours=2, minutes=10), None, "ok", True, "since it was due"),
    (timedelta(hours=3), -timedelta(hours=2), "ok", True, "since it was due"),
    # At night the next run is the next morning's: no alarm.
    (timedelta(hours=8), timedelta(hours=3), "ok", True, None),
    (timedelta(minutes=30), timedelta(minutes=30), "failed", True, "failed"),
    (timedelta(hours=2, minutes=30), timedelta(hours=5), "running", False, "has not finished"),
])
def test_when_the_scheduler_looks_stopped(app, started_ago, next_in, outcome, finished,
                                          warning):
    run = make_run(NOON, started_ago=started_ago, next_in=next_in, outcome=outcome,
                   finished=finished)
    health = scheduler_health(run, NOON)
    if warning is None:
        assert health.warning is None
    else:
        assert warning in health.warning


def test_e_mail_sent_today_queued_and_failed_for_the_admins_partnerships(
        call, admin_client, partnership, other_partnership):
    now = utcnow()
    make_email(partnership, mail.SENT, sent_at=now)
    make_email(partnership, mail.SENT, sent_at=now - timedelta(days=2))
    make_email(partnership, mail.PENDING)
    make_email(partnership, mail.SENDING)
    make_email(partnership)
    for status in (mail.SENT, mail.PENDING, mail.FAILED):
        make_email(other_partnership, status, sent_at=now if status == mail.SENT else None)
    page = call(admin_client, "admin.reminders")
    rows = {row.select_one("dt").get_text(strip=True): row.select_one("dd").get_text(strip=True)
            for row in page.html.select("#email-counts .govuk-summary-list__row")}
    assert rows == {"Sent today": "1", "Waiting to be sent": "2", "Failed": "1"}


def test_sent_today_starts_at_midnight_in_london(app, partnership):
    # 7 July 2026: London is on BST, so midnight there is 23:00 UTC the day before.
    now = datetime(2026, 7, 7, 9, 0)
    make_email(partnership, mail.SENT, sent_at=datetime(2026, 7, 6, 23, 30))
    make_email(partnership, mail.SENT, sent_at=datetime(2026, 7, 6, 22, 30))
    assert email_counts({partnership.id}, now)["sent"] == 1


def test_failures_show_address_subject_tries_and_error_but_never_the_body(
        call, admin_client, partnership, other_partnership):
    mine = make_email(partnership)
    theirs = make_email(other_partnership)
    page = call(admin_client, "admin.reminders")
    [row] = failed_rows(page)
    cells = [cell.get_text(" ", strip=True) for cell in row.find_all("td")]
    assert cells[0] == mine.to_address
    assert cells[1] == mine.subject
    assert cells[3] == "6"
    assert "550" in cells[4]
    html = page.response.get_data(as_text=True)
    assert BODY not in html
    assert theirs.to_address not in html


def test_retrying_a_failure_queues_it_again_audited_and_it_is_sent(
        call, admin_client, partnership, smtp_server):
    row = make_email(partnership)
    page = call(admin_client, "admin.retry_email", email_id=row.id, data={},
                form_page="admin.reminders", status=302)
    assert page.response.location.endswith("/admin/reminders")
    db.session.refresh(row)
    assert (row.status, row.attempts) == (mail.PENDING, 0)
    event = db.session.scalar(sa.select(AuditEvent).where(
        AuditEvent.object_type == "OutboundEmail"))
    assert (event.action, event.object_id, event.partnership_id) == (
        "update", str(row.id), partnership.id)
    after = call(admin_client, "admin.reminders")
    assert "1 e-mail is back in the queue" in after.text(".govuk-notification-banner")
    assert failed_rows(after) == []
    assert mail.send_due(utcnow()) == (1, 0)
    assert [message["To"] for message in smtp_server.messages] == [row.to_address]


def test_retry_all_retries_only_the_admins_partnerships(call, admin_client, partnership,
                                                        other_partnership):
    mine = [make_email(partnership) for _ in range(3)]
    theirs = make_email(other_partnership)
    page = call(admin_client, "admin.reminders")
    button = page.html.select_one("form[action='/admin/reminders/retry-failed'] button")
    assert button.get_text(strip=True) == "Retry all 3 failed e-mails"
    call(admin_client, "admin.retry_all", data={}, form_page="admin.reminders", status=302)
    db.session.expire_all()
    assert {db.session.get(OutboundEmail, r.id).status for r in mine} == {mail.PENDING}
    assert db.session.get(OutboundEmail, theirs.id).status == mail.FAILED
    assert db.session.scalar(sa.select(sa.func.count(AuditEvent.id)).where(
        AuditEvent.object_type == "OutboundEmail")) == 3


def test_another_partnerships_failure_is_not_found(call, admin_client, other_partnership):
    theirs = make_email(other_partnership)
    call(admin_client, "admin.retry_email", email_id=theirs.id, data={},
         form_page="admin.reminders", status=404)
    call(admin_client, "admin.retry_email", email_id=987654, data={},
         form_page="admin.reminders", status=404)
    db.session.refresh(theirs)
    assert theirs.status == mail.FAILED


def test_retrying_needs_the_forms_csrf_token(app, admin_client, partnership):
    row = make_email(partnership)
    assert admin_client.post(f"/admin/reminders/failed/{row.id}/retry").status_code == 400
    token = csrf_token_from(admin_client.get("/admin/reminders").get_data(as_text=True))
    assert admin_client.post(f"/admin/reminders/failed/{row.id}/retry",
                             data={"csrf_token": token}).status_code == 302


def test_the_page_costs_the_same_queries_for_1_or_60_failures(admin_client, partnership):
    now = utcnow()
    make_run(now, started_ago=timedelta(minutes=5), next_in=timedelta(minutes=55))
    make_email(partnership)
    with count_queries() as few:
        assert admin_client.get("/admin/reminders").status_code == 200
    for status in [mail.FAILED] * 59 + [mail.SENT] * 20 + [mail.PENDING] * 20:
        make_email(partnership, status, sent_at=now if status == mail.SENT else None)
    with count_queries() as many:
        response = admin_client.get("/admin/reminders")
    assert response.status_code == 200
    assert len(many) == len(few)
