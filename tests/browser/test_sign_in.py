"""Signing in and out in a real browser, and the navigation each role sees."""

import pytest
from playwright.sync_api import expect

from tests.browser import assert_page_healthy
from tests.browser.conftest import PARTNERSHIP_NAME, sign_in
from tracker.roles import Role

pytestmark = pytest.mark.browser


def _menu_links(page):
    """The link texts in the service navigation."""
    return page.get_by_role("navigation", name="Menu").get_by_role("link").all_inner_texts()


def test_sign_in_lands_on_home_page_with_role(page, live_server):
    user = live_server.make_user(Role.CDOP_ADMIN, full_name="Ada Example")

    sign_in(page, user.email, user.password)

    expect(page.get_by_role("heading", level=1)).to_have_text("Your work today")
    main = page.get_by_role("main")
    expect(main).to_contain_text("CDOP administrator")
    expect(main).to_contain_text(PARTNERSHIP_NAME)
    expect(page.locator(".govuk-phase-banner")).to_contain_text(
        "Signed in as Ada Example, CDOP administrator"
    )
    assert_page_healthy(page)


def test_wrong_password_shows_error_summary_that_leads_to_the_field(page, live_server):
    user = live_server.make_user(Role.CDOP_ADMIN)

    sign_in(page, user.email, "not the password")

    summary = page.locator(".govuk-error-summary")
    expect(summary.get_by_role("heading")).to_have_text("There is a problem")
    assert page.title().startswith("Error: ")
    # GOV.UK Frontend moves focus to the summary, so screen readers announce it at once.
    expect(summary).to_be_focused()
    link = summary.get_by_role("link", name="Enter a correct email address and password")
    link.click()
    email = page.get_by_label("Email address")
    expect(email).to_be_focused()
    expect(email).to_have_value(user.email)  # what the user typed is not lost
    expect(page.get_by_label("Password", exact=True)).to_have_value("")
    assert_page_healthy(page)


def test_empty_form_names_each_missing_field(page, live_server):
    page.goto("/sign-in")
    page.get_by_role("button", name="Sign in").click()

    summary = page.locator(".govuk-error-summary")
    expect(summary.get_by_role("link")).to_have_text(
        ["Enter your email address", "Enter your password"]
    )
    summary.get_by_role("link", name="Enter your password").click()
    expect(page.get_by_label("Password", exact=True)).to_be_focused()
    assert_page_healthy(page)


def test_sign_out_returns_to_sign_in_page(page, sign_in_as):
    sign_in_as(Role.AUDITOR)

    page.get_by_role("button", name="Sign out").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    expect(page.get_by_role("main")).to_contain_text("You have signed out.")
    expect(page.get_by_role("button", name="Sign out")).to_have_count(0)
    # Signed out means signed out: the home page now asks for a sign-in again.
    page.goto("/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    assert_page_healthy(page)


def test_auditor_menu_has_audit_trail_but_not_users(page, sign_in_as):
    sign_in_as(Role.AUDITOR)

    links = _menu_links(page)

    assert "Audit trail" in links
    assert "Statutory timescales" in links
    assert "Users" not in links
    assert "Partnerships" not in links


def test_system_admin_menu_has_the_admin_pages(page, sign_in_as):
    sign_in_as(Role.SYSTEM_ADMIN)

    links = _menu_links(page)

    assert {"Home", "Users", "Partnerships", "Audit trail"} <= set(links)


def test_panel_member_menu_has_no_admin_or_audit_pages(page, sign_in_as):
    sign_in_as(Role.PANEL_MEMBER)

    links = _menu_links(page)

    assert "Statutory timescales" in links
    assert not {"Users", "Partnerships", "Audit trail"} & set(links)


def test_menu_links_open_pages_the_role_may_use(page, sign_in_as):
    sign_in_as(Role.AUDITOR)
    menu = page.get_by_role("navigation", name="Menu")
    hrefs = [link.get_attribute("href") for link in menu.get_by_role("link").all()]

    for href in hrefs:
        response = page.goto(href)
        assert response.status == 200, f"{href} answered {response.status} to an auditor"
        assert_page_healthy(page)
