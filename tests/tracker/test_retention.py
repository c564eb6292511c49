"""Retention in the shell (tracker.retention): the schedule a system administrator edits with
a reason (audited, bad input kept with an error summary), the domains' kinds registered with
the shell, the daily scheduler job, and the e-mail ledger's disposal."""

from datetime import date, datetime

import sqlalchemy as sa

from tests.conftest import _signed_in_client, csrf_token_from
from tracker import disposal, mail, retention
from tracker.audit import AuditEvent
from tracker.extensions import db
from tracker.mail import OutboundEmail
from tracker.reminders import scheduler
from tracker.reminders.models import SchedulerRun
from tracker.retention import RetentionDue, RetentionRule
from tracker.roles import Role


def test_the_domains_register_their_kinds_with_the_shell(app):
    keys = [kind.key for kind in retention.kinds()]
    assert keys == ["email", "cdr_case", "cdr_public_not_a_case", "practice_review"]


def test_the_schedule_shows_defaults_and_a_change_needs_a_reason(app, admin_client,
                                                                 partnership):
    page = admin_client.get(f"/retention/{partnership.code}")
    assert "20 years after the case is closed" in page.text
    assert "The tracker’s default" in page.text
    url = f"/retention/{partnership.code}/schedule/cdr_case"
    form = admin_client.get(url)
    refused = admin_client.post(url, data={"csrf_token": csrf_token_from(form.text),
                                           "years": "twelve", "reason": ""})
    assert refused.status_code == 200
    assert "govuk-error-summary" in refused.text
    assert "Years kept must be a whole number from 0 to 100" in refused.text
    assert "Enter the reason for the change" in refused.text
    assert 'value="twelve"' in refused.text  # what was typed is kept
    saved = admin_client.post(url, data={"csrf_token": csrf_token_from(form.text),
                                         "years": "25", "reason": "Agreed by the IG board"})
    assert saved.status_code == 302
    rule = db.session.scalar(sa.select(RetentionRule))
    assert (rule.years, rule.reason, rule.updated_by_id) == (25, "Agreed by the IG board",
                                                             admin_client.user.id)
    event = db.session.scalar(sa.select(AuditEvent).where(
        AuditEvent.object_type == "RetentionRule"))
    assert event.action == "create" and event.changes["years"] == [None, 25]
    assert event.partnership_id == partnership.id
    assert "25 years after the case is closed" in admin_client.get(
        f"/retention/{partnership.code}").text


def test_only_system_administrators_edit_retention(app, cdop_client, auditor_client,
                                                   admin_client, partnership, call):
    from tests.tracker.test_reminders_admin import nav_links

    assert nav_links(call(admin_client, "main.home")).get("Retention") == "/retention/"
    assert "Retention" not in nav_links(call(cdop_client, "main.home"))
    for client in (cdop_client, auditor_client):
        assert client.get("/retention/").status_code == 403
        assert client.get(f"/retention/{partnership.code}/schedule/email").status_code == 403


def test_the_daily_job_lists_old_email_and_confirming_deletes_it(app, partnership, clock):
    clock.set(date(2030, 3, 1))
    old = mail.queue(kind="digest", to_address="a@example.org", subject="Reminders",
                     text_body="x", html_body="x", partnership_id=partnership.id,
                     now=datetime(2027, 1, 5, 9, 0))
    recent = mail.queue(kind="digest", to_address="b@example.org", subject="Reminders",
                        text_body="x", html_body="x", partnership_id=partnership.id,
                        now=datetime(2029, 1, 5, 9, 0))
    db.session.commit()
    old_id, recent_id = old.id, recent.id
    scheduler.retention_job(app)
    run = db.session.scalar(sa.select(SchedulerRun).where(SchedulerRun.job == "retention"))
    assert run.outcome == "ok" and run.summary == "1 records listed for disposal"
    item = db.session.scalar(sa.select(RetentionDue))
    assert (item.kind, item.record_id) == ("email", old_id)

    client = _signed_in_client(app, partnership, Role.SYSTEM_ADMIN)
    url = f"/retention/{partnership.code}/due/{item.id}/dispose"
    client.post(url, data={"csrf_token": csrf_token_from(client.get(url).text)})
    db.session.expire_all()
    assert db.session.get(OutboundEmail, old_id) is None
    assert db.session.get(OutboundEmail, recent_id) is not None
    assert db.session.get(RetentionDue, item.id).disposed_count == 1


def test_a_kind_kept_indefinitely_is_never_listed(app, partnership, clock):
    clock.set(date(2030, 3, 1))
    mail.queue(kind="digest", to_address="a@example.org", subject="Reminders", text_body="x",
               html_body="x", partnership_id=partnership.id, now=datetime(2020, 1, 5, 9, 0))
    retention.set_years(partnership.id, "email", 0, "Kept for the IG audit", None)
    db.session.commit()
    assert retention.list_due(date(2030, 3, 1)) == 0


def test_the_audit_trail_stays_append_only_outside_a_disposal(app, partnership):
    import pytest

    from tracker import audit
    from tracker.audit import AuditScrubPermit

    audit.record(audit.Action.VIEW, object_type="Thing", object_id=1, object_label="T-1",
                 partnership_id=partnership.id, detail="Seen. Reason: named someone")
    db.session.commit()
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.object_type == "Thing"))
    table = AuditEvent.__table__
    with pytest.raises(sa.exc.DatabaseError):  # no permit: refused
        db.session.execute(sa.update(table).where(table.c.id == event.id)
                           .values(detail="changed"))
    db.session.rollback()
    for column, value in (("object_label", "changed"), ("object_type", "Other"),
                          ("user_email", disposal.REMOVED),
                          ("occurred_at", datetime(2020, 1, 1))):
        db.session.execute(sa.insert(AuditScrubPermit).values(id=1))
        # A permit, but not changes or detail, nor a label blanked: refused.
        with pytest.raises(sa.exc.DatabaseError):
            db.session.execute(sa.update(table).where(table.c.id == event.id)
                               .values({column: value}))
        db.session.rollback()
    with pytest.raises(sa.exc.DatabaseError):  # never a delete
        db.session.execute(sa.delete(table).where(table.c.id == event.id))
    db.session.rollback()
    assert disposal.scrub_audit("Thing", [1]) == 1
    db.session.commit()
    db.session.expire_all()
    kept = db.session.get(AuditEvent, event.id)
    assert kept.detail == "Seen. Reason: (removed at disposal)" and kept.object_label == "T-1"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditScrubPermit)) == 0
    # A label (an action's description) is blanked only when asked, and only to REMOVED.
    assert disposal.scrub_audit("Thing", [1], labels=True) == 1
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(AuditEvent, event.id).object_label == disposal.REMOVED
    with pytest.raises(sa.exc.DatabaseError):  # without a permit, not even that
        db.session.execute(sa.update(table).where(table.c.id == event.id)
                           .values(object_label="T-1"))
    db.session.rollback()
