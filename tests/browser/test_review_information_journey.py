"""The business unit asks an agency for information for a rapid review; the agency contact
opens the personal link, enters the code and sends a written response; the business unit
accepts it (pausing chasing the agency on the way). Axe on every page of the journey, the
agency's written response page included."""

import re
from datetime import datetime

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from tests.browser import assert_no_axe_violations, assert_page_healthy
from tests.browser.conftest import PARTNERSHIP_CODE
from tests.reviews.factories import make_incident
from tracker.agencies import AgencyContact, DirectoryAgency
from tracker.extensions import db
from tracker.mail import OutboundEmail
from tracker.models import Partnership
from tracker.roles import Role

pytestmark = pytest.mark.browser


def _incident_and_contact(live_server):
    with live_server.app.test_request_context():
        partnership = db.session.scalar(
            sa.select(Partnership).where(Partnership.code == PARTNERSHIP_CODE))
        incident = make_incident(partnership, child_name="Testchild Invented")
        agency = DirectoryAgency(partnership_id=partnership.id, name="Hill Surgery",
                                 name_key="hill surgery", kind="gp")
        db.session.add_all([agency, AgencyContact(agency=agency, partnership_id=partnership.id,
                                                  name="Jo Hill", email="jo@hill.example")])
        db.session.commit()
        found = incident.id, incident.reference
        db.session.remove()
    return found


def _email(live_server, kind, pattern):
    with live_server.app_context():
        body = db.session.scalars(sa.select(OutboundEmail.text_body).where(
            OutboundEmail.kind == kind).order_by(OutboundEmail.id.desc())).first()
        db.session.remove()
    return re.search(pattern, body).group(1)


def test_an_agency_answers_a_request_for_information_and_the_business_unit_accepts_it(
        page, live_server, sign_in_as, clock):
    clock.set(datetime(2031, 4, 10, 10, 0))
    incident_id, reference = _incident_and_contact(live_server)
    sign_in_as(Role.BUSINESS_UNIT)
    page.goto(f"/practice-reviews/{incident_id}")
    expect(page.locator("#information-from-agencies")).to_be_visible()
    page.get_by_role("button", name="Ask an agency for information").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ask an agency for information")
    assert_no_axe_violations(page)
    page.get_by_role("button", name="Send the request").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        "Enter what the agency is asked for")
    assert_no_axe_violations(page)
    page.get_by_label("Rapid review").check()
    page.get_by_label("What is asked").fill("Your records of the family since June.")
    page.get_by_label("Day").fill("24")
    page.get_by_label("Month").fill("4")
    page.get_by_label("Year").fill("2031")
    page.get_by_role("button", name="Send the request").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Request for information to")
    assert_no_axe_violations(page)
    page.get_by_role("button", name="Pause chasing").click()
    expect(page.locator("#chasing-state")).to_contain_text("Paused")
    assert_no_axe_violations(page)
    page.get_by_role("button", name="Resume chasing").click()
    expect(page.locator("#chasing-state")).to_contain_text("reminded by e-mail")
    page.context.clear_cookies()

    token = _email(live_server, "agency_link", r"/agency/([A-Za-z0-9_-]{40,})")
    page.goto(f"/agency/{token}")
    page.get_by_role("button", name="Send me a code").click()
    page.get_by_label("One-time code").fill(_email(live_server, "agency_code", r"\b(\d{6})\b"))
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Request for information")
    expect(page.locator("main")).to_contain_text("Your records of the family since June.")
    assert_page_healthy(page)
    assert_no_axe_violations(page)
    page.get_by_role("button", name="Start your response").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your written response")
    assert_no_axe_violations(page)
    page.get_by_role("button", name="Continue").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter your agency's response")
    assert_no_axe_violations(page)
    page.get_by_label("Your agency's response").fill("Seen twice, in July and September.")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Check your response")
    assert_no_axe_violations(page)
    page.get_by_role("button", name="Send your response").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Response sent")
    assert_no_axe_violations(page)
    page.context.clear_cookies()

    sign_in_as(Role.BUSINESS_UNIT)
    page.goto(f"/practice-reviews/{incident_id}")
    expect(page.locator("#information-requests")).to_contain_text("Returned, awaiting review")
    page.get_by_role("link", name="Hill Surgery").click()
    expect(page.locator("main")).to_contain_text("Seen twice, in July and September.")
    assert_no_axe_violations(page)
    page.get_by_role("button", name="Accept the response").click()
    expect(page.locator("#information-request-summary")).to_contain_text("Accepted")
    assert_no_axe_violations(page)
