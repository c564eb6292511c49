"""A business unit manager records a serious incident in Chromium through the real form and
finds its Panel notification deadline on the tracker list; every practice review page built
for it passes axe (WCAG 2.x A/AA)."""

from datetime import date

import pytest
from playwright.sync_api import expect

from tests.browser import assert_no_axe_violations, assert_page_healthy
from tracker.roles import Role

pytestmark = pytest.mark.browser

TODAY = date(2025, 1, 10)


@pytest.fixture(autouse=True)
def _today(clock):
    """The server's today is fixed: Friday 10 January 2025 (the server runs in-process)."""
    clock.set(TODAY)


def _fill_date(page, legend, value: date):
    group = page.get_by_role("group", name=legend, exact=True)
    group.get_by_label("Day").fill(str(value.day))
    group.get_by_label("Month").fill(str(value.month))
    group.get_by_label("Year").fill(str(value.year))


def _choose(page, question, answer):
    page.get_by_role("group", name=question).get_by_label(answer, exact=True).check()


def _healthy_and_accessible(page):
    assert_page_healthy(page)
    assert_no_axe_violations(page)


def _record_incident(page):
    """Open the form from the tracker list and fill it in as a person would."""
    page.get_by_role("navigation", name="Menu").get_by_role("link",
                                                            name="Practice reviews").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Practice reviews")
    _healthy_and_accessible(page)
    page.get_by_role("button", name="Record a serious incident").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Record a serious incident")
    _healthy_and_accessible(page)
    page.get_by_label("Reference for the child (optional)").fill("Child P")
    page.get_by_label("The child was seriously harmed").check()
    _fill_date(page, "Incident date", date(2024, 12, 20))
    _fill_date(page, "Date the local authority became aware", date(2024, 12, 23))
    _choose(page, "Is abuse or neglect known or suspected?", "Yes")
    page.get_by_label("In the local authority's area").check()
    _choose(page, "Was the child looked after by a local authority?", "No")
    _choose(page, "Was the child a care leaver?", "No")
    page.get_by_label("On a child protection plan", exact=True).check()
    page.get_by_role("button", name="Record the incident").click()


def test_recording_an_incident_shows_its_panel_deadline_on_the_tracker_list(page,
                                                                            sign_in_as):
    sign_in_as(Role.BUSINESS_UNIT)

    _record_incident(page)

    expect(page.get_by_role("heading", level=1)).to_have_text("CSPR-NSP-2024-0001: Child P")
    expect(page.locator(".govuk-notification-banner")).to_contain_text(
        "the reference is CSPR-NSP-2024-0001")
    _healthy_and_accessible(page)
    page.get_by_role("link", name="Practice reviews", exact=True).first.click()
    row = page.locator("#tracker-list tbody tr").filter(has_text="CSPR-NSP-2024-0001")
    expect(row).to_contain_text("Notify the Child Safeguarding Practice Review Panel")
    expect(row).to_contain_text("2 January 2025")
    expect(row.locator(".govuk-tag")).to_have_text("Overdue")
    _healthy_and_accessible(page)


def test_a_refused_incident_shows_the_error_summary_and_passes_axe(page, sign_in_as):
    sign_in_as(Role.BUSINESS_UNIT)
    page.goto("/practice-reviews/new")
    _fill_date(page, "Incident date", date(2024, 12, 20))
    _fill_date(page, "Date the local authority became aware", date(2024, 12, 19))

    page.get_by_role("button", name="Record the incident").click()

    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text(
        "Select whether the child died or was seriously harmed")
    _healthy_and_accessible(page)


def test_every_practice_review_form_passes_axe(page, sign_in_as):
    sign_in_as(Role.BUSINESS_UNIT)
    _record_incident(page)
    expect(page.get_by_role("heading", level=1)).to_contain_text("CSPR-NSP-2024-0001")
    review_url = page.url

    for link, heading in (("Record notifications", "Notifications"),
                          ("Record the rapid review", "Rapid review"),
                          ("Record the Panel's response", "The Panel's response"),
                          ("Record the decision", "Decision")):
        page.goto(review_url)
        page.get_by_role("link", name=link).click()
        expect(page.get_by_role("heading", level=1)).to_have_text(heading)
        _healthy_and_accessible(page)

    # The rapid review with a meeting added, and a bad meeting date refused.
    page.goto(f"{review_url}/rapid-review")
    _fill_date(page, "Meeting date", date(2025, 1, 6))
    page.get_by_role("button", name="Add the meeting").click()
    expect(page.locator("#meeting-table")).to_contain_text("6 January 2025")
    _healthy_and_accessible(page)
    _fill_date(page, "Meeting date", date(2024, 12, 1))
    page.get_by_role("button", name="Add the meeting").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        "Meeting date must be the same as or after")
    _healthy_and_accessible(page)

    # The home page: the incident's deadline among the overdue ones.
    page.goto("/")
    expect(page.locator("#deadlines-overdue-table")).to_contain_text("CSPR-NSP-2024-0001")
    _healthy_and_accessible(page)
