"""Two-factor sign-in in a real browser, under the strict CSP: the set-up page (its QR code
loads, axe finds nothing, a wrong code shows the error summary), the recovery codes and the
code page at the next sign-in."""

import pyotp
import pytest
from playwright.sync_api import expect

from tests.browser import assert_no_axe_violations, assert_page_healthy
from tests.browser.conftest import sign_in
from tracker.roles import Role
from tracker.timeutil import clock

pytestmark = pytest.mark.browser


@pytest.fixture
def required(live_server):
    """Two-factor sign-in required on the live server for this test."""
    live_server.app.config["TWO_FACTOR_REQUIRED"] = True
    yield
    live_server.app.config["TWO_FACTOR_REQUIRED"] = False


def _code(secret, seconds=0):
    return pyotp.TOTP(secret).at(clock.now().timestamp() + seconds)


def test_set_up_page_then_code_page(page, live_server, required):
    user = live_server.make_user(Role.CDOP_ADMIN)
    sign_in(page, user.email, user.password)

    # Taken to the set-up page, whatever they asked for.
    expect(page.get_by_role("heading", level=1)).to_have_text("Set up two-factor sign-in")
    qr = page.get_by_role("img", name="QR code to scan with an authenticator app")
    expect(qr).to_be_visible()
    assert qr.evaluate("img => img.complete && img.naturalWidth > 0")  # the CSP allows it
    assert_page_healthy(page)
    assert_no_axe_violations(page)
    secret = page.locator("#secret-key").inner_text().replace(" ", "").strip()

    page.get_by_label("Code from your authenticator app").fill("12345")
    page.get_by_role("button", name="Continue").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_focused()
    summary.get_by_role("link", name="Enter the code your authenticator app shows now").click()
    expect(page.get_by_label("Code from your authenticator app")).to_be_focused()
    assert_page_healthy(page)
    assert_no_axe_violations(page)

    page.get_by_label("Code from your authenticator app").fill(_code(secret))
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Two-factor sign-in is set up")
    expect(page.locator("#recovery-codes li")).to_have_count(10)
    assert_page_healthy(page)
    assert_no_axe_violations(page)
    page.get_by_role("link", name="Continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your work today")
    assert_page_healthy(page)  # loaded whole (fonts too) before it is left
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    assert_page_healthy(page)

    sign_in(page, user.email, user.password)
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Enter the code from your authenticator app")
    assert_page_healthy(page)
    assert_no_axe_violations(page)
    # The set-up code's time step is spent: the next one signs in.
    page.get_by_label("Code from your authenticator app").fill(_code(secret, 30))
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your work today")
    assert_page_healthy(page)
