"""The accessibility statement, privacy notice and cookies page in a real browser under the
strict CSP: reached signed out from the footer, and the contacts form with an error; axe finds
nothing on any of them."""

import pytest
from playwright.sync_api import expect

from tests.browser import assert_no_axe_violations, assert_page_healthy
from tracker.roles import Role

pytestmark = pytest.mark.browser

LINKS = {"Accessibility statement": "Accessibility statement for the",
         "Privacy notice": "Privacy notice", "Cookies": "Cookies"}


def test_each_statement_from_the_footer_signed_out(page, live_server):
    for link, heading in LINKS.items():
        page.goto("/sign-in")
        page.locator("footer").get_by_role("link", name=link).click()
        expect(page.get_by_role("heading", level=1)).to_contain_text(heading)
        assert_page_healthy(page)
        assert_no_axe_violations(page)


def test_the_contacts_form_with_an_error_then_the_privacy_notice(page, live_server,
                                                                 sign_in_as):
    sign_in_as(Role.SYSTEM_ADMIN)
    page.goto("/partnerships/NSP/contacts")
    assert_page_healthy(page)
    assert_no_axe_violations(page)
    page.get_by_label("Data protection officer").fill("Dana Protector, dpo@northshire.example")
    page.get_by_label("Email address for reporting an accessibility problem").fill("nope")
    page.get_by_role("button", name="Save").click()
    page.locator(".govuk-error-summary").wait_for()
    assert_page_healthy(page)
    assert_no_axe_violations(page)
    page.get_by_label("Email address for reporting an accessibility problem").fill(
        "cdop@northshire.example")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".govuk-notification-banner--success")).to_be_visible()
    page.locator("footer").get_by_role("link", name="Privacy notice").click()
    expect(page.locator("main")).to_contain_text("Dana Protector, dpo@northshire.example")
    assert_page_healthy(page)
    assert_no_axe_violations(page)
