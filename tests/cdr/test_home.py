"""The home page's child death deadlines (overdue, due soon) and panels, per role."""

from datetime import date

import pytest
import sqlalchemy as sa

from tests.cdr.factories import make_case
from tracker.extensions import db

TODAY = date(2025, 6, 2)


@pytest.fixture(autouse=True)
def _today(monkeypatch):
    monkeypatch.setattr("tracker.views.home.london_today", lambda: TODAY)


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
