"""A CDOP administrator adds an agency and a contact to the directory (after a refused
address), then sends a case's request to that contact as a personal link; axe on each page."""

from datetime import date

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from tests.browser import assert_no_axe_violations, assert_page_healthy
from tests.browser.conftest import PARTNERSHIP_CODE
from tests.cdr.factories import make_case
from tracker.extensions import db
from tracker.models import Partnership
from tracker.roles import Role

pytestmark = pytest.mark.browser


def _request(live_server):
    from cdr.models import AgencyRequest

    with live_server.app_context():
        partnership = db.session.scalar(
            sa.select(Partnership).where(Partnership.code == PARTNERSHIP_CODE))
        case = make_case(partnership, date_of_death=date(2031, 4, 1),
                         notification_received_on=date(2031, 4, 2))
        request = AgencyRequest(partnership_id=partnership.id, case_id=case.id,
                                agency="Hill Surgery", sent_on=date(2031, 4, 3))
        db.session.add(request)
        db.session.commit()
        found = case.id, request.id
        db.session.remove()
    return found


def test_the_directory_and_a_personal_link(page, live_server, sign_in_as, clock):
    clock.set(date(2031, 4, 28))
    case_id, request_id = _request(live_server)
    sign_in_as(Role.CDOP_ADMIN)

    page.goto("/agencies/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Agency directory")
    assert_page_healthy(page)
    assert_no_axe_violations(page)
    page.get_by_role("link", name="Add an agency").click()
    assert_no_axe_violations(page)
    page.get_by_label("Agency name").fill("Hill Surgery")
    page.get_by_label("Type of agency").select_option("gp")
    page.get_by_role("button", name="Save the agency").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Hill Surgery")
    assert_no_axe_violations(page)

    page.get_by_role("link", name="Add a contact").click()
    page.get_by_label("Contact's name").fill("Jo Hill")
    page.get_by_label("Work e-mail address").fill("not an address")
    page.get_by_label("This is the agency's escalation contact").check()
    page.get_by_role("button", name="Save the contact").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        "Enter a work e-mail address in the correct format")
    assert_page_healthy(page)
    assert_no_axe_violations(page)
    page.get_by_label("Work e-mail address").fill("jo@hill.example")
    page.get_by_role("button", name="Save the contact").click()
    expect(page.locator("#agency-contacts")).to_contain_text("Escalation contact")

    page.goto(f"/child-deaths/{case_id}/requests/{request_id}")
    assert_no_axe_violations(page)
    page.get_by_label("Send the request to").select_option(label="Hill Surgery: Jo Hill "
                                                                 "(jo@hill.example)")
    page.get_by_role("button", name="Send the link").click()
    expect(page.locator("#request-links")).to_contain_text("Jo Hill, Hill Surgery")
    expect(page.locator("#request-links")).to_contain_text("Sent")
    assert_page_healthy(page)
    assert_no_axe_violations(page)
