"""The home page's child death deadlines (overdue, due soon) and panels, per role."""

from datetime import date

import pytest
import sqlalchemy as sa
from bs4 import BeautifulSoup

from tests.cdr.factories import make_case
from tracker.extensions import db

TODAY = date(2025, 6, 2)


@pytest.fixture(autouse=True)
def _today(clock):
    clock.set(TODAY)


def rows(page, section):
    """(reference, deadline, due, status) of each row of a section of the panel."""
    return [tuple(td.get_text(" ", strip=True) for td in tr.select("td"))
            for tr in page.html.select(f"#deadlines-{section}-table tbody tr")]


def test_the_cdop_administrator_sees_overdue_and_due_soon_deadlines(cdop_client, partnership,
                                                                    other_partnership, call):
    late = make_case(partnership, jar_required=True, date_of_death=date(2025, 4, 1))
    soon = make_case(partnership, jar_required=True, date_of_death=date(2025, 5, 30))
    make_case(partnership, jar_required=True, date_of_death=date(2025, 1, 1),
              stage="closed", closed_on=date(2025, 5, 1))  # nobody acts on a closed case
    make_case(other_partnership, jar_required=True, date_of_death=date(2025, 4, 1))
    make_case(partnership, date_of_death=date(2025, 5, 1))  # no deadline at all

    page = call(cdop_client, "main.home")

    overdue = rows(page, "overdue")
    assert (late.reference, "First rapid response meeting", "6 April 2025", "Overdue") in overdue
    assert all(row[3] == "Overdue" for row in overdue)
    assert {row[0] for row in overdue} == {late.reference}
    assert rows(page, "due-soon") == [
        (soon.reference, "First rapid response meeting", "4 June 2025", "Due soon"),
        (soon.reference, "Second rapid response meeting", "6 June 2025", "Not yet due"),
    ]
    link = page.html.select_one("#deadlines-due-soon-table a")["href"]
    assert link == f"/child-deaths/{soon.id}"


def test_the_designated_doctor_sees_only_the_cases_they_are_doctor_for(doctor_client,
                                                                       partnership, call):
    theirs = make_case(partnership, jar_required=True, date_of_death=date(2025, 4, 1),
                       designated_doctor_id=doctor_client.user.id)
    make_case(partnership, jar_required=True, date_of_death=date(2025, 4, 2))

    page = call(doctor_client, "main.home")

    assert {row[0] for row in rows(page, "overdue")} == {theirs.reference}
    assert "No deadline is due in the next 14 days." in page.text()


@pytest.mark.parametrize("role_client", ["panel_client", "admin_client", "business_client"])
def test_roles_who_do_not_see_cases_get_no_child_death_deadline(role_client, request,
                                                                 partnership, call):
    case = make_case(partnership, jar_required=True, date_of_death=date(2025, 4, 1))
    client = request.getfixturevalue(role_client)

    page = call(client, "main.home")

    assert page.html.select_one("#cdr-waiting") is None
    assert "rapid response" not in page.text().lower()
    assert case.reference not in page.text()


def test_the_auditor_sees_the_deadlines_but_nothing_waits_on_them(auditor_client, partnership,
                                                                  call):
    case = make_case(partnership, jar_required=True, date_of_death=date(2025, 4, 1))

    page = call(auditor_client, "main.home")

    assert {row[0] for row in rows(page, "overdue")} == {case.reference}
    assert page.html.select_one("#cdr-waiting") is None


def test_the_panel_issues_the_same_number_of_queries_however_many_deadlines(cdop_client,
                                                                            partnership):
    def statements():
        seen = []
        listener = lambda *args, **kwargs: seen.append(1)  # noqa: E731
        sa.event.listen(db.engine, "before_cursor_execute", listener)
        try:
            assert cdop_client.get("/").status_code == 200
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", listener)
        return len(seen)

    make_case(partnership, jar_required=True, date_of_death=date(2025, 4, 1))
    few = statements()
    for day in range(1, 28):
        make_case(partnership, jar_required=True, date_of_death=date(2025, 5, day),
                  death_registered_on=date(2025, 5, day))
    many = statements()
    assert few == many
    page = cdop_client.get("/").get_data(as_text=True)
    assert "Showing the 10 most recently overdue" in page


def test_the_doctors_page_issues_the_same_number_of_queries_with_meetings_to_chair_or_none(
        doctor_client, partnership):
    def statements():
        seen = []
        listener = lambda *args, **kwargs: seen.append(1)  # noqa: E731
        db.session.expire_all()  # the signed-in user is read again each time
        sa.event.listen(db.engine, "before_cursor_execute", listener)
        try:
            page = doctor_client.get("/").get_data(as_text=True)
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", listener)
        return len(seen), page

    # Overdue meetings are listed among the deadlines, not as meetings to chair.
    make_case(partnership, jar_required=True, date_of_death=date(2025, 4, 1),
              designated_doctor_id=doctor_client.user.id)
    none, page = statements()
    assert 'id="cdr-meetings-to-chair-table"' not in page
    assert "First rapid response meeting" in page
    make_case(partnership, jar_required=True, date_of_death=date(2025, 5, 31),
              designated_doctor_id=doctor_client.user.id)
    some, page = statements()
    assert 'id="cdr-meetings-to-chair-table"' in page
    assert none == some


