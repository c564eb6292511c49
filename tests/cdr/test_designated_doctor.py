"""The designated doctor of a case, and the doctor's list of cases that need their action."""

from datetime import date

import pytest
import sqlalchemy as sa

from cdr.models import RapidResponseMeeting
from tests.cdr.factories import make_case
from tests.factories import make_user
from tracker.extensions import db
from tracker.roles import Role

TODAY = date(2025, 3, 20)  # a Thursday


@pytest.fixture(autouse=True)
def frozen_today(clock):
    clock.set(TODAY)


def _version(case):
    db.session.refresh(case)
    return case.version


def _choose(call, client, case, doctor_id, status=302):
    return call(client, "cdr.designated_doctor", status=status, case_id=case.id,
                data={"doctor": str(doctor_id or ""), "version": _version(case)})


# --- Recording the doctor ------------------------------------------------------------------


def test_the_choice_is_the_active_designated_doctors_of_the_cases_partnership(
        cdop_client, partnership, other_partnership, call):
    make_user(Role.DESIGNATED_DOCTOR, [partnership], full_name="Dr Bea Example")
    make_user(Role.DESIGNATED_DOCTOR, [partnership], full_name="Dr Ada Example")
    make_user(Role.DESIGNATED_DOCTOR, [partnership], full_name="Dr Gone", active=False)
    make_user(Role.DESIGNATED_DOCTOR, [other_partnership], full_name="Dr Elsewhere")
    make_user(Role.CDOP_ADMIN, [partnership], full_name="Not A Doctor")
    case = make_case(partnership)

    page = call(cdop_client, "cdr.designated_doctor", case_id=case.id)

    options = [option.get_text(strip=True) for option in page.html.select("#doctor option")]
    assert options == ["Not assigned", "Dr Ada Example", "Dr Bea Example"]


def test_the_case_page_shows_the_doctor_chosen(cdop_client, partnership, call):
    doctor = make_user(Role.DESIGNATED_DOCTOR, [partnership], full_name="Dr Ada Example")
    case = make_case(partnership)

    _choose(call, cdop_client, case, doctor.id)

    page = call(cdop_client, "cdr.case", case_id=case.id)
    assert "Dr Ada Example" in page.text("#designated-doctor + .govuk-summary-list")
    assert "Designated doctor: Dr Ada Example" in page.text("#timeline + ol")
    _choose(call, cdop_client, case, None)
    page = call(cdop_client, "cdr.case", case_id=case.id)
    assert "Not assigned" in page.text("#designated-doctor + .govuk-summary-list")


def test_a_doctor_of_another_partnership_or_another_role_is_refused(cdop_client, partnership,
                                                                    other_partnership, call):
    elsewhere = make_user(Role.DESIGNATED_DOCTOR, [other_partnership])
    admin = make_user(Role.CDOP_ADMIN, [partnership])
    case = make_case(partnership)

    for user in (elsewhere, admin):
        page = _choose(call, cdop_client, case, user.id, status=400)
        assert page.errors == ["Select a designated doctor from the list"]
    db.session.refresh(case)
    assert case.designated_doctor_id is None


def test_a_doctor_who_left_stays_until_changed(cdop_client, partnership, call):
    doctor = make_user(Role.DESIGNATED_DOCTOR, [partnership], full_name="Dr Ada Example")
    case = make_case(partnership, designated_doctor_id=doctor.id)
    doctor.active = False
    db.session.commit()

    page = call(cdop_client, "cdr.designated_doctor", case_id=case.id)

    selected = page.html.select_one("#doctor option[selected]")
    assert selected.get_text(strip=True) == "Dr Ada Example (no longer a designated doctor here)"


# --- The doctor's list ---------------------------------------------------------------------


def _references(page):
    return [link.get_text(strip=True) for link in page.html.select("#my-cases tbody th a, "
                                                                   "#my-cases tbody td a")]


