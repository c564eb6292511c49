"""WCAG 2.2 reflow (1.4.10): at 320 CSS pixels wide the lists and the case page need no
horizontal scrolling of the page itself; a wide table scrolls inside its own region. With the
filters folded away behind "Filter" until asked for."""

from datetime import date

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from tests.browser import assert_no_axe_violations, console_problems, wait_until_styled
from tests.browser.conftest import PARTNERSHIP_CODE
from tests.browser.main_pages import (
    TODAY,
    WIDTHS,
    main_pages,
    page_scrolls_sideways,
    seed,
    signed_in_tab,
)
from tests.cdr.factories import make_case
from tracker.extensions import db
from tracker.models import Partnership
from tracker.roles import Role

pytestmark = pytest.mark.browser


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
    assert not page_scrolls_sideways(page)
    page.get_by_text("Filter", exact=True).click()
    page.get_by_label("Stage").select_option("rapid_response")
    page.get_by_role("button", name="Apply filters").click()
    expect(page.locator("#case-chosen")).to_contain_text("Stage: Joint Agency Response")
    assert not page_scrolls_sideways(page)
    assert_no_axe_violations(page)

    page.goto(f"/child-deaths/{case_id}")
    expect(page.locator("#next-step")).to_be_visible()
    assert not page_scrolls_sideways(page)


@pytest.mark.parametrize("role, paths", [
    (Role.CDOP_ADMIN, ["/", "/child-deaths/", "/child-deaths/{case_id}"]),
    (Role.BUSINESS_UNIT, ["/", "/practice-reviews/", "/practice-reviews/{incident_id}"]),
])
def test_the_main_pages_need_no_sideways_scroll_at_1280_or_320_pixels(
        browser, live_server, clock, role, paths):
    """The dashboard, the lists and the record pages of a CDOP administrator and a business
    unit manager, with a long summary and a list of several records on them."""
    clock.set(TODAY)
    seeded = seed(live_server)
    tab = signed_in_tab(browser, live_server, role)
    try:
        for path in paths:
            url = path.format(case_id=seeded.case_id, incident_id=seeded.incident_id)
            for width in WIDTHS:
                tab.set_viewport_size({"width": width, "height": 800})
                tab.goto(url)
                expect(tab.locator("h1").first).to_be_visible()
                wide = tab.evaluate("""() => [...document.querySelectorAll('body *')]
                    .filter(e => e.getBoundingClientRect().right
                                 > document.documentElement.clientWidth + 1
                                 && !e.closest('.app-table-scroll'))
                    .slice(0, 5).map(e => e.tagName + '.' + e.className)""")
                assert not page_scrolls_sideways(tab), f"{url} at {width}px: {wide}"
        assert not console_problems(tab), console_problems(tab)
    finally:
        tab.context.close()


# Where each caption of a table in a scrolling region is drawn, and the region's name.
_CAPTIONS = """() => [...document.querySelectorAll('.app-table-scroll caption')]
  .filter(caption => !caption.classList.contains('govuk-visually-hidden'))
  .map(caption => {
    const text = document.createRange()
    text.selectNodeContents(caption)
    const box = text.getBoundingClientRect()
    const region = caption.closest('.app-table-scroll')
    const shown = region.getBoundingClientRect()  // what the region does not clip
    return {text: caption.textContent.replace(/\\s+/g, ' ').trim(),
            left: box.left, right: box.right,
            from: Math.max(0, shown.left),
            to: Math.min(document.documentElement.clientWidth, shown.right),
            name: region.getAttribute('aria-label')}
})"""


def _on_screen(caption) -> bool:
    """The caption's text is within the part of its region on screen (to a pixel)."""
    return caption["from"] - 1 <= caption["left"] < caption["right"] <= caption["to"] + 1


@pytest.mark.parametrize("role, name", [
    (Role.PANEL_MEMBER, "home"),  # the agenda of the member's next meeting
    (Role.CDOP_ADMIN, "case"),  # the analysis form's table
])
def test_a_scrolling_tables_caption_is_read_whole_at_320_pixels(browser, live_server, clock,
                                                               role, name):
    """A table wider than the screen scrolls in its region, but its caption does not go with
    it: at 320 pixels the caption's text is all on screen, in the region's visible part (the
    CDOP member's agenda on their home page had it cut off), and the region is still named
    by it."""
    clock.set(TODAY)
    seeded = seed(live_server)
    tab = signed_in_tab(browser, live_server, role)
    tab.set_viewport_size({"width": 320, "height": 800})
    try:
        tab.goto(dict(main_pages(role, seeded))[name])
        expect(tab.locator("h1").first).to_be_visible()
        if role is Role.PANEL_MEMBER:
            expect(tab.locator("#cdr-papers-agenda caption")).to_contain_text(
                "1 case to review")
        wait_until_styled(tab)
        captions = tab.evaluate(_CAPTIONS)
        assert captions, f"{name}: no captioned table in a scrolling region"
        for caption in captions:
            assert _on_screen(caption), f"{name}: caption off screen: {caption}"
            assert caption["name"] == caption["text"], caption
            expect(tab.get_by_role("region", name=caption["text"])).to_be_visible()
        # Scrolled to its end, a table's caption is still on screen.
        tab.evaluate("document.querySelectorAll('.app-table-scroll')"
                     ".forEach(region => { region.scrollLeft = region.scrollWidth })")
        for caption in tab.evaluate(_CAPTIONS):
            assert _on_screen(caption), f"{name}, scrolled: caption off screen: {caption}"
    finally:
        tab.context.close()
