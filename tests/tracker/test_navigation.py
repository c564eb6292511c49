"""The service navigation: each role's entries, and one entry marked as the current section."""

from datetime import date

from bs4 import BeautifulSoup

from cdr.models import PanelMeeting
from tests.cdr.factories import make_case
from tracker.extensions import db


def _navigation(client, url):
    page = client.get(url)
    assert page.status_code == 200
    html = BeautifulSoup(page.data, "html.parser")
    entries = [link.get_text(strip=True)
               for link in html.select(".govuk-service-navigation__list a")]
    active = [item.get_text(strip=True)
              for item in html.select(".govuk-service-navigation__item--active")]
    return entries, active


def test_a_designated_doctor_has_my_cases_in_the_navigation(doctor_client, cdop_client):
    entries, active = _navigation(doctor_client, "/child-deaths/my-cases")
    assert entries[:4] == ["Home", "Child deaths", "My cases", "CDOP meetings"]
    assert active == ["My cases"]
    # A CDOP administrator is assigned no cases of their own.
    entries, _ = _navigation(cdop_client, "/")
    assert "My cases" not in entries


def test_one_entry_marks_the_section_of_the_page(cdop_client, partnership):
    case = make_case(partnership)
    meeting = PanelMeeting(partnership_id=partnership.id, meeting_on=date(2025, 6, 20))
    db.session.add(meeting)
    db.session.commit()

    assert _navigation(cdop_client, f"/child-deaths/{case.id}")[1] == ["Child deaths"]
    assert _navigation(cdop_client, "/child-deaths/panel-meetings")[1] == ["CDOP meetings"]
    assert _navigation(cdop_client,
                       f"/child-deaths/panel-meetings/{meeting.id}")[1] == ["CDOP meetings"]
    assert _navigation(cdop_client, "/")[1] == ["Home"]
