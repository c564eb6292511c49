"""The home page as a dashboard: every domain's deadlines in three sections, the figures at a
glance, what each role sees, and a fixed number of queries whatever the case count."""

from datetime import date

import pytest
import sqlalchemy as sa

from cdr.models import PanelItem, PanelMeeting
from cdr.services import requests as request_service
from reviews.models import Recommendation, ReviewAction
from tests.cdr.factories import make_case
from tests.reviews.factories import make_incident
from tracker import dashboard
from tracker.deadline_models import Deadline
from tracker.extensions import db

TODAY = date(2025, 6, 2)  # a Monday; Monday 26 May 2025 was a bank holiday


@pytest.fixture(autouse=True)
def _today(clock):
    clock.set(TODAY)


def rows(page, section):
    """(case, deadline, due, status) of each row of a deadlines section."""
    return [tuple(td.get_text(" ", strip=True) for td in tr.select("td"))
            for tr in page.html.select(f"#deadlines-{section}-table tbody tr")]


def test_an_auditor_sees_both_domains_deadlines_across_their_partnerships(
        auditor_client, partnership, other_partnership, call):
    auditor_client.user.partnerships.append(other_partnership)
    db.session.commit()
    case = make_case(partnership, jar_required=True, date_of_death=date(2025, 4, 1))
    # Aware on Friday 23 May: five working days, past the bank holiday, is today.
    incident = make_incident(other_partnership, la_aware_on=date(2025, 5, 23))

    page = call(auditor_client, "main.home")

    assert (case.reference, "First rapid response meeting", "6 April 2025",
            "Overdue") in rows(page, "overdue")
    today = rows(page, "due-today")
    assert {row[0] for row in today} == {incident.reference}
    assert all(row[2:] == ("2 June 2025", "Due today") for row in today)
    assert page.html.select_one("#deadlines-overdue-table a")["href"] == (
        f"/child-deaths/{case.id}")
    assert page.html.select_one("#deadlines-due-today-table a")["href"] == (
        f"/practice-reviews/{incident.id}")
    assert page.text("#deadlines-summary") == (
        "2 overdue 2 due today 0 due in the next 14 days")


def test_an_agency_request_deadline_names_its_case_and_agency(cdop_client, partnership, call):
    case = make_case(partnership, date_of_death=date(2025, 4, 1))
    request_service.add_request(case, agency="Police", sent_on=date(2025, 4, 10))
    db.session.commit()

    [row] = rows(call(cdop_client, "main.home"), "overdue")

    assert row[0] == case.reference
    assert "Police" in row[1]


def test_counts_stop_at_the_cap_and_say_more_than(cdop_client, partnership, monkeypatch,
                                                  call):
    monkeypatch.setattr(dashboard, "COUNT_CAP", 3)
    monkeypatch.setattr(dashboard, "SHOWN", 2)
    for day in (1, 2, 3):  # two overdue rapid response meetings each
        make_case(partnership, jar_required=True, date_of_death=date(2025, 4, day))

    page = call(cdop_client, "main.home")

    assert page.text("#deadlines-summary").startswith("more than 3 overdue")
    assert len(rows(page, "overdue")) == 2
    assert "Showing the 2 most recently overdue of more than 3." in page.text()
    link = page.html.find("a", string="Child death cases with an overdue deadline")
    assert link["href"] == "/child-deaths/?overdue=y"


def _deadline(case, item, due, **fields):
    db.session.add(Deadline(partnership_id=case.partnership_id, owner_type="cdr_case",
                            owner_id=case.id, rule_key="registrar_notification", item=item,
                            due_date=due, **fields))


def test_deadlines_met_on_time_since_1_april(cdop_client, partnership, call):
    case = make_case(partnership)
    _deadline(case, "on time 1", date(2025, 4, 1), met_on=date(2025, 3, 30))
    _deadline(case, "on time 2", date(2025, 5, 1), met_on=date(2025, 5, 1))
    _deadline(case, "extended", date(2025, 5, 1), met_on=date(2025, 5, 9),
              extended_to=date(2025, 5, 10))
    _deadline(case, "late", date(2025, 5, 1), met_on=date(2025, 5, 2))
    _deadline(case, "missed", date(2025, 6, 1))
    # Not counted: due before 1 April or from today, not applicable, paused and open.
    _deadline(case, "last year", date(2025, 3, 31), met_on=date(2025, 3, 1))
    _deadline(case, "today", TODAY, met_on=TODAY)
    _deadline(case, "not applicable", date(2025, 5, 1), not_applicable_reason="Stillbirth")
    _deadline(case, "paused", date(2025, 5, 1), paused_reason="Police asked us to wait")
    make_incident(partnership, la_aware_on=date(2025, 4, 1))  # not the CDOP's to see
    db.session.commit()

    page = call(cdop_client, "main.home")

    assert "from 1 April 2025 to yesterday" in page.text("#at-a-glance")
    assert page.text("#met-on-time-figures") == "Northshire Partnership 60% (3 of 5)"


def test_year_start_is_the_1_april_before():
    assert dashboard.year_start(date(2025, 3, 31)) == date(2024, 4, 1)
    assert dashboard.year_start(date(2025, 4, 1)) == date(2025, 4, 1)
    assert dashboard.year_start(date(2025, 12, 31)) == date(2025, 4, 1)


