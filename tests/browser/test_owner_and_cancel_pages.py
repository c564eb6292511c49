"""The pages that choose who is reminded (case owner, account to remind) and the page that
cancels a rapid response meeting pass axe (WCAG 2.x A/AA), blank and with a refused form."""

from datetime import date, time

import pytest
import sqlalchemy as sa

from cdr.models import RapidResponseMeeting
from tests.browser import assert_no_axe_violations, assert_page_healthy
from tests.browser.conftest import PARTNERSHIP_CODE
from tests.cdr.factories import make_case
from tests.reviews.factories import make_incident
from tracker.extensions import db
from tracker.models import Partnership
from tracker.roles import Role

pytestmark = pytest.mark.browser


def _records(live_server) -> dict:
    """A case with a scheduled rapid response meeting, and a serious incident."""
    with live_server.app_context():
        partnership = db.session.scalar(
            sa.select(Partnership).where(Partnership.code == PARTNERSHIP_CODE))
        case = make_case(partnership, date_of_death=date(2025, 3, 3),
                         jar_sudden_unexplained=True, jar_required=True)
        db.session.add(RapidResponseMeeting(
            case_id=case.id, partnership_id=partnership.id, number=1,
            meeting_on=date(2025, 3, 5), starts_at=time(14, 30), place_or_link="Room 2"))
        incident = make_incident(partnership)
        db.session.commit()
        ids = {"case": case.id, "incident": incident.id}
        db.session.remove()
    return ids


def _check(page):
    assert_page_healthy(page)
    assert_no_axe_violations(page)


def test_child_death_owner_action_and_cancel_pages_pass_axe(page, sign_in_as, live_server,
                                                             clock):
    clock.set(date(2025, 3, 4))  # the day before the rapid response meeting: it can be cancelled
    ids = _records(live_server)
    sign_in_as(Role.CDOP_ADMIN)
    base = f"/child-deaths/{ids['case']}"
    for path in ("", "/owner", "/actions/new", "/meetings/1", "/meetings/1/cancel"):
        page.goto(base + path)
        _check(page)
    page.get_by_role("button", name="Cancel this meeting").click()
    page.locator(".govuk-error-summary").wait_for()
    _check(page)
    page.goto(base + "/owner")
    page.get_by_label("Case owner").select_option(index=0)
    page.get_by_role("button", name="Save case owner").click()
    page.locator("#case-owner").wait_for()
    _check(page)


def test_practice_review_owner_page_passes_axe(page, sign_in_as, live_server):
    ids = _records(live_server)
    sign_in_as(Role.BUSINESS_UNIT)
    for path in ("", "/owner"):
        page.goto(f"/practice-reviews/{ids['incident']}{path}")
        _check(page)
