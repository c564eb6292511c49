"""Real-browser tests (Playwright driving Chromium) and the helpers any page's test can call.

    from tests.browser import assert_no_axe_violations, assert_page_healthy

    def test_my_page(page, live_server, sign_in_as):
        sign_in_as(Role.AUDITOR)
        page.goto(live_server.url + "/my-page")
        assert_page_healthy(page)
        assert_no_axe_violations(page)
"""

import weakref
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
AXE_PATH = ROOT / "node_modules" / "axe-core" / "axe.min.js"

# The WCAG 2.0, 2.1 and 2.2 A and AA rules: what public-sector bodies must meet.
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]

# Console errors (CSP violations included), uncaught exceptions and failed requests, per page.
_problems = weakref.WeakKeyDictionary()
_checked = weakref.WeakKeyDictionary()  # how many of them assert_page_healthy has reported


def watch_console(page):
    """Start recording a page's console errors, uncaught exceptions and failed requests."""
    found = _problems.setdefault(page, [])

    def on_console(message):
        # A failed request is reported by on_response, which knows what was asked for.
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            found.append(f"console error on {page.url}: {message.text}")

    def on_response(response):
        # A page may answer 400/403/404 on purpose (a form with errors, a forbidden record);
        # a stylesheet, script, font or image must not fail, and nothing may answer 5xx.
        navigation = response.request.is_navigation_request()
        if response.status >= 500 or (response.status >= 400 and not navigation):
            found.append(f"{response.request.method} {response.url} answered {response.status}")

    page.on("console", on_console)
    page.on("response", on_response)
    page.on("pageerror", lambda error: found.append(f"uncaught error on {page.url}: {error}"))
    return found


def console_problems(page):
    """The problems recorded on a page so far."""
    return list(_problems.get(page, []))


def assert_page_healthy(page):
    """GOV.UK Frontend's JavaScript ran, and nothing went wrong since the last check.

    The Content-Security-Policy stays enforced in these tests, so a CSP violation (inline
    script, a style= attribute, a resource from another origin) shows up here as an error.
    """
    page.wait_for_load_state("load")
    classes = (page.locator("body").get_attribute("class") or "").split()
    assert "govuk-frontend-supported" in classes, (
        f"GOV.UK Frontend's JavaScript did not run on {page.url} (body class: {classes})"
    )
    problems = console_problems(page)[_checked.get(page, 0):]
    _checked[page] = len(console_problems(page))  # report each problem once
    assert not problems, "\n".join(problems)


def wait_until_styled(page):
    """Wait until the page's stylesheets and web fonts are in use.

    A click that submits a form returns once the next page starts loading, and an
    expect() on its text passes as soon as the HTML is parsed: measuring the layout then
    (axe's target sizes, the page's width) can catch the page before its stylesheet has
    arrived, as CI did under load.
    """
    page.wait_for_load_state("load")
    page.evaluate("document.fonts.ready.then(() => true)")


def _load_axe(page):
    """Put axe-core into the page without weakening its Content-Security-Policy.

    page.add_script_tag would add an inline <script>, which the CSP rightly refuses;
    evaluating the source through the DevTools protocol is not subject to the CSP.
    """
    if page.evaluate("typeof window.axe === 'undefined'"):
        if not AXE_PATH.exists():
            raise AssertionError(f"{AXE_PATH} is missing: run `make install` (npm ci) first")
        page.evaluate(AXE_PATH.read_text(encoding="utf-8"))


def axe_violations(page, tags=WCAG_TAGS):
    """axe-core's WCAG A/AA violations for the page once it is styled."""
    wait_until_styled(page)
    _load_axe(page)
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags},"
        " resultTypes: ['violations']})",
        list(tags),
    )
    return result["violations"]


def format_violations(violations):
    """axe violations as readable lines: rule, impact, help, and each offending element."""
    lines = []
    for violation in violations:
        lines.append(f"- {violation['id']} ({violation['impact']}): {violation['help']}")
        lines.append(f"  {violation['helpUrl']}")
        for node in violation["nodes"]:
            lines.append(f"    at {', '.join(map(str, node['target']))}")
            lines.append(f"      {node['html'][:200]}")
            summary = (node.get("failureSummary") or "").replace("\n", "\n      ")
            if summary:
                lines.append(f"      {summary}")
    return "\n".join(lines)


def assert_no_axe_violations(page, tags=WCAG_TAGS):
    """Fail with a readable list when axe-core finds WCAG A/AA violations on the page."""
    violations = axe_violations(page, tags)
    assert not violations, (
        f"{len(violations)} accessibility violation(s) on {page.url}:\n"
        + format_violations(violations)
    )
