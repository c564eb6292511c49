"""A panel member finds no identifying detail on any page they can reach, and the pages they
can reach never read the table that holds those details."""

import io
from collections import deque
from datetime import date
from urllib.parse import urldefrag, urlsplit

import openpyxl
import pytest
import sqlalchemy as sa
from bs4 import BeautifulSoup

from cdr.models import ChildIdentity, PanelItem, PanelMeeting
from tests.cdr.factories import make_case
from tests.workbooks import workbook_text
from tracker.excel import XLSX_MIMETYPE
from tracker.extensions import db

TODAY = date(2026, 3, 16)
NAME = ("Zebedee", "Quillfeather")
NHS_NUMBER = "9990000018"
ADDRESS = "17 Marigold Crescent, Lowtown"
POSTCODE = "ZZ99 3AA"
DATE_OF_BIRTH = date(2024, 1, 26)

NEVER_SHOWN = (
    "Zebedee", "Quillfeather", "Zebedee Quillfeather",
    NHS_NUMBER, "999 000 0018", "999-000-0018",
    ADDRESS, "Marigold Crescent", "Lowtown",
    POSTCODE, POSTCODE.replace(" ", ""),
    "26 January 2024", "2024-01-26", "26/01/2024",
)


@pytest.fixture(autouse=True)
def frozen_today(clock):
    """Every page counts from the same Monday, whatever the wall clock says."""
    clock.set(TODAY)


def identified_case(partnership, **fields):
    """A case whose child has the distinctive identity above."""
    case = make_case(partnership, **fields)
    identity = db.session.scalar(sa.select(ChildIdentity).where(ChildIdentity.case_id == case.id))
    identity.given_names, identity.family_name = NAME
    identity.name_search = " ".join(NAME).lower()
    identity.nhs_number, identity.address, identity.postcode = NHS_NUMBER, ADDRESS, POSTCODE
    identity.date_of_birth = DATE_OF_BIRTH
    db.session.commit()
    return case


@pytest.fixture
def panel_papers(partnership):
    """An upcoming meeting with a ready case, a past one with a closed case, and a case that
    is on no agenda; every child identified by the same details."""
    upcoming = PanelMeeting(partnership_id=partnership.id, meeting_on=date(2026, 4, 1),
                            place_or_link="Room 2")
    past = PanelMeeting(partnership_id=partnership.id, meeting_on=date(2026, 2, 2))
    db.session.add_all([upcoming, past])
    db.session.commit()
    ready = identified_case(
        partnership, information_complete=True, review_meeting_on=date(2026, 1, 20),
        age_at_death_days=(date(2025, 3, 1) - DATE_OF_BIRTH).days,
        analysis_summary="Found unresponsive in the morning.",
        analysis_factors="Unsafe sleeping arrangement.", analysis_learning="Safe sleep advice.")
    closed = identified_case(
        partnership, information_complete=True, review_meeting_on=date(2026, 1, 5),
        category="infection", closed_on=date(2026, 2, 2), review_completed_on=date(2026, 2, 2),
        analysis_summary="Sepsis.")
    identified_case(partnership)
    db.session.add_all([
        PanelItem(meeting_id=upcoming.id, case_id=ready.id, position=1,
                  partnership_id=partnership.id),
        PanelItem(meeting_id=past.id, case_id=closed.id, position=1,
                  partnership_id=partnership.id),
    ])
    db.session.commit()
    return {"upcoming": upcoming, "past": past, "ready": ready, "closed": closed}


def _links(html):
    """The same-site pages a page links to (no fragments, assets or other sites)."""
    for anchor in BeautifulSoup(html, "html.parser").select("a[href]"):
        url, _ = urldefrag(anchor["href"])
        parts = urlsplit(url)
        if parts.scheme or parts.netloc or not parts.path.startswith("/"):
            continue
        if parts.path.startswith(("/static/", "/assets/")):
            continue
        yield url


