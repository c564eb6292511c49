"""A panel member downloads the anonymised panel pack from the panel meeting page."""

from datetime import date

import openpyxl
import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from cdr.models import ChildIdentity, PanelItem, PanelMeeting
from tests.browser import assert_no_axe_violations, assert_page_healthy
from tests.browser.conftest import PARTNERSHIP_CODE
from tests.cdr.factories import make_case
from tests.workbooks import sheet_rows, workbook_text
from tracker.extensions import db
from tracker.models import Partnership
from tracker.roles import Role

pytestmark = pytest.mark.browser


def _meeting_with_agenda(live_server):
    """A meeting with one identified case on its agenda; returns (meeting id, reference)."""
    with live_server.app_context():
        partnership = db.session.scalar(
            sa.select(Partnership).where(Partnership.code == PARTNERSHIP_CODE))
        meeting = PanelMeeting(partnership_id=partnership.id, meeting_on=date(2031, 5, 6))
        db.session.add(meeting)
        case = make_case(partnership, information_complete=True,
                         review_meeting_on=date(2025, 4, 1), age_at_death_days=900,
                         analysis_summary="Collapsed at nursery.",
                         analysis_factors="=Known heart condition")
        identity = db.session.scalar(
            sa.select(ChildIdentity).where(ChildIdentity.case_id == case.id))
        identity.given_names, identity.family_name = "Peregrine", "Ollerenshaw"
        db.session.add(PanelItem(meeting_id=meeting.id, case_id=case.id, position=1,
                                 partnership_id=partnership.id))
        db.session.commit()
        found = meeting.id, case.reference
        db.session.remove()
    return found


def test_a_panel_member_downloads_the_panel_pack(page, live_server, sign_in_as, tmp_path, clock):
    clock.set(date(2031, 4, 28))  # the meeting is the week after, whatever the real date
    meeting_id, reference = _meeting_with_agenda(live_server)
    sign_in_as(Role.PANEL_MEMBER)

    page.get_by_role("link", name="CDOP meetings").click()
    page.get_by_role("link", name="6 May 2031").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "CDOP meeting of 6 May 2031")
    assert_page_healthy(page)
    assert_no_axe_violations(page)
    with page.expect_download() as started:
        page.get_by_role("link", name="Download the panel pack as a spreadsheet").click()
    download = started.value

    assert download.suggested_filename == "cdop-panel-pack-2031-05-06.xlsx"
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    book = openpyxl.load_workbook(saved)
    (row,) = sheet_rows(book, "Panel pack")
    assert row["Reference"] == reference and row["Age at death"] == "1 to 4 years"
    assert row["Summary"] == "Collapsed at nursery."
    assert row["Factors identified"] == "=Known heart condition"
    assert book["Panel pack"]["G2"].data_type == "s"
    text = workbook_text(book)
    assert "OFFICIAL-SENSITIVE" in text
    for value in ("Peregrine", "Ollerenshaw", "ZZ99", "Imaginary Lane", "2024-01-26"):
        assert value not in text
    assert page.url.endswith(f"/child-deaths/panel-meetings/{meeting_id}")