def test_a_panel_member_sees_the_next_panel_meeting_and_no_deadline(panel_client, partnership,
                                                                   other_partnership, call):
    case = make_case(partnership, jar_required=True, date_of_death=date(2025, 4, 1))
    for on, where in ((date(2025, 5, 30), partnership), (date(2025, 6, 20), partnership),
                      (date(2025, 6, 5), other_partnership), (date(2025, 6, 10), partnership)):
        db.session.add(PanelMeeting(partnership_id=where.id, meeting_on=on,
                                    place_or_link="Council offices"))
    db.session.flush()
    meeting = db.session.scalar(sa.select(PanelMeeting).where(
        PanelMeeting.meeting_on == date(2025, 6, 10)))
    db.session.add(PanelItem(meeting_id=meeting.id, case_id=case.id,
                             partnership_id=partnership.id, position=1))
    db.session.commit()

    page = call(panel_client, "main.home")

    # What the CDOP member reads next: the meeting, its anonymised agenda with each case's
    # summary, the papers, and the meetings after it (not another partnership's).
    assert page.text("#cdr-papers-meeting") == "10 June 2025 , Council offices"
    [row] = page.html.select("#cdr-papers-agenda tbody tr")
    assert row.a["href"] == f"/child-deaths/panel-meetings/{meeting.id}/cases/{case.id}"
    assert row.a.get_text(" ", strip=True).startswith(case.reference)
    assert page.html.select_one("#cdr-papers-pack")["href"] == (
        f"/child-deaths/panel-meetings/{meeting.id}/panel-pack")
    assert page.text("#cdr-papers-later") == "20 June 2025 : 0 cases on the agenda"
    assert page.html.select_one("#cdr-next-panel") is None  # not twice
    assert page.html.select_one("#deadlines") is None
    assert page.html.select_one("#met-on-time") is None
    # Only the anonymised agenda: nothing of the child.
    assert "Testchild" not in page.text()


def test_a_system_administrator_gets_no_case_figures(admin_client, partnership, call):
    make_case(partnership, jar_required=True, date_of_death=date(2025, 4, 1))

    page = call(admin_client, "main.home")

    assert page.html.select_one("#deadlines") is None
    assert page.html.select_one("#at-a-glance") is None


def test_open_cases_are_counted_by_stage(cdop_client, partnership, other_partnership, call):
    make_case(partnership)
    make_case(partnership, information_complete=True)
    make_case(partnership, closed_on=date(2025, 5, 1))
    make_case(other_partnership)

    figures = call(cdop_client, "main.home").html.select(
        "#cdr-figures-list .govuk-summary-list__row")

    counts = {row.dt.get_text(strip=True): row.dd.get_text(strip=True) for row in figures}
    assert counts["Notified"] == "1"
    assert counts["Child death review meeting"] == "1"
    assert "Closed" not in counts


# --- A fixed number of queries ---------------------------------------------------------------


def _queries(client):
    seen = []
    listener = lambda *args, **kwargs: seen.append(1)  # noqa: E731
    sa.event.listen(db.engine, "before_cursor_execute", listener)
    try:
        assert client.get("/").status_code == 200
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", listener)
    return len(seen)


def _add_work(partnership, doctor_id, count, meeting):
    """`count` cases and incidents of every kind the dashboard reads."""
    for n in range(count):
        case = make_case(partnership, jar_required=True, designated_doctor_id=doctor_id,
                         date_of_death=date(2025, 5, 1 + n % 28),
                         death_registered_on=date(2025, 5, 1 + n % 28))
        request_service.add_request(case, agency="Police", sent_on=date(2025, 5, 2))
        db.session.add(PanelItem(meeting_id=meeting.id, case_id=case.id,
                                 partnership_id=partnership.id, position=n))
        incident = make_incident(partnership, la_aware_on=date(2025, 5, 1 + n % 28))
        recommendation = Recommendation(incident_id=incident.id, partnership_id=partnership.id,
                                        number=1, text="Share information")
        db.session.add(recommendation)
        db.session.flush()
        db.session.add(ReviewAction(incident_id=incident.id, partnership_id=partnership.id,
                                    recommendation_id=recommendation.id, description="Audit",
                                    agency="Police", lead="Lead", due_on=date(2025, 5, 1),
                                    status="in_progress"))
    db.session.commit()


@pytest.mark.parametrize("role_client", ["cdop_client", "doctor_client", "business_client",
                                         "auditor_client", "panel_client"])
def test_each_role_s_dashboard_issues_the_same_queries_however_many_cases(
        role_client, request, partnership):
    client = request.getfixturevalue(role_client)
    meeting = PanelMeeting(partnership_id=partnership.id, meeting_on=date(2025, 6, 20))
    db.session.add(meeting)
    db.session.commit()
    _add_work(partnership, client.user.id, 2, meeting)
    few = _queries(client)
    _add_work(partnership, client.user.id, 25, meeting)
    assert _queries(client) == few


def test_a_panel_members_home_costs_the_same_queries_however_full_the_agendas(
        panel_client, partnership):
    from tests.tracker.test_audit import count_queries

    def queries():
        with count_queries() as statements:
            assert panel_client.get("/").status_code == 200
        return len(statements)

    meeting = PanelMeeting(partnership_id=partnership.id, meeting_on=date(2025, 6, 10))
    db.session.add_all([meeting, PanelMeeting(partnership_id=partnership.id,
                                              meeting_on=date(2025, 6, 20))])
    db.session.flush()
    db.session.add(PanelItem(meeting_id=meeting.id, partnership_id=partnership.id,
                             case_id=make_case(partnership).id, position=9))
    db.session.commit()
    few = queries()
    for on in (date(2025, 7, 1), date(2025, 7, 20), date(2025, 8, 1)):
        db.session.add(PanelMeeting(partnership_id=partnership.id, meeting_on=on))
    for position in range(6):
        case = make_case(partnership, date_of_death=date(2025, 4, 1))
        db.session.add(PanelItem(meeting_id=meeting.id, case_id=case.id,
                                 partnership_id=partnership.id, position=position))
    db.session.commit()

    assert queries() == few
