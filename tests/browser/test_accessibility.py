"""axe-core WCAG 2.x A/AA checks on real pages, and proof that the checks can fail."""

from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Error as PlaywrightError
from werkzeug.exceptions import HTTPException

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


MAX_PAGES = 40  # views per role, so the test stays quick as the tracker grows
MAX_DEPTH = 3  # clicks from the home page


def _links(page):
    """Same-site links in the service navigation and the main content, without fragments."""
    origin = urlsplit(page.url).netloc
    hrefs = page.locator(".govuk-service-navigation a[href], main a[href]").evaluate_all(
        "els => els.map(el => el.href)"
    )
    return [href.split("#")[0] for href in hrefs if urlsplit(href).netloc == origin]


def _endpoint(app, url):
    """The view a URL reaches, so /users/1/edit and /users/2/edit are checked once."""
    try:
        endpoint, _ = app.url_map.bind("localhost").match(urlsplit(url).path, method="GET")
    except HTTPException:  # a redirect or a 404: keep the path itself
        return urlsplit(url).path
    return endpoint


def _check(page, url):
    """Visit a page and return what is wrong with it ('' when nothing)."""
    try:
        response = page.goto(url)
    except PlaywrightError as error:
        if "Download is starting" in str(error):
            return ""  # an export: a file, not a page
        raise
    if response.status != 200:
        return f"{url} answered {response.status}"
    try:
        assert_page_healthy(page)
        assert_no_axe_violations(page)
    except AssertionError as error:
        return str(error)
    return ""


def _seed_cases(live_server, count=24):
    """Demo cases of every stage in both domains, so case pages and their forms are reached."""
    from tracker import demo
    from tracker.extensions import db

    with live_server.app_context():
        demo.seed_cases(count)
        db.session.remove()


@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.value)
def test_every_page_reachable_from_home(page, live_server, sign_in_as, role):
    """Every page within three clicks of home: pages added later are checked automatically.

    With demo cases of every stage in both domains, so each role reaches its case pages,
    lists, forms and panel pages, not only empty lists.
    """
    _seed_cases(live_server)
    sign_in_as(role)
    seen = {_endpoint(live_server.app, page.url)}
    queue = [(url, 1) for url in _links(page)]
    visited, failures = [], []
    while queue and len(visited) < MAX_PAGES:
        url, depth = queue.pop(0)
        endpoint = _endpoint(live_server.app, url)
        if endpoint in seen:
            continue
        seen.add(endpoint)
        visited.append(url)
        problem = _check(page, url)
        if problem:
            failures.append(problem)
        elif depth < MAX_DEPTH:
            queue.extend((link, depth + 1) for link in _links(page))
    assert len(visited) >= 3, f"expected the navigation on the home page, visited {visited}"
    assert not failures, (
        f"{len(failures)} of {len(visited)} page(s) failed:\n\n" + "\n\n".join(failures)
    )


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
