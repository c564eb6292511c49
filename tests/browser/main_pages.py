"""The main pages of each role, on a small data set: for the reflow test (no page scrolls
sideways at 320 CSS pixels) and the screenshots a test run keeps for review."""

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa

from cdr.models import PanelItem, PanelMeeting
from tests.browser import wait_until_styled
from tests.browser.conftest import PARTNERSHIP_CODE, sign_in
from tests.cdr.factories import make_case
from tests.reviews.factories import make_incident
from tracker.extensions import db
from tracker.models import Partnership
from tracker.roles import Role

TODAY = date(2031, 4, 28)
WIDTHS = (1280, 320)
# A long unbroken word in a summary: a page must wrap it, not scroll sideways.
LONG_TEXT = ("The review meeting found that " + "information-sharing-between-agencies-"
             * 4 + "was slow. " + "A sentence of the summary, with its detail. " * 20)


@dataclass
class Seeded:
    case_id: int
    incident_id: int
    meeting_id: int


def seed(live_server) -> Seeded:
    """A case on a CDOP meeting's agenda, another new case, and a serious incident."""
    with live_server.app_context():
        partnership = db.session.scalar(
            sa.select(Partnership).where(Partnership.code == PARTNERSHIP_CODE))
        case = make_case(partnership, jar_required=True, date_of_death=date(2031, 3, 1),
                         notification_received_on=date(2031, 3, 2), information_complete=True,
                         review_meeting_on=date(2031, 4, 1), analysis_summary=LONG_TEXT)
        make_case(partnership, date_of_death=date(2031, 4, 20),
                  notification_received_on=date(2031, 4, 21))
        meeting = PanelMeeting(partnership_id=partnership.id, meeting_on=date(2031, 5, 20))
        db.session.add(meeting)
        db.session.flush()
        db.session.add(PanelItem(meeting_id=meeting.id, case_id=case.id,
                                 partnership_id=partnership.id, position=1))
        db.session.commit()
        incident = make_incident(partnership, incident_date=date(2031, 4, 1),
                                 la_aware_on=date(2031, 4, 3))
        seeded = Seeded(case_id=case.id, incident_id=incident.id, meeting_id=meeting.id)
        db.session.remove()
    return seeded


def main_pages(role: Role, seeded: Seeded) -> list[tuple[str, str]]:
    """(name, path) of the main pages of a role, its home page first."""
    case = f"/child-deaths/{seeded.case_id}"
    meeting = f"/child-deaths/panel-meetings/{seeded.meeting_id}"
    pages = {
        Role.CDOP_ADMIN: [("case-list", "/child-deaths/"), ("case", case),
                          ("cdop-meetings", "/child-deaths/panel-meetings"),
                          ("cdop-meeting", meeting), ("papers", f"{meeting}/papers")],
        Role.DESIGNATED_DOCTOR: [("my-cases", "/child-deaths/my-cases"), ("case", case)],
        Role.BUSINESS_UNIT: [("tracker-list", "/practice-reviews/"),
                             ("review", f"/practice-reviews/{seeded.incident_id}")],
        Role.PANEL_MEMBER: [("cdop-meetings", "/child-deaths/panel-meetings"),
                            ("cdop-meeting", meeting), ("papers", f"{meeting}/papers")],
        Role.AUDITOR: [("case-list", "/child-deaths/"), ("case", case),
                       ("tracker-list", "/practice-reviews/")],
        Role.SYSTEM_ADMIN: [("users", "/users/")],
    }[role]
    return [("home", "/"), *pages]


def signed_in_tab(browser, live_server, role: Role):
    """A new tab in its own browser context, signed in as a new user with the role."""
    from tests.browser import watch_console
    from tests.browser.conftest import TIMEOUT_MS

    context = browser.new_context(base_url=live_server.url)
    context.set_default_timeout(TIMEOUT_MS)
    tab = context.new_page()
    watch_console(tab)
    user = live_server.make_user(role)
    sign_in(tab, user.email, user.password)
    tab.get_by_role("heading", name="Your work today").wait_for()
    return tab


def page_scrolls_sideways(page) -> bool:
    """Whether the page itself is wider than the window (a table scrolling inside its own
    region does not count)."""
    wait_until_styled(page)
    return page.evaluate(
        "document.documentElement.scrollWidth > document.documentElement.clientWidth")
