"""A CDOP member prints the meeting's papers (or saves them as PDF) from Chromium: a case to a
page, each page headed by its case's reference and OFFICIAL-SENSITIVE, numbered, and no
text cut; axe on the page."""

import io
import re
from datetime import date

import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from cdr.models import PanelItem, PanelMeeting
from tests.browser import assert_no_axe_violations, assert_page_healthy
from tests.browser.conftest import PARTNERSHIP_CODE
from tests.cdr.factories import make_case
from tracker.extensions import db
from tracker.models import Partnership
from tracker.roles import Role

pytestmark = pytest.mark.browser

# Long enough that a case runs onto a second page: its header must come with it.
SUMMARY = " ".join(f"Sentence {n} of the summary from the review meeting, with its detail."
                   for n in range(1, 90))


def _squash(text):
    return re.sub(r"\s+", "", text)


def test_the_papers_print_a_case_to_a_page_headed_and_numbered(page, live_server, sign_in_as,
                                                               clock):
    clock.set(date(2031, 5, 1))
    with live_server.app_context():
        partnership = db.session.scalar(
            sa.select(Partnership).where(Partnership.code == PARTNERSHIP_CODE))
        meeting = PanelMeeting(partnership_id=partnership.id, meeting_on=date(2031, 5, 20))
        db.session.add(meeting)
        db.session.flush()
        references = []
        for position in range(3):
            case = make_case(partnership, information_complete=True,
                             review_meeting_on=date(2031, 4, 1),
                             analysis_summary=f"Case {position}. "
                             + (SUMMARY if position == 1 else "Short."))
            db.session.add(PanelItem(meeting_id=meeting.id, case_id=case.id,
                                     partnership_id=partnership.id, position=position))
            references.append(case.reference)
        db.session.commit()
        meeting_id = meeting.id
        db.session.remove()
    sign_in_as(Role.PANEL_MEMBER)

    page.goto(f"/child-deaths/panel-meetings/{meeting_id}/papers")
    assert_page_healthy(page)
    assert_no_axe_violations(page)
    page.emulate_media(media="print")
    pdf = PdfReader(io.BytesIO(page.pdf(prefer_css_page_size=True)))

    texts = [p.extract_text() for p in pdf.pages]
    total = len(texts)
    assert total >= 1 + 3 + 1  # the title, a page a case, and the long case runs over
    for number, text in enumerate(texts, 1):
        assert "OFFICIAL-SENSITIVE" in text
        assert f"Page {number} of {total}" in text
    # Every page after the title is headed by one case's reference, and one only: a case
    # starts a new page, and a case running over takes its header with it.
    headed = [[r for r in references if r in text] for text in texts[1:]]
    assert all(len(found) == 1 for found in headed)
    assert [found[0] for found in headed if found][0] == references[0]
    assert {found[0] for found in headed} == set(references)
    assert sum(found == [references[1]] for found in headed) >= 2  # the long case
    # No text cut: every sentence of the long summary is printed, in order (a page's header
    # and footer may come between two lines).
    printed = _squash(" ".join(texts))
    places = [printed.find(_squash(f"Sentence {n} of the summary")) for n in range(1, 90)]
    assert -1 not in places and places == sorted(places)
