"""The deadline compliance and annual report pages in Chromium, reached by their links, with
figures, charts and an error: each passes axe with the real Content-Security-Policy on."""

from datetime import date

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from tests.browser import assert_no_axe_violations, assert_page_healthy
from tests.browser.conftest import PARTNERSHIP_CODE
from tests.cdr.factories import make_case
from tracker.deadline_models import Deadline
from tracker.extensions import db
from tracker.models import Partnership
from tracker.roles import Role
from tracker.timeutil import london_today

pytestmark = [pytest.mark.browser, pytest.mark.relative_dates]  # this reporting year


def _healthy(page):
    assert_page_healthy(page)
    assert_no_axe_violations(page)


def _seed(live_server):
    """Deadlines due this reporting year, and cases notified in the last complete one."""
    today = london_today()
    this_year = date(today.year if today.month >= 4 else today.year - 1, 4, 1)
    with live_server.app_context():
        partnership = db.session.scalar(
            sa.select(Partnership).where(Partnership.code == PARTNERSHIP_CODE))
        for n, met in enumerate((this_year, this_year.replace(day=9), None)):
            db.session.add(Deadline(partnership_id=partnership.id, owner_type="cdr_case",
                                    owner_id=90_000 + n, rule_key="registrar_notification",
                                    due_date=this_year.replace(day=2), met_on=met))
        db.session.commit()
        last_year = this_year.replace(year=this_year.year - 1, month=6)
        for days, sex in ((10, "male"),) * 4 + ((4000, "female"),):
            make_case(partnership, notification_received_on=last_year, date_of_death=last_year,
                      age_at_death_days=days, sex=sex)
        db.session.remove()


def test_compliance_and_annual_report_pages(page, live_server, sign_in_as):
    _seed(live_server)
    sign_in_as(Role.CDOP_ADMIN)
    page.goto("/child-deaths/")
    page.get_by_role("link", name="Deadline compliance").click()
    expect(page.locator("#compliance-chart svg[role=img]")).to_be_visible()
    expect(page.locator('tr[data-rule="*"] td[data-col="due"]')).to_have_text("3")
    _healthy(page)
    page.locator("#date_to-year").fill("1999")
    page.get_by_role("button", name="Show figures").click()
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    _healthy(page)

    page.goto("/child-deaths/panel-meetings")
    page.get_by_role("link", name="Annual report data").click()
    expect(page.locator("#notified-1")).to_contain_text("fewer than 3")
    expect(page.locator("#notified-1-chart svg[role=img]")).to_be_visible()
    _healthy(page)