def test_the_list_shows_the_doctors_own_cases_that_need_action(doctor_client, partnership,
                                                               other_partnership, call):
    me = doctor_client.user
    colleague = make_user(Role.DESIGNATED_DOCTOR, [partnership])
    # A Joint Agency Response with its first meeting still to hold (due 8 March: overdue).
    jar = make_case(partnership, designated_doctor_id=me.id, jar_required=True,
                    date_of_death=date(2025, 3, 3))
    # The registrar's particulars due on 21 March (7 days from the 14th): due soon.
    registrar = make_case(partnership, designated_doctor_id=me.id,
                          death_registered_on=date(2025, 3, 14))
    # Nothing to do yet: due 4 April.
    later = make_case(partnership, designated_doctor_id=me.id,
                      death_registered_on=date(2025, 3, 28))
    done = make_case(partnership, designated_doctor_id=me.id, death_registered_on=date(2025, 3,
                                                                                       1),
                     registrar_notified_on=date(2025, 3, 2))
    closed = make_case(partnership, designated_doctor_id=me.id, jar_required=True,
                       closed_on=date(2025, 3, 19))
    theirs = make_case(partnership, designated_doctor_id=colleague.id, jar_required=True)
    # Another partnership's case never shows, even if it names this doctor.
    elsewhere = make_case(other_partnership, designated_doctor_id=me.id, jar_required=True)

    page = call(doctor_client, "cdr.my_cases")

    assert _references(page) == [jar.reference, registrar.reference]
    rows = page.html.select("#my-cases tbody tr")
    assert "First rapid response meeting" in rows[0].get_text() and "Overdue" in rows[0].get_text()
    assert "0 of 3 meetings held" in rows[0].get_text()
    assert "Due soon" in rows[1].get_text() and "21 March 2025" in rows[1].get_text()
    text = page.text("main")
    for hidden in (later, done, closed, theirs, elsewhere):
        assert hidden.reference not in text


def test_a_case_leaves_the_list_when_its_meetings_are_held(doctor_client, partnership, call):
    me = doctor_client.user
    case = make_case(partnership, designated_doctor_id=me.id, jar_required=True,
                     date_of_death=date(2025, 3, 3))
    assert _references(call(doctor_client, "cdr.my_cases")) == [case.reference]
    for number, held_on in ((1, date(2025, 3, 5)), (2, date(2025, 3, 9))):
        call(doctor_client, "cdr.meeting", status=302, case_id=case.id, number=number,
             data={"meeting_on": [str(held_on.day), "3", "2025"], "held": "y",
                   "version": _version(case)})

    page = call(doctor_client, "cdr.my_cases")

    assert _references(page) == []
    assert "No cases assigned to you need action now." in page.text("main")


def _count_queries(app, client, url):
    statements = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", count)
    try:
        assert client.get(url).status_code == 200
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", count)
    return len(statements)


def test_the_list_issues_the_same_number_of_queries_whatever_its_length(app, doctor_client,
                                                                        partnership):
    me = doctor_client.user

    def add_cases(n):
        for _ in range(n):
            case = make_case(partnership, designated_doctor_id=me.id, jar_required=True,
                             date_of_death=date(2025, 3, 3))
            db.session.add(RapidResponseMeeting(case_id=case.id, partnership_id=partnership.id,
                                                number=1, meeting_on=date(2025, 3, 5),
                                                held=True))
        db.session.commit()

    add_cases(2)
    few = _count_queries(app, doctor_client, "/child-deaths/my-cases")
    add_cases(8)
    many = _count_queries(app, doctor_client, "/child-deaths/my-cases")

    assert few == many


def test_the_list_is_paginated(app, doctor_client, partnership, call):
    app.config["PAGE_SIZE"] = 2
    me = doctor_client.user
    cases = [make_case(partnership, designated_doctor_id=me.id, jar_required=True,
                       date_of_death=date(2025, 3, day)) for day in (3, 4, 5)]

    first = call(doctor_client, "cdr.my_cases")
    second = doctor_client.get("/child-deaths/my-cases?page=2").get_data(as_text=True)

    assert _references(first) == [cases[0].reference, cases[1].reference]
    assert "3 cases" in first.text("#my-cases caption")
    assert first.html.select_one(".govuk-pagination") is not None
    assert cases[2].reference in second and cases[0].reference not in second


def test_cases_due_the_same_day_follow_their_dates_of_death_across_pages(app, doctor_client,
                                                                         partnership, call):
    # The page is cut from the doctor's cases in list order before their records are read:
    # equal next deadlines (the registrar's particulars, due 21 March for each) fall back to
    # the date of death, then the case, page after page, and the count is of cases.
    app.config["PAGE_SIZE"] = 2
    me = doctor_client.user
    made = {day: make_case(partnership, designated_doctor_id=me.id,
                           date_of_death=date(2025, 3, day),
                           death_registered_on=date(2025, 3, 14))
            for day in (10, 8, 12)}
    twin = make_case(partnership, designated_doctor_id=me.id, date_of_death=date(2025, 3, 8),
                     death_registered_on=date(2025, 3, 14))

    first = call(doctor_client, "cdr.my_cases")
    second = call(doctor_client, "cdr.my_cases", page="2")

    assert _references(first) == [made[8].reference, twin.reference]
    assert _references(second) == [made[10].reference, made[12].reference]
    assert "4 cases" in first.text("#my-cases caption")
    assert all("21 March 2025" in row.get_text()
               for row in second.html.select("#my-cases tbody tr"))