# --- What waits on the user -----------------------------------------------------------------


def _table(page, selector):
    return [tuple(td.get_text(" ", strip=True) for td in tr.select("td"))
            for tr in page.html.select(f"{selector} tbody tr")]


def test_a_designated_doctor_sees_the_meetings_to_chair_and_analyses_to_write(
        doctor_client, partnership, call):
    from cdr.models import PanelItem, PanelMeeting, RapidResponseMeeting

    mine = make_case(partnership, jar_required=True, date_of_death=date(2025, 5, 31),
                     designated_doctor_id=doctor_client.user.id)
    theirs = make_case(partnership, jar_required=True, date_of_death=date(2025, 5, 31))
    db.session.add(RapidResponseMeeting(case_id=mine.id, partnership_id=partnership.id,
                                        number=1, meeting_on=date(2025, 6, 3)))
    to_write = make_case(partnership, designated_doctor_id=doctor_client.user.id)
    written = make_case(partnership, designated_doctor_id=doctor_client.user.id,
                        analysis_summary="Written, anonymised.")
    meeting = PanelMeeting(partnership_id=partnership.id, meeting_on=date(2025, 6, 20))
    db.session.add(meeting)
    db.session.flush()
    for position, case in enumerate((to_write, written, theirs)):
        db.session.add(PanelItem(meeting_id=meeting.id, case_id=case.id,
                                 partnership_id=partnership.id, position=position))
    db.session.commit()

    page = call(doctor_client, "main.home")

    meetings = _table(page, "#cdr-meetings-to-chair-table")
    assert [row[:3] for row in meetings] == [
        (mine.reference, "First rapid response meeting", "3 June 2025"),
        (mine.reference, "Second rapid response meeting", "Not arranged yet"),
    ]
    assert meetings[0][3].startswith("5 June 2025")
    assert _table(page, "#cdr-analyses-table") == [(to_write.reference, "20 June 2025")]
    assert page.html.select_one("#cdr-to-move-on") is None


def test_a_cdop_administrator_sees_the_cases_to_move_on(cdop_client, partnership,
                                                         other_partnership, call):
    from cdr.models import PanelItem, PanelMeeting

    make_case(partnership, information_complete=True)
    make_case(other_partnership, information_complete=True)
    ready = make_case(partnership, information_complete=True,
                      review_meeting_on=date(2025, 5, 1))
    on_agenda = make_case(partnership, information_complete=True,
                          review_meeting_on=date(2025, 5, 1))
    heard = make_case(partnership, information_complete=True,
                      review_meeting_on=date(2025, 4, 1))
    past = PanelMeeting(partnership_id=partnership.id, meeting_on=date(2025, 5, 20))
    coming = PanelMeeting(partnership_id=partnership.id, meeting_on=date(2025, 6, 20))
    db.session.add_all([past, coming])
    db.session.flush()
    db.session.add_all([
        PanelItem(meeting_id=past.id, case_id=heard.id, partnership_id=partnership.id),
        PanelItem(meeting_id=coming.id, case_id=on_agenda.id, partnership_id=partnership.id),
    ])
    db.session.commit()

    page = call(cdop_client, "main.home")

    rows = page.html.select("#cdr-to-move-on-list .govuk-summary-list__row")
    counts = {row.dt.get_text(strip=True): row.select_one(".govuk-summary-list__value")
              .get_text(strip=True) for row in rows}
    assert counts == {
        "Information gathered: arrange the child death review meeting": "1",
        "Ready for the CDOP panel and on no agenda": "1",
        "Heard at a CDOP meeting: record the outcome and close": "1",
    }
    # Each "See them" opens the list of the cases it counts.
    links = {row.dt.get_text(strip=True): row.select_one("a")["href"] for row in rows}
    assert links["Information gathered: arrange the child death review meeting"] == \
        "/child-deaths/?stage=review_meeting"

    def listed(text):
        found = cdop_client.get(links[text])
        assert found.status_code == 200
        return {cell.get_text(strip=True) for cell in
                BeautifulSoup(found.data, "html.parser").select(
                    "#case-list tbody tr td:first-child a")}

    assert listed("Ready for the CDOP panel and on no agenda") == {ready.reference}
    assert listed("Heard at a CDOP meeting: record the outcome and close") == {heard.reference}
    assert page.html.select_one("#cdr-meetings-to-chair") is None


def test_outstanding_agency_requests_oldest_first(cdop_client, partnership, call):
    from cdr.services import requests as request_service

    case = make_case(partnership, date_of_death=date(2025, 4, 1))
    request_service.add_request(case, agency="School", sent_on=date(2025, 5, 20))
    request_service.add_request(case, agency="Police", sent_on=date(2025, 4, 10))
    returned = request_service.add_request(case, agency="GP practice",
                                           sent_on=date(2025, 4, 5))
    returned.returned_on = date(2025, 4, 20)
    db.session.commit()

    rows = _table(call(cdop_client, "main.home"), "#cdr-requests-table")

    assert [row[:3] for row in rows] == [(case.reference, "Police", "10 April 2025"),
                                         (case.reference, "School", "20 May 2025")]
    assert "Overdue" in rows[0][3]
