"""Issue 24's journey in Chromium: a sudden unexpected infant death from notification to a
closed review on the national forms, with axe on every page the issue changed or added.

The JAR is decided on the notify form (its deadlines are on the case page straight after
saving: test_notify_jar.py checks that form itself with axe); two rapid response meetings are
held and no post-mortem will be held, so the case leaves the JAR stage; reporting forms are
asked of several agencies at once, the information is marked complete on its date and the
child death review meeting records its draft analysis; a past CDOP meeting is recorded with
its reason, an outcome dated before it is refused, and the outcome at it closes the case; an
action is completed on its date with its evidence. The clock is fixed, so the dates are too.
"""

import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from tests.browser import assert_no_axe_violations, assert_page_healthy
from tracker.roles import Role

pytestmark = pytest.mark.browser

DIED = date(2031, 3, 3)


def _date(page, field, day):
    page.locator(f"#{field}-day").fill(str(day.day))
    page.locator(f"#{field}-month").fill(str(day.month))
    page.locator(f"#{field}-year").fill(str(day.year))


def _healthy(page):
    assert_page_healthy(page)
    assert_no_axe_violations(page)


def _long(day):
    return f"{day.day} {day:%B %Y}"


def _back_on(page, url):
    """Saved: back on `url` (any #section); else fail with the page's error summary."""
    page.wait_for_load_state("load")
    errors = page.locator(".govuk-error-summary")
    assert not errors.count(), f"refused on {page.url}: {errors.inner_text()}"
    page.wait_for_url(re.compile(re.escape(url) + r"(#.*)?$"))


def _stage(page, name):
    """The status of one stage in the case page's task list."""
    item = page.locator("#stages + .govuk-task-list li").filter(
        has=page.locator(".govuk-task-list__name-and-hint", has_text=name))
    return item.locator(".govuk-tag").inner_text().strip()


