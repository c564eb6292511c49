"""A CDOP administrator's first morning in Chromium: notify a death, decide on a Joint Agency
Response, schedule the three rapid response meetings, and see the deadlines on the case page.
Every page on the way passes axe with the real Content-Security-Policy on.

It runs on the real today (CI also runs it with the clock on a Sunday, a bank holiday,
31 December and 29 February). The child died the day before the last working day up to
today, and the first meeting was held on that working day: never in the future, and in its
window (1 to 5 days after the death), as today is however many holidays came before it; the
second meeting's window (5 to 7 days after) has days from today on for the form to propose.
"""

import re
from datetime import timedelta

import pytest

from tests.browser import assert_no_axe_violations, assert_page_healthy
from tracker.calendar import is_working_day
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


def test_notify_a_death_and_schedule_the_rapid_response_meetings(page, sign_in_as):
    today = london_today()
    held_on = today
    while not is_working_day(held_on):
        held_on -= timedelta(days=1)
    died = held_on - timedelta(days=1)
    sign_in_as(Role.CDOP_ADMIN)

    # The notification form, refused first: its error summary must pass axe too.
    page.goto("/child-deaths/notify")
    _healthy(page)
    page.get_by_role("button", name="Save notification").click()
    page.locator(".govuk-error-summary").wait_for()
    _healthy(page)

    page.get_by_label("Given names").fill("Testy")
    page.get_by_label("Family name").fill("Invented")
    _date(page, "date_of_birth", died - timedelta(days=400))
    page.get_by_label("Female").check()
    page.get_by_label("NHS number (if known)").fill("999 000 0018")
    page.get_by_label("Local authority where the child normally lived").fill("Northshire")
    _date(page, "date_of_death", died)
    page.locator("#birth_outcome").check()  # No: not a stillbirth or a termination
    page.locator("#place_of_death").check()  # Hospital
    page.locator("#death_expected").check()  # Yes, unexpected
    page.locator("#source").check()  # Practitioner
    page.locator("#notifier_name").fill("Dr Notifier")
    page.locator("#notifier_agency").fill("Northshire Hospitals NHS Trust")
    page.get_by_role("button", name="Save notification").click()
    page.get_by_role("heading", name=re.compile(r"^CDOP-NSP-\d{4}-\d{4}$")).wait_for()
    _healthy(page)
    case_url = page.url
    on_case_page = re.compile(re.escape(case_url) + r"(#.*)?$")

    # Sudden, with no immediately apparent cause: a Joint Agency Response is required.
    page.goto(f"{case_url}/joint-agency-response")
    _healthy(page)
    page.locator("#criteria-2").check()  # sudden, no immediately apparent cause
    _date(page, "post_mortem_results_on", today)
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(on_case_page)

    for number in (1, 2, 3):
        page.goto(f"{case_url}/meetings/{number}")
        _healthy(page)
        # The first date proposed inside the window is already filled in.
        assert page.locator("#meeting_on-day").input_value()
        page.get_by_label("Place or link").fill("Northshire Children's Hospital, room 2")
        page.get_by_label("Chair").fill("Designated doctor")
        if number == 1:  # held: on a date in the past, not the first one proposed
            _date(page, "meeting_on", held_on)
            page.get_by_label("The meeting has been held").check()
        page.get_by_role("button", name="Save meeting").click()
        page.wait_for_url(on_case_page)

    _healthy(page)
    deadlines = page.locator("#deadline-table")
    first = deadlines.locator("#deadline-rr_meeting_1").inner_text()
    assert "First rapid response meeting" in first and "Met on time" in first
    window = f"{(died + timedelta(days=5)).day} {(died + timedelta(days=5)):%B %Y}"
    second = deadlines.locator("#deadline-rr_meeting_2").inner_text()
    assert "Second rapid response meeting" in second
    assert f"{(died + timedelta(days=7)).day} {(died + timedelta(days=7)):%B %Y}" in second
    assert window in second  # the window opens 5 days after the death
    third = deadlines.locator("#deadline-rr_meeting_3").inner_text()
    assert "Third rapid response meeting" in third
    # The meetings section lists all three as scheduled.
    assert page.locator("#meetings").count() == 1
