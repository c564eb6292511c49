"""A practitioner notifies a death through the public form (no account), and a CDOP
administrator triages it into a new case; axe on every page of both."""

from datetime import date

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from tests.browser import assert_no_axe_violations, assert_page_healthy
from tests.browser.conftest import PARTNERSHIP_CODE
from tracker.extensions import db
from tracker.models import Partnership
from tracker.roles import Role

pytestmark = pytest.mark.browser


def _takes_notifications(live_server):
    with live_server.app_context():
        partnership = db.session.scalar(
            sa.select(Partnership).where(Partnership.code == PARTNERSHIP_CODE))
        partnership.takes_public_notifications = True
        name = partnership.name
        db.session.commit()
        db.session.remove()
    return name


def _fill(page, name, value, nth=0):
    page.locator(f'[name="{name}"]').nth(nth).fill(value)


def _date(page, name, day, month, year):
    for nth, value in enumerate((day, month, year)):
        _fill(page, name, value, nth)


def _checked(page, name, value):
    page.locator(f'[name="{name}"][value="{value}"]').check()


def _continue(page):
    page.get_by_role("button", name="Continue").click()


def test_a_practitioner_notifies_and_an_administrator_opens_a_case(
        page, live_server, sign_in_as, clock):
    clock.set(date(2031, 4, 10))
    name = _takes_notifications(live_server)

    page.goto("/notify/")
    assert_page_healthy(page)
    assert_no_axe_violations(page)
    page.get_by_role("link", name=name).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Notify a child death")
    assert_no_axe_violations(page)
    page.get_by_role("button", name="Start now").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("The child")
    assert_no_axe_violations(page)
    _continue(page)
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter the child's given names")
    assert_no_axe_violations(page)
    _fill(page, "given_names", "Zebedee")
    _fill(page, "family_name", "Quartermaine")
    _date(page, "date_of_birth", "3", "4", "2028")
    _checked(page, "sex", "male")
    _fill(page, "nhs_number", "9434765919")
    _fill(page, "la_of_residence", "Northshire")
    _continue(page)

    expect(page.get_by_role("heading", level=1)).to_have_text("The death")
    assert_no_axe_violations(page)
    _date(page, "date_of_death", "8", "4", "2031")
    _checked(page, "birth_outcome", "no")
    _checked(page, "place_of_death", "hospital")
    _continue(page)

    expect(page.get_by_role("heading", level=1)).to_have_text("Whether the death was unexpected")
    assert_no_axe_violations(page)
    _checked(page, "death_expected", "no")
    _checked(page, "jar_criteria", "jar_sudden_unexplained")
    _continue(page)

    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Professionals and agencies involved with the child")
    assert_no_axe_violations(page)
    _fill(page, "agency_1_name", "Northshire Primary School")
    page.locator('[name="agency_1_kind"]').select_option("school")
    _continue(page)

    expect(page.get_by_role("heading", level=1)).to_have_text("About you")
    assert_no_axe_violations(page)
    _fill(page, "notifier_name", "Dr Ada Practitioner")
    _fill(page, "notifier_role", "GP")
    _fill(page, "notifier_agency", "Northshire Surgery")
    _fill(page, "notifier_email", "ada@example.nhs.uk")
    _continue(page)

    expect(page.get_by_role("heading", level=1)).to_have_text("Check your answers before sending")
    assert_page_healthy(page)
    assert_no_axe_violations(page)
    page.get_by_role("button", name="Send notification").click()
    expect(page.locator(".govuk-panel")).to_contain_text(f"PN-{PARTNERSHIP_CODE}-2031-0001")
    assert_no_axe_violations(page)

    sign_in_as(Role.CDOP_ADMIN)
    page.goto("/child-deaths/public-notifications")
    assert_page_healthy(page)
    assert_no_axe_violations(page)
    page.get_by_role("link", name=f"PN-{PARTNERSHIP_CODE}-2031-0001").click()
    expect(page.locator("main")).to_contain_text("Zebedee")
    assert_no_axe_violations(page)
    page.get_by_role("link", name="Decline or forward this notification").click()
    assert_no_axe_violations(page)
    page.go_back()
    page.get_by_role("link", name="Open a new case").click()
    expect(page.locator('[name="given_names"]')).to_have_value("Zebedee")
    assert_no_axe_violations(page)
    page.get_by_role("button", name="Save notification").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text(
        f"the case reference is CDOP-{PARTNERSHIP_CODE}-2031-0001")
    page.goto("/child-deaths/public-notifications")
    expect(page.locator("main")).to_contain_text("There are no public notifications to triage")