def walk(client, start="/"):
    """Every page reachable by following links from `start`: {url: html}.

    A spreadsheet download is opened with openpyxl and stands as the text of all its cells.
    """
    seen, queue, pages = {start}, deque([start]), {}
    while queue:
        url = queue.popleft()
        response = client.get(url)
        assert response.status_code == 200, f"{url} answered {response.status_code}"
        if response.mimetype == XLSX_MIMETYPE:
            pages[url] = workbook_text(openpyxl.load_workbook(io.BytesIO(response.get_data())))
            response.close()
            continue
        html = response.get_data(as_text=True)
        pages[url] = html
        for link in _links(html):
            if link not in seen:
                seen.add(link)
                queue.append(link)
        assert len(pages) < 200, "the walk does not end"
    return pages


def test_a_panel_member_finds_no_identifying_detail_on_any_page(panel_client, panel_papers):
    statements = []

    def remember(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", remember)
    try:
        pages = walk(panel_client)
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", remember)

    ready, closed = panel_papers["ready"], panel_papers["closed"]
    upcoming, past = panel_papers["upcoming"], panel_papers["past"]
    expected = {
        "/", "/timescales/", "/child-deaths/panel-meetings",
        f"/child-deaths/panel-meetings/{upcoming.id}", f"/child-deaths/panel-meetings/{past.id}",
        f"/child-deaths/panel-meetings/{upcoming.id}/cases/{ready.id}",
        f"/child-deaths/panel-meetings/{past.id}/cases/{closed.id}",
        # The panel packs: downloads a panel member can take away.
        f"/child-deaths/panel-meetings/{upcoming.id}/panel-pack",
        f"/child-deaths/panel-meetings/{past.id}/panel-pack",
    }
    assert expected <= set(pages), f"the walk missed {expected - set(pages)}"
    for url, html in pages.items():
        text = BeautifulSoup(html, "html.parser").get_text(" ")
        for value in NEVER_SHOWN:
            assert value not in html and value not in text, f"{value!r} is on {url}"
    summary = pages[f"/child-deaths/panel-meetings/{upcoming.id}/cases/{ready.id}"]
    assert "1 to 4 years" in summary and "Unsafe sleeping arrangement." in summary
    pack = pages[f"/child-deaths/panel-meetings/{upcoming.id}/panel-pack"]
    assert ready.reference in pack and "Unsafe sleeping arrangement." in pack
    assert statements, "the listener saw no SQL"
    touching = [s for s in statements if "cdr_child_identity" in s]
    assert touching == [], f"a panel member's page read the identity table: {touching[0]}"


def test_a_panel_member_cannot_open_a_case_or_any_edit_page(panel_client, panel_papers, call):
    ready, meeting = panel_papers["ready"], panel_papers["upcoming"]
    for endpoint, values in (
        ("cdr.case", {"case_id": ready.id}),
        ("cdr.cases", {}),
        ("cdr.case_outcome", {"case_id": ready.id}),
        ("cdr.new_case_action", {"case_id": ready.id}),
        ("cdr.reopen_case", {"case_id": panel_papers["closed"].id}),
        ("cdr.new_panel_meeting", {}),
        ("cdr.panel_ready_cases", {"meeting_id": meeting.id}),
    ):
        page = call(panel_client, endpoint, status=403, **values)
        for value in NEVER_SHOWN:
            assert value not in page.text()


def test_editors_see_the_same_anonymised_agenda(cdop_client, panel_papers, call):
    """The agenda is anonymised for everyone: an editor reaches the full case page by its link."""
    meeting, ready = panel_papers["upcoming"], panel_papers["ready"]
    page = call(cdop_client, "cdr.panel_meeting", meeting_id=meeting.id)
    for value in NEVER_SHOWN:
        assert value not in page.text()
    links = {a["href"] for a in page.html.select("#agenda-table a")}
    assert f"/child-deaths/{ready.id}" in links
