"""axe-core WCAG 2.x A/AA checks on real pages, and proof that the checks can fail."""

from urllib.parse import urljoin, urlsplit

import pytest

from tests.browser import (
    assert_no_axe_violations,
    assert_page_healthy,
    axe_violations,
    console_problems,
)
from tracker.roles import Role

pytestmark = pytest.mark.browser


def test_sign_in_page(page, live_server):
    page.goto("/sign-in")
    assert_page_healthy(page)
    assert_no_axe_violations(page)


def test_sign_in_page_with_errors(page, live_server):
    user = live_server.make_user(Role.CDOP_ADMIN)
    page.goto("/sign-in")
    page.get_by_label("Email address").fill(user.email)
    page.get_by_label("Password", exact=True).fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    page.locator(".govuk-error-summary").wait_for()
    assert_page_healthy(page)
    assert_no_axe_violations(page)


def test_sign_in_page_with_empty_fields(page, live_server):
    page.goto("/sign-in")
    page.get_by_role("button", name="Sign in").click()
    page.locator(".govuk-error-summary").wait_for()
    assert_page_healthy(page)
    assert_no_axe_violations(page)


@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.value)
def test_home_page(page, sign_in_as, role):
    sign_in_as(role)
    assert_page_healthy(page)
    assert_no_axe_violations(page)


def _links_on_home_page(page):
    """Same-site links in the service navigation and the home page's main content."""
    links = page.locator(".govuk-service-navigation a[href], main a[href]")
    origin = urlsplit(page.url).netloc
    seen = []
    for href in links.evaluate_all("els => els.map(el => el.href)"):
        url = urljoin(page.url, href).split("#")[0]
        if urlsplit(url).netloc == origin and url not in seen:
            seen.append(url)
    return seen


@pytest.mark.parametrize("role", [Role.SYSTEM_ADMIN, Role.AUDITOR], ids=lambda r: r.value)
def test_every_page_linked_from_home(page, sign_in_as, role):
    """Every page the role reaches from home: pages added later are checked automatically."""
    sign_in_as(role)
    urls = _links_on_home_page(page)
    assert len(urls) >= 3, f"expected the navigation on the home page, found {urls}"

    failures = []
    for url in urls:
        response = page.goto(url)
        if response.status != 200:
            failures.append(f"{url} answered {response.status}")
            continue
        try:
            assert_page_healthy(page)
            assert_no_axe_violations(page)
        except AssertionError as error:
            failures.append(str(error))
    assert not failures, f"{len(failures)} page(s) failed:\n\n" + "\n\n".join(failures)


def test_axe_check_reports_a_real_violation(page, live_server):
    """The helper is not a no-op: an image without alt text is caught and explained."""
    page.goto("/sign-in")
    page.evaluate(
        "() => { const img = document.createElement('img');"
        " img.src = '/assets/images/favicon.svg'; document.querySelector('main').append(img); }"
    )
    assert [v["id"] for v in axe_violations(page)] == ["image-alt"]
    with pytest.raises(AssertionError, match=r"image-alt \(critical\)"):
        assert_no_axe_violations(page)


def test_content_security_policy_is_enforced_and_caught(browser, live_server):
    """An inline script is refused by the app's CSP, and the refusal is recorded."""
    from tests.browser import watch_console

    context = browser.new_context(base_url=live_server.url)
    tab = context.new_page()
    watch_console(tab)
    tab.goto("/sign-in")
    tab.evaluate(
        "() => { const s = document.createElement('script');"
        " s.textContent = 'window.inlineRan = true'; document.body.append(s); }"
    )
    ran = tab.evaluate("window.inlineRan === true")
    problems = console_problems(tab)
    context.close()
    assert not ran, "inline script ran: the Content-Security-Policy is not enforced"
    assert any("Content Security Policy" in p for p in problems), problems
