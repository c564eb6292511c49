"""A CDOP administrator marks a case's notification form sent to the NCMD from the case page,
after a refused date, and finds the case on the list of cases not yet sent; axe on each page."""

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


def _case(live_server):
    with live_server.app_context():
        partnership = db.session.scalar(
            sa.select(Partnership).where(Partnership.code == PARTNERSHIP_CODE))
        case = make_case(partnership, date_of_death=date(2031, 4, 1),
                         notification_received_on=date(2031, 4, 2))
        found = case.id, case.reference
        db.session.remove()
    return found


def test_a_cdop_administrator_marks_the_notification_sent_to_the_ncmd(
        page, live_server, sign_in_as, clock):
    clock.set(date(2031, 4, 28))
    case_id, reference = _case(live_server)
    sign_in_as(Role.CDOP_ADMIN)

    page.goto("/child-deaths/ncmd")
    expect(page.get_by_role("heading", level=1)).to_have_text("Not yet sent to the NCMD")
    assert_page_healthy(page)
    assert_no_axe_violations(page)
    page.get_by_role("link", name=reference).click()
    expect(page.locator("#ncmd-notification")).to_contain_text("Not yet sent")
    assert_no_axe_violations(page)

    page.get_by_role("link", name="Mark as sent (notification form)").click()
    page.get_by_label("Day").fill("29")
    page.get_by_label("Month").fill("4")
    page.get_by_label("Year").fill("2031")
    page.get_by_role("button", name="Mark as sent").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        "The date sent must be today or in the past")
    assert_page_healthy(page)
    assert_no_axe_violations(page)
    page.get_by_label("Day").fill("3")
    page.get_by_role("button", name="Mark as sent").click()

    expect(page.locator("#ncmd-notification")).to_contain_text("Sent on 3 April 2031, marked by")
    assert page.url.endswith(f"/child-deaths/{case_id}#ncmd")
