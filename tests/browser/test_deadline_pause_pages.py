"""Pausing a deadline with the reason and resuming it, in a browser: the pause page passes axe
(WCAG 2.x A/AA) blank, refused without a reason, and the resume page too."""

from datetime import date

import pytest
import sqlalchemy as sa

from tests.browser import assert_no_axe_violations, assert_page_healthy
from tests.browser.conftest import PARTNERSHIP_CODE
from tests.cdr.factories import make_case
from tracker.extensions import db
from tracker.models import Partnership
from tracker.roles import Role

pytestmark = pytest.mark.browser

REASON = "Waiting for the police: criminal investigation"


def _case(live_server) -> int:
    """A case with a Joint Agency Response: its rapid response meetings' deadlines open."""
    with live_server.app_context():
        partnership = db.session.scalar(
            sa.select(Partnership).where(Partnership.code == PARTNERSHIP_CODE))
        case = make_case(partnership, date_of_death=date(2025, 3, 3),
                         jar_sudden_unexplained=True, jar_required=True)
        case_id = case.id
        db.session.remove()
    return case_id


def _check(page):
    assert_page_healthy(page)
    assert_no_axe_violations(page)


def test_pausing_and_resuming_a_deadline_pass_axe(page, sign_in_as, live_server, clock):
    clock.set(date(2025, 3, 4))
    case_id = _case(live_server)
    sign_in_as(Role.CDOP_ADMIN)
    page.goto(f"/child-deaths/{case_id}")
    _check(page)
    page.get_by_role("link", name="Pause First rapid response meeting").click()
    page.get_by_role("heading", name="Pause a deadline").wait_for()
    _check(page)

    page.get_by_role("button", name="Pause deadline").click()
    page.locator(".govuk-error-summary").wait_for()
    _check(page)

    page.get_by_label("Why is this deadline paused?").fill(REASON)
    page.get_by_role("button", name="Pause deadline").click()
    page.locator("#deadline-rr_meeting_1", has_text=REASON).wait_for()
    _check(page)

    page.get_by_role("link", name="Resume First rapid response meeting").click()
    page.get_by_role("heading", name="Resume a paused deadline").wait_for()
    _check(page)
    page.get_by_role("button", name="Resume deadline").click()
    page.get_by_role("link", name="Pause First rapid response meeting").wait_for()
    assert REASON not in page.locator("#deadline-rr_meeting_1").inner_text()
