"""A screenshot of each main page of each role, at 1280 and 320 CSS pixels wide, kept as a
test artefact for review (never committed): full-page PNGs in $SCREENSHOT_DIR, by default
test-artifacts/screenshots/ under the repository (git ignores it). Each page must show its
heading, with nothing wrong on the console and no sideways scroll of the page, before it is
photographed."""

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser import ROOT, console_problems
from tests.browser.main_pages import (
    TODAY,
    WIDTHS,
    main_pages,
    page_scrolls_sideways,
    seed,
    signed_in_tab,
)
from tracker.roles import Role

pytestmark = pytest.mark.browser


def screenshot_dir() -> Path:
    return Path(os.environ.get("SCREENSHOT_DIR") or ROOT / "test-artifacts" / "screenshots")


def test_a_screenshot_of_each_main_page_of_each_role(browser, live_server, clock):
    clock.set(TODAY)
    seeded = seed(live_server)
    folder = screenshot_dir()
    folder.mkdir(parents=True, exist_ok=True)
    saved, problems = [], []
    for role in Role:
        tab = signed_in_tab(browser, live_server, role)
        try:
            for name, path in main_pages(role, seeded):
                for width in WIDTHS:
                    tab.set_viewport_size({"width": width, "height": 800})
                    response = tab.goto(path)
                    assert response.status == 200, f"{role} {path}: {response.status}"
                    heading = tab.locator("h1").first
                    expect(heading).to_be_visible()
                    assert heading.inner_text().strip(), f"{role} {path}: an empty heading"
                    problems.extend([f"{role} {path} scrolls sideways at {width}px"]
                                    if page_scrolls_sideways(tab) else [])
                    target = folder / f"{role.value}--{name}--{width}.png"
                    tab.screenshot(path=str(target), full_page=True)
                    saved.append(target)
            assert not console_problems(tab), console_problems(tab)
        finally:
            tab.context.close()
    assert all(p.stat().st_size > 0 for p in saved)
    assert not problems, problems