def test_an_unexpected_infant_death_from_notification_to_a_closed_review(
        page, live_server, sign_in_as, clock, monkeypatch):
    # The users stay signed in while the clock moves on by weeks.
    monkeypatch.setitem(live_server.app.config, "IDLE_TIMEOUT_MINUTES", 10**7)
    monkeypatch.setitem(live_server.app.config, "SESSION_MAX_HOURS", 10**6)
    clock.set(DIED + timedelta(days=1))
    sign_in_as(Role.CDOP_ADMIN)

    # (1) Notified as unexpected, with its JAR criterion and the agencies involved.
    page.goto("/child-deaths/notify")
    page.get_by_label("Given names").fill("Testy")
    page.get_by_label("Family name").fill("Invented")
    _date(page, "date_of_birth", DIED - timedelta(days=120))
    page.get_by_label("Female").check()
    page.get_by_label("NHS number (if known)").fill("999 000 0018")
    page.get_by_label("Local authority where the child normally lived").fill("Northshire")
    _date(page, "date_of_death", DIED)
    page.locator("#birth_outcome").check()  # No: not a stillbirth or a termination
    page.locator("#place_of_death").check()  # Hospital
    page.get_by_label("Yes, the death was unexpected").check()
    page.get_by_label("The death is sudden and there is no immediately apparent cause").check()
    page.locator("#source").check()  # Practitioner
    page.locator("#notifier_name").fill("Dr Notifier")
    page.locator("#notifier_agency").fill("Northshire Hospitals NHS Trust")
    page.get_by_label("Agency 1: name").fill("Northshire Medical Practice")
    page.get_by_label("Agency 1: kind of agency").select_option("gp")
    page.get_by_role("button", name="Save notification").click()
    page.get_by_role("heading", name=re.compile(r"^CDOP-NSP-\d{4}-\d{4}$")).wait_for()
    case_url = page.url
    deadlines = page.locator("#deadline-table")
    expect(deadlines.locator("#deadline-rr_meeting_1")).to_contain_text(
        "First rapid response meeting")
    expect(deadlines.locator("#deadline-rr_meeting_2")).to_contain_text(
        "Second rapid response meeting")
    _healthy(page)  # the case page

    page.goto(f"{case_url}/agencies")
    expect(page.locator("main")).to_contain_text("Northshire Medical Practice")
    _healthy(page)

    # (2) Two meetings held, then no post-mortem: the case leaves the JAR stage.
    clock.set(DIED + timedelta(days=7))
    for number, held_on in ((1, DIED + timedelta(days=2)), (2, DIED + timedelta(days=6))):
        page.goto(f"{case_url}/meetings/{number}")
        _date(page, "meeting_on", held_on)
        page.get_by_label("The meeting has been held").check()
        page.get_by_role("button", name="Save meeting").click()
        _back_on(page, case_url)
    assert _stage(page, "Joint Agency Response") == "In progress"

    page.goto(f"{case_url}/post-mortem")
    _healthy(page)
    page.get_by_label("No post-mortem will be held").check()
    _date(page, "decided_on", DIED + timedelta(days=3))
    page.get_by_label("Who decided").fill("Coroner's officer, Northshire")
    page.get_by_role("button", name="Save").click()
    _back_on(page, case_url)
    assert _stage(page, "Joint Agency Response") == "Completed"
    assert _stage(page, "Gathering information") == "In progress"
    expect(page.locator("#deadline-rr_meeting_3")).to_contain_text("Not applicable")

    page.goto(f"{case_url}/inquest-and-family-support")
    _healthy(page)
    page.get_by_label("Key worker's agency").fill("Northshire Hospitals NHS Trust")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        "Enter the key worker's name and agency")
    _healthy(page)  # refused: the error summary and the field's error
    page.get_by_label("Key worker's name").fill("Bereavement nurse")
    page.get_by_role("button", name="Save").click()
    _back_on(page, case_url)

    # Reporting forms from several agencies at once, one deadline each.
    page.goto(f"{case_url}/requests/several")
    _healthy(page)
    page.get_by_role("checkbox", name="Northshire Medical Practice").check()
    page.get_by_label("Reporting form for Northshire Medical Practice").wait_for()
    _healthy(page)  # with the agency's choice of reporting form revealed
    page.get_by_label("Agency 1", exact=True).fill("Northshire GP practice")
    _date(page, "sent_on", DIED + timedelta(days=7))
    page.get_by_role("button", name="Add requests").click()
    _back_on(page, case_url)
    expect(page.locator(".govuk-notification-banner")).to_contain_text("2 requests added")

    # The information complete on its date, then the review meeting's draft analysis.
    clock.set(DIED + timedelta(days=40))
    _date(page, "information_complete_on", DIED + timedelta(days=38))
    page.get_by_role("button", name="Mark information as complete").click()
    expect(page.locator("main")).to_contain_text(
        f"Information complete on {_long(DIED + timedelta(days=38))}")
    assert _stage(page, "Gathering information") == "Completed"
    assert _stage(page, "Child death review meeting") == "In progress"

    page.goto(f"{case_url}/review-meeting")
    _healthy(page)
    _date(page, "review_meeting_on", DIED + timedelta(days=39))
    page.locator("#review_meeting_attendees").fill("Designated doctor\nHealth visitor")
    page.locator("input[name=draft_category][value=sudden_unexplained]").check()
    page.locator("input[name=draft_modifiable][value=insufficient]").check()
    page.get_by_role("button", name=re.compile("^Save")).click()
    _back_on(page, case_url)
    expect(page.locator("#analysis-category")).to_contain_text(
        "Sudden unexpected, unexplained death")

    # (4) A past CDOP meeting, recorded with the reason: refused without one first.
    clock.set(DIED + timedelta(days=70))
    met_on = DIED + timedelta(days=60)
    page.goto("/child-deaths/panel-meetings/new")
    _date(page, "meeting_on", met_on)
    page.get_by_role("button", name=re.compile("meeting")).click()
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        "Enter why you are recording a CDOP meeting that has already taken place")
    _healthy(page)  # the form with its error and the reason field
    page.locator("#recorded_after_reason").fill("Brought in from the old spreadsheet")
    page.get_by_role("button", name=re.compile("meeting")).click()
    expect(page.locator("#meeting-details")).to_contain_text(
        "Reason: Brought in from the old spreadsheet")
    meeting_url = page.url
    page.goto(f"{meeting_url}/ready-cases")
    page.get_by_role("button", name=re.compile("Add")).first.click()
    _back_on(page, meeting_url)

    # (3) The outcome, dated before its CDOP meeting, is refused with the reason why.
    page.goto(f"{case_url}/outcome")
    _healthy(page)  # opens on the draft and the meeting held
    page.locator("input[name=modifiable_factors][value=no]").check()
    _date(page, "review_completed_on", met_on - timedelta(days=1))
    page.get_by_role("button", name="Save outcome and close the case").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        f"on or after the date of the CDOP meeting it was completed at ({_long(met_on)})")
    _healthy(page)
    _date(page, "review_completed_on", met_on)
    page.get_by_role("button", name="Save outcome and close the case").click()
    _back_on(page, case_url)
    expect(page.locator(".govuk-notification-banner")).to_contain_text("is closed")
    _healthy(page)  # the closed case page

    # An action agreed at the CDOP meeting, completed on its date with its evidence.
    page.goto(f"{case_url}/actions/new")
    page.locator("#description").fill("Audit safer sleep advice at discharge")
    page.locator("#owner").fill("Northshire Hospitals NHS Trust")
    _date(page, "due_on", met_on + timedelta(days=90))
    page.get_by_role("button", name="Add action").click()
    page.get_by_role("link", name=re.compile("Mark as completed")).click()
    _healthy(page)
    _date(page, "completed_on", met_on + timedelta(days=5))
    page.locator("#evidence").fill("Audit report to the CDOP")
    page.get_by_role("button", name=re.compile("complete", re.I)).click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text(
        "Action marked as completed")
