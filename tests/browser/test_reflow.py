"""WCAG 2.2 reflow (1.4.10): at 320 CSS pixels wide the lists and the case page need no
horizontal scrolling of the page itself; a wide table scrolls inside its own region. With the
filters folded away behind "Filter" until asked for."""

from datetime import date

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from tests.browser import assert_no_axe_violations
from tests.browser.conftest import PARTNERSHIP_CODE
from tests.cdr.factories import make_case
from tracker.extensions import db
from tracker.models import Partnership
from tracker.roles import Role

pytestmark = pytest.mark.browser


def _page_scrolls_sideways(page) -> bool:
    return page.evaluate(
        "document.documentElement.scrollWidth > document.documentElement.clientWidth")


def test_the_case_list_and_a_case_fit_a_320_pixel_screen(page, live_server, sign_in_as,
                                                         clock):
    clock.set(date(2031, 4, 28))
    with live_server.app_context():
        partnership = db.session.scalar(
            sa.select(Partnership).where(Partnership.code == PARTNERSHIP_CODE))
        case_id = make_case(partnership, jar_required=True, date_of_death=date(2031, 4, 1),
                            notification_received_on=date(2031, 4, 2)).id
        db.session.remove()
    sign_in_as(Role.CDOP_ADMIN)
    page.set_viewport_size({"width": 320, "height": 640})

    page.goto("/child-deaths/")
    # The filters are folded away: the list starts on the first screen.
    expect(page.get_by_label("Stage")).to_be_hidden()
    assert not _page_scrolls_sideways(page)
    page.get_by_text("Filter", exact=True).click()
    page.get_by_label("Stage").select_option("rapid_response")
    page.get_by_role("button", name="Apply filters").click()
    expect(page.locator("#case-chosen")).to_contain_text("Stage: Joint Agency Response")
    assert not _page_scrolls_sideways(page)
    assert_no_axe_violations(page)

    page.goto(f"/child-deaths/{case_id}")
    expect(page.locator("#next-step")).to_be_visible()
    assert not _page_scrolls_sideways(page)
