"""The notification form in Chromium: the JAR criteria revealed under "unexpected" (a GOV.UK
conditional reveal that passes axe), and an unexpected death notified with its criterion
showing its rapid response meeting deadlines on the case page straight after saving."""

import re
from datetime import timedelta

import pytest

from tests.browser import assert_no_axe_violations, assert_page_healthy
from tracker.roles import Role
from tracker.timeutil import london_today

pytestmark = [pytest.mark.browser, pytest.mark.relative_dates]


def _date(page, field, day):
    page.locator(f"#{field}-day").fill(str(day.day))
    page.locator(f"#{field}-month").fill(str(day.month))
    page.locator(f"#{field}-year").fill(str(day.year))


def _healthy(page):
    assert_page_healthy(page)
    assert_no_axe_violations(page)


def test_an_unexpected_death_notified_with_its_criterion_shows_its_jar_deadlines(page,
                                                                                 sign_in_as):
    died = london_today() - timedelta(days=1)
    sign_in_as(Role.CDOP_ADMIN)
    page.goto("/child-deaths/notify")
    _healthy(page)
    sudden = page.get_by_label("The death is sudden and there is no immediately apparent cause")
    assert not sudden.is_visible()  # revealed only for an unexpected death

    page.get_by_label("Given names").fill("Testy")
    page.get_by_label("Family name").fill("Invented")
    _date(page, "date_of_birth", died - timedelta(days=200))
    page.get_by_label("Female").check()
    page.get_by_label("NHS number (if known)").fill("999 000 0018")
    page.get_by_label("Local authority where the child normally lived").fill("Northshire")
    _date(page, "date_of_death", died)
    page.locator("#birth_outcome").check()  # No: not a stillbirth or a termination
    page.locator("#place_of_death").check()  # Hospital
    page.get_by_label("Yes, the death was unexpected").check()
    sudden.wait_for(state="visible")
    _healthy(page)  # with the reveal open
    sudden.check()
    page.locator("#source").check()  # Practitioner
    page.locator("#notifier_name").fill("Dr Notifier")
    page.locator("#notifier_agency").fill("Northshire Hospitals NHS Trust")
    page.get_by_label("Agency 1: name").fill("Northshire Primary School")
    page.get_by_label("Agency 1: kind of agency").select_option("school")
    page.get_by_role("button", name="Save notification").click()
    page.get_by_role("heading", name=re.compile(r"^CDOP-NSP-\d{4}-\d{4}$")).wait_for()
    _healthy(page)

    deadlines = page.locator("#deadline-table")
    assert "First rapid response meeting" in deadlines.locator(
        "#deadline-rr_meeting_1").inner_text()
    assert "Second rapid response meeting" in deadlines.locator(
        "#deadline-rr_meeting_2").inner_text()
    assert "Northshire Primary School" in page.locator("#agency-list").inner_text()

    page.get_by_role("link", name=re.compile("Add or remove agencies")).click()
    _healthy(page)


def test_an_expected_death_that_is_sudden_and_unexplained_is_refused_accessibly(page,
                                                                                 sign_in_as):
    sign_in_as(Role.CDOP_ADMIN)
    page.goto("/child-deaths/notify")
    page.get_by_label("Yes, the death was unexpected").check()
    page.get_by_label("The death is sudden and there is no immediately apparent cause").check()
    page.get_by_label("No, the death was expected").check()
    page.get_by_role("button", name="Save notification").click()
    summary = page.locator(".govuk-error-summary")
    summary.wait_for()
    assert "cannot be both expected and sudden" in summary.inner_text()
    _healthy(page)
