"""The reminder pages pass axe (WCAG 2.x A/AA), filled in and with a refused form: notices,
your reminder settings, a partnership's reminder policies and the reminders admin page."""

from datetime import date

import pytest
import sqlalchemy as sa

from tests.browser import assert_no_axe_violations, assert_page_healthy
from tests.browser.conftest import PARTNERSHIP_CODE
from tracker import mail
from tracker.extensions import db
from tracker.mail import OutboundEmail
from tracker.models import Partnership, User
from tracker.reminders.models import Reminder
from tracker.roles import Role

pytestmark = pytest.mark.browser


def _check(page):
    assert_page_healthy(page)
    assert_no_axe_violations(page)


def _notices_and_a_failure(live_server, email):
    """Two notices for the user with `email`, and a failed e-mail of the partnership."""
    with live_server.app_context():
        partnership = db.session.scalar(
            sa.select(Partnership).where(Partnership.code == PARTNERSHIP_CODE))
        user = db.session.scalar(sa.select(User).where(User.email == email))
        for n, stage in enumerate(("before", "overdue"), start=1):
            db.session.add(Reminder(
                subject_type="deadline", subject_id=n, stage=stage, recipient_id=user.id,
                fire_date=date(2026, 12, 10), partnership_id=partnership.id,
                policy_key="panel_notification", step="Notify the Panel",
                reference=f"CSPR-{PARTNERSHIP_CODE}-2026-000{n}", link="/practice-reviews/",
                due_date=date(2026, 12, 14), claim="browser"))
        db.session.add(OutboundEmail(
            kind="digest", to_address=email, subject="Reminders: 1 overdue", text_body="",
            html_body="", message_id="<browser@tracker>", partnership_id=partnership.id,
            status=mail.FAILED, attempts=6, last_error="SMTPServerDisconnected"))
        db.session.commit()
        db.session.remove()


def test_notices_and_reminder_settings_pass_axe(page, sign_in_as, live_server):
    user = sign_in_as(Role.BUSINESS_UNIT)
    _notices_and_a_failure(live_server, user.email)
    page.goto("/notices")
    page.locator("#notices").wait_for()
    _check(page)
    page.get_by_role("button", name="Dismiss notice for CSPR").first.click()
    page.locator(".govuk-notification-banner").wait_for()
    _check(page)
    page.goto("/account/reminders")
    _check(page)
    page.get_by_label("Day", exact=True).fill("31")
    page.get_by_label("Month").fill("2")
    page.get_by_label("Year").fill("2027")
    page.get_by_role("button", name="Save reminder settings").click()
    page.locator(".govuk-error-summary").wait_for()
    _check(page)


def test_reminder_policies_and_the_admin_page_pass_axe(page, sign_in_as, live_server):
    admin = sign_in_as(Role.SYSTEM_ADMIN)
    _notices_and_a_failure(live_server, admin.email)
    page.goto(f"/partnerships/{PARTNERSHIP_CODE}/reminders")
    _check(page)
    page.goto(f"/partnerships/{PARTNERSHIP_CODE}/reminders/panel_notification")
    _check(page)
    page.get_by_label("Working days before the due date").fill("99")
    page.get_by_role("button", name="Save reminder policy").click()
    page.locator(".govuk-error-summary").wait_for()
    _check(page)
    page.get_by_label("Working days before the due date").fill("4")
    page.get_by_role("button", name="Save reminder policy").click()
    page.locator(".govuk-notification-banner").wait_for()
    page.goto(f"/partnerships/{PARTNERSHIP_CODE}/reminders/panel_notification/reset")
    _check(page)
    page.goto("/admin/reminders")
    page.locator("#failed-emails").wait_for()
    _check(page)
