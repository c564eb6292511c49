"""Agency information requests: adding, chasing, returning, the outstanding list, and
information complete, through the web forms."""

from datetime import date

import pytest
import sqlalchemy as sa

from cdr.models import AgencyRequest, ChildDeathCase
from tests.cdr.factories import make_case
from tests.conftest import sign_in
from tests.factories import make_user
from tracker import deadline_service
from tracker.audit import AuditEvent
from tracker.deadline_models import Deadline
from tracker.extensions import db
from tracker.roles import Role
from tracker.timeline import TimelineEntry

TODAY = date(2025, 4, 1)


@pytest.fixture(autouse=True)
def frozen_today(clock):
    """Every page in these tests runs on 1 April 2025."""
    clock.set(TODAY)


def as_form(day: date) -> list[str]:
    """A date as the GOV.UK date input posts it (day, month, year)."""
    return [str(day.day), str(day.month), str(day.year)]


def add_request(call, client, case, agency, sent_on, status=302):
    return call(client, "cdr.new_request", case_id=case.id, status=status,
                data={"agency": agency, "sent_on": as_form(sent_on)})


def edit_request(call, client, case, agency_request, status=302, **changes):
    data = {"agency": agency_request.agency, "sent_on": as_form(agency_request.sent_on),
            "chased_on": ["", "", ""], "returned_on": ["", "", ""], "summary": ""}
    for name, value in changes.items():
        data[name] = as_form(value) if isinstance(value, date) else value
    return call(client, "cdr.edit_request", case_id=case.id, request_id=agency_request.id,
                status=status, data=data)


def requests_of(case):
    return db.session.scalars(
        sa.select(AgencyRequest).where(AgencyRequest.case_id == case.id)
        .order_by(AgencyRequest.id)
    ).all()


def request_deadlines():
    return db.session.scalars(
        sa.select(Deadline).where(Deadline.owner_type == "cdr_agency_request")
    ).all()


def make_request(case, agency, sent_on, **fields):
    """A saved request with its stored deadline (set-up for the list tests)."""
    agency_request = AgencyRequest(case_id=case.id, partnership_id=case.partnership_id,
                                   rules_edition=case.rules_edition, agency=agency,
                                   sent_on=sent_on, **fields)
    db.session.add(agency_request)
    deadline_service.sync_case(agency_request)
    db.session.commit()
    return agency_request


def timeline_lines(page) -> list[str]:
    """The case page's timeline, newest first, each line as read ("date: text")."""
    return [" ".join(li.get_text(" ", strip=True).split()).replace(" :", ":")
            for li in page.html.select("#timeline + ol > li")]


def table_rows(page, selector):
    return [[cell.get_text(" ", strip=True) for cell in row.select("td")]
            for row in page.html.select(f"{selector} tbody tr")]


# --- Adding, chasing and returning ---------------------------------------------------------


def test_requests_added_through_the_form_show_their_deadlines_on_the_case_page(
        cdop_client, partnership, call):
    case = make_case(partnership, date_of_death=date(2025, 3, 1))

    add_request(call, cdop_client, case, "Police", date(2025, 3, 3))
    add_request(call, cdop_client, case, "GP practice", date(2025, 3, 25))
    page = call(cdop_client, "cdr.case", case_id=case.id)

    rows = table_rows(page, "#request-table")
    # 15 working days after each was sent; the first is late, the second not yet due.
    # Each for the core reporting form unless another was chosen (issue 24).
    assert [row[:7] for row in rows] == [
        ["Police", "Core reporting form", "3 March 2025", "24 March 2025", "Not chased",
         "Not returned", "Overdue"],
        ["GP practice", "Core reporting form", "25 March 2025", "15 April 2025", "Not chased",
         "Not returned", "Not yet due"],
    ]
    deadlines = page.text("#deadline-table")
    # Died in 2025: Working Together 2023, whose agencies return the national reporting form.
    assert "Agencies return the reporting form: Police" in deadlines
    assert "Information requested from GP practice" in page.text("#timeline + ol")
    assert "Information not complete" in page.text("#information-state")
    stored = requests_of(case)
    assert {r.partnership_id for r in stored} == {partnership.id}
    assert {r.rules_edition for r in stored} == {case.rules_edition}


def test_returning_a_request_meets_its_deadline(cdop_client, partnership, call):
    case = make_case(partnership)
    add_request(call, cdop_client, case, "Police", date(2025, 3, 3))
    (police,) = requests_of(case)

    edit_request(call, cdop_client, case, police, chased_on=date(2025, 3, 14),
                 returned_on=date(2025, 3, 20), summary="Two call-outs in 2024, no concerns.")
    page = call(cdop_client, "cdr.case", case_id=case.id)

    (row,) = table_rows(page, "#request-table")
    assert row[2:7] == ["3 March 2025", "24 March 2025", "14 March 2025", "20 March 2025",
                        "Met on time"]
    assert "Two call-outs in 2024" in row[0]
    assert "Met on time" in page.text("#deadline-table")
    timeline = page.text("#timeline + ol")
    assert "Request to Police chased" in timeline
    assert "Information returned by Police" in timeline
    (deadline,) = request_deadlines()
    assert deadline.met_on == date(2025, 3, 20)


def test_a_request_returned_after_its_due_date_was_met_late(cdop_client, partnership, call):
    case = make_case(partnership)
    police = make_request(case, "Police", date(2025, 3, 3))

    edit_request(call, cdop_client, case, police, returned_on=date(2025, 3, 28))

    page = call(cdop_client, "cdr.case", case_id=case.id)
    assert table_rows(page, "#request-table")[0][6] == "Met late"


def test_changing_the_date_sent_moves_the_due_date(cdop_client, partnership, call):
    case = make_case(partnership)
    police = make_request(case, "Police", date(2025, 3, 3))

    edit_request(call, cdop_client, case, police, sent_on=date(2025, 3, 10))

    (deadline,) = request_deadlines()
    assert deadline.due_date == date(2025, 3, 31)
    assert "Request to Police updated" in call(cdop_client, "cdr.case",
                                               case_id=case.id).text("#timeline + ol")


@pytest.mark.parametrize(("data", "message"), [
    ({"agency": "", "sent_on": ["3", "3", "2025"]}, "Enter the name of the agency"),
    ({"agency": "   ", "sent_on": ["3", "3", "2025"]}, "Enter the name of the agency"),
    ({"agency": "x" * 201, "sent_on": ["3", "3", "2025"]},
     "Agency must be 200 characters or fewer"),
    ({"agency": "Police", "sent_on": ["", "", ""]}, "Enter the date the request was sent"),
    ({"agency": "Police", "sent_on": ["31", "2", "2025"]}, "Date sent must be a real date"),
    ({"agency": "Police", "sent_on": ["3", "", "2025"]}, "Date sent must include a month"),
    ({"agency": "Police", "sent_on": ["2", "4", "2025"]},
     "Date sent must be today or in the past"),
    ({"agency": "Police", "sent_on": ["28", "2", "2025"]},
     "Date sent must be on or after the date of death, 1 March 2025"),
])
def test_a_bad_new_request_is_refused_and_nothing_is_saved(cdop_client, partnership, call,
                                                           data, message):
    case = make_case(partnership, date_of_death=date(2025, 3, 1))

    page = call(cdop_client, "cdr.new_request", case_id=case.id, data=data, status=400)

    assert page.errors == [message]
    assert page.text("title").startswith("Error:")
    assert requests_of(case) == [] and request_deadlines() == []


@pytest.mark.parametrize(("changes", "message"), [
    ({"returned_on": date(2025, 3, 2)}, "Date returned must be on or after the date sent"),
    ({"chased_on": date(2025, 3, 2)}, "Date chased must be on or after the date sent"),
    ({"returned_on": date(2025, 4, 2)}, "Date returned must be today or in the past"),
    ({"chased_on": date(2025, 4, 30)}, "Date chased must be today or in the past"),
    ({"sent_on": date(2025, 2, 1)},
     "Date sent must be on or after the date of death, 1 March 2025"),
    ({"returned_on": ["40", "3", "2025"]}, "Date returned must be a real date"),
    ({"summary": "x" * 2001}, "Summary must be 2,000 characters or fewer"),
])
def test_a_bad_change_to_a_request_is_refused_and_nothing_is_saved(cdop_client, partnership,
                                                                   call, changes, message):
    case = make_case(partnership, date_of_death=date(2025, 3, 1))
    police = make_request(case, "Police", date(2025, 3, 3))

    page = edit_request(call, cdop_client, case, police, status=400, **changes)

    assert page.errors == [message]
    db.session.expire_all()
    (saved,) = requests_of(case)
    assert (saved.sent_on, saved.chased_on, saved.returned_on, saved.summary) == (
        date(2025, 3, 3), None, None, None)
    (deadline,) = request_deadlines()
    assert deadline.met_on is None and deadline.due_date == date(2025, 3, 24)


def test_requests_are_only_for_the_users_partnerships_cases(cdop_client, partnership,
                                                             other_partnership, call):
    mine = make_case(partnership)
    theirs = make_case(other_partnership)
    their_request = make_request(theirs, "Police", date(2025, 3, 3))

    call(cdop_client, "cdr.new_request", case_id=theirs.id, status=404)
    call(cdop_client, "cdr.edit_request", case_id=theirs.id, request_id=their_request.id,
         status=404)
    # Their request under my case's address is not found either.
    call(cdop_client, "cdr.edit_request", case_id=mine.id, request_id=their_request.id,
         status=404)


def test_an_auditor_sees_requests_but_cannot_add_or_change_them(auditor_client, partnership,
                                                                 call):
    case = make_case(partnership)
    police = make_request(case, "Police", date(2025, 3, 3))

    page = call(auditor_client, "cdr.case", case_id=case.id)

    assert table_rows(page, "#request-table")[0][0] == "Police"
    assert "Add an information request" not in page.text()
    assert page.html.select("#request-table a") == []
    assert page.html.select("form[action$='/information-complete']") == []
    call(auditor_client, "cdr.new_request", case_id=case.id, status=403)
    call(auditor_client, "cdr.edit_request", case_id=case.id, request_id=police.id, status=403)


# --- Information complete -------------------------------------------------------------------


def test_marking_information_complete_shows_on_the_case_with_its_date(cdop_client,
                                                                      partnership, call):
    case = make_case(partnership, notification_received_on=date(2025, 3, 2))
    form_page = ("cdr.case", {"case_id": case.id})

    # The date is asked for (issue 24), today unless changed.
    opened = call(cdop_client, "cdr.case", case_id=case.id)
    boxes = opened.html.select("#information-complete-form input[name='information_complete_on']")
    assert [box["value"] for box in boxes] == ["01", "04", "2025"]
    call(cdop_client, "cdr.information_complete", case_id=case.id, form_page=form_page,
         data={"complete": "yes", "version": str(case.version),
               "information_complete_on": as_form(date(2025, 3, 27))}, status=302)
    page = call(cdop_client, "cdr.case", case_id=case.id)

    assert page.text("#information-state") == "Information complete on 27 March 2025"
    assert "Mark information as not complete" in page.text("#information ~ form")
    assert page.html.select("#information-complete-form input[name='information_complete_on']"
                            ) == []
    assert "27 March 2025: Information gathering marked complete" in timeline_lines(page)[0]
    saved = db.session.get(ChildDeathCase, case.id)
    assert (saved.information_complete, saved.information_complete_on) == (
        True, date(2025, 3, 27))


def test_marking_information_not_complete_again_clears_its_date(cdop_client, partnership,
                                                                 call):
    case = make_case(partnership, information_complete=True,
                     information_complete_on=date(2025, 3, 20))

    call(cdop_client, "cdr.information_complete", case_id=case.id,
         form_page=("cdr.case", {"case_id": case.id}),
         data={"complete": "no", "version": str(case.version)}, status=302)
    page = call(cdop_client, "cdr.case", case_id=case.id)

    assert page.text("#information-state") == "Information not complete"
    assert timeline_lines(page)[0] == (
        "1 April 2025: Information gathering marked as not complete")
    saved = db.session.get(ChildDeathCase, case.id)
    assert (saved.information_complete, saved.information_complete_on) == (False, None)


def test_a_stale_information_complete_is_refused_linking_to_what_the_case_says_now(
        cdop_client, partnership, call):
    case = make_case(partnership, notification_received_on=date(2025, 3, 2))
    opened = str(case.version)
    call(cdop_client, "cdr.information_complete", case_id=case.id,  # someone else, first
         data={"complete": "yes", "version": opened,
               "information_complete_on": as_form(date(2025, 3, 20))}, status=302)

    page = call(cdop_client, "cdr.information_complete", case_id=case.id, status=409,
                data={"complete": "yes", "version": opened,
                      "information_complete_on": as_form(date(2025, 3, 27))})

    assert page.text("title").startswith("Error: Information for ")
    assert page.errors[0].endswith("so your changes have not been saved. What the case says "
                                   "now is below: check it and save again if you should")
    # Not the hidden version field (which has no id here: the link led nowhere).
    page.assert_errors_lead_to_visible()
    assert page.error_targets()[0]["id"] == "information-now"
    assert page.text("#information-now") == (
        "The case says the information is complete, since 20 March 2025.")
    boxes = page.html.select("#information-date-form input[name='information_complete_on']")
    assert [box["value"] for box in boxes] == ["27", "3", "2025"]  # what was typed, kept
    assert db.session.get(ChildDeathCase, case.id).information_complete_on == date(2025, 3, 20)


def test_the_date_the_information_was_complete_can_be_changed(cdop_client, partnership,
                                                               call, monkeypatch):
    # Issue 24 review: a new date on a case already complete was silently dropped.
    case = make_case(partnership, notification_received_on=date(2025, 3, 2),
                     information_complete=True, information_complete_on=date(2025, 3, 20))
    opened = call(cdop_client, "cdr.case", case_id=case.id)
    boxes = opened.html.select("#information-date-form input[name='information_complete_on']")
    assert [box["value"] for box in boxes] == ["20", "03", "2025"]
    synced = []
    real_sync = deadline_service.sync_case
    monkeypatch.setattr(deadline_service, "sync_case",
                        lambda each: synced.append(each.id) or real_sync(each))

    call(cdop_client, "cdr.information_complete", case_id=case.id,
         form_page=("cdr.case", {"case_id": case.id}),
         data={"complete": "yes", "version": str(case.version),
               "information_complete_on": as_form(date(2025, 3, 12))}, status=302)
    page = call(cdop_client, "cdr.case", case_id=case.id)

    assert page.text("#information-state") == "Information complete on 12 March 2025"
    assert timeline_lines(page)[0] == (
        "1 April 2025: Date the information was complete changed from 20 March 2025 to "
        "12 March 2025")
    assert synced == [case.id]  # its deadlines worked out again through the rules
    saved = db.session.get(ChildDeathCase, case.id)
    assert (saved.information_complete, saved.information_complete_on) == (
        True, date(2025, 3, 12))
    update = db.session.scalars(sa.select(AuditEvent).where(
        AuditEvent.action == "update", AuditEvent.object_type == "ChildDeathCase",
        AuditEvent.object_id == str(case.id)).order_by(AuditEvent.id)).all()[-1]
    assert update.changes["information_complete_on"] == ["2025-03-20", "2025-03-12"]


def test_a_bad_new_information_complete_date_is_refused_and_changes_nothing(
        cdop_client, partnership, call):
    case = make_case(partnership, notification_received_on=date(2025, 3, 2),
                     information_complete=True, information_complete_on=date(2025, 3, 20))

    page = call(cdop_client, "cdr.information_complete", case_id=case.id,
                form_page=("cdr.case", {"case_id": case.id}),
                data={"complete": "yes", "version": str(case.version),
                      "information_complete_on": ["2", "4", "2025"]}, status=400)

    assert page.errors == ["Date the information was complete must be today or in the past"]
    boxes = page.html.select("#information-date-form input[name='information_complete_on']")
    assert [box.get("value", "") for box in boxes] == ["2", "4", "2025"]
    saved = db.session.get(ChildDeathCase, case.id)
    assert saved.information_complete_on == date(2025, 3, 20)


@pytest.mark.parametrize(("typed", "message"), [
    (["", "", ""], "Enter the date the information was complete"),
    (["2", "4", "2025"], "Date the information was complete must be today or in the past"),
    (["1", "3", "2025"], "Date the information was complete must be on or after the date "
                         "the death was notified, 2 March 2025"),
    (["31", "2", "2025"], "Date the information was complete must be a real date"),
    (["12", "", "2025"], "Date the information was complete must include a month"),
])
def test_a_bad_information_complete_date_is_refused_and_kept(cdop_client, partnership, call,
                                                             typed, message):
    case = make_case(partnership, date_of_death=date(2025, 2, 27),
                     notification_received_on=date(2025, 3, 2))

    page = call(cdop_client, "cdr.information_complete", case_id=case.id,
                form_page=("cdr.case", {"case_id": case.id}),
                data={"complete": "yes", "version": str(case.version),
                      "information_complete_on": typed}, status=400)

    assert page.errors == [message]
    # The form comes back with what was typed, to put right and send again.
    boxes = page.html.select("#information-complete-form input[name='information_complete_on']")
    assert [box.get("value", "") for box in boxes] == typed
    saved = db.session.get(ChildDeathCase, case.id)
    assert (saved.information_complete, saved.information_complete_on) == (False, None)
    assert db.session.scalars(sa.select(TimelineEntry).where(
        TimelineEntry.kind == "information")).all() == []


def test_the_information_complete_date_may_be_the_day_of_notification(cdop_client,
                                                                     partnership, call):
    case = make_case(partnership, notification_received_on=date(2025, 3, 2))

    call(cdop_client, "cdr.information_complete", case_id=case.id,
         form_page=("cdr.case", {"case_id": case.id}),
         data={"complete": "yes", "version": str(case.version),
               "information_complete_on": as_form(date(2025, 3, 2))}, status=302)

    assert db.session.get(ChildDeathCase, case.id).information_complete_on == date(2025, 3, 2)


def test_marking_information_complete_on_an_old_page_saves_nothing(cdop_client, partnership,
                                                                   call):
    case = make_case(partnership)
    opened_at = case.version
    case.analysis_summary = "Changed by someone else"
    db.session.commit()

    refused = call(cdop_client, "cdr.information_complete", case_id=case.id,
                   form_page=("cdr.case", {"case_id": case.id}),
                   data={"complete": "yes", "version": str(opened_at),
                         "information_complete_on": as_form(TODAY)}, status=409)
    page = call(cdop_client, "cdr.case", case_id=case.id)

    assert refused.errors[0].startswith("Someone else changed this case (Analysis summary) on ")
    assert "Information not complete" in page.text("#information-state")
    assert db.session.get(ChildDeathCase, case.id).information_complete is False


def test_a_made_up_information_complete_answer_is_refused(cdop_client, partnership, call):
    case = make_case(partnership)

    page = call(cdop_client, "cdr.information_complete", case_id=case.id,
                form_page=("cdr.case", {"case_id": case.id}),
                data={"complete": "maybe", "version": str(case.version)}, status=400)

    assert page.errors == ["Select whether the information is complete"]
    assert db.session.get(ChildDeathCase, case.id).information_complete is False


# --- The outstanding list ---------------------------------------------------------------------


def test_outstanding_requests_are_listed_oldest_first_in_the_users_partnerships(
        cdop_client, partnership, other_partnership, call):
    first = make_case(partnership)
    second = make_case(partnership)
    theirs = make_case(other_partnership)
    make_request(second, "School", date(2025, 3, 20), chased_on=date(2025, 3, 31))
    make_request(first, "Police", date(2025, 3, 3))
    make_request(first, "GP practice", date(2025, 3, 4), returned_on=date(2025, 3, 10))
    make_request(theirs, "Their police", date(2025, 3, 1))

    page = call(cdop_client, "cdr.outstanding_requests")

    assert table_rows(page, "#outstanding-requests") == [
        [first.reference, "Police", "3 March 2025", "24 March 2025", "Overdue", "Not chased"],
        [second.reference, "School", "20 March 2025", "10 April 2025", "Not yet due",
         "31 March 2025"],
    ]
    link = page.html.select_one("#outstanding-requests tbody a")
    assert link["href"].startswith(f"/child-deaths/{first.id}")
    assert "Their police" not in page.text() and theirs.reference not in page.text()


def test_the_outstanding_list_is_paginated(app, cdop_client, partnership, call):
    app.config["PAGE_SIZE"] = 2
    case = make_case(partnership)
    for day in (5, 3, 4):
        make_request(case, f"Agency sent on the {day}th", date(2025, 3, day))

    first = call(cdop_client, "cdr.outstanding_requests")
    second = call(cdop_client, "cdr.outstanding_requests", page=2)

    assert [row[1] for row in table_rows(first, "#outstanding-requests")] == [
        "Agency sent on the 3th", "Agency sent on the 4th"]
    assert [row[1] for row in table_rows(second, "#outstanding-requests")] == [
        "Agency sent on the 5th"]
    assert first.html.select_one(".govuk-pagination") is not None


def test_the_outstanding_list_costs_the_same_queries_whatever_its_length(
        app, cdop_client, partnership, other_partnership, call):
    def queries_for_list():
        statements = []

        def count(*args):
            statements.append(args[2])

        sa.event.listen(db.engine, "before_cursor_execute", count)
        try:
            call(cdop_client, "cdr.outstanding_requests")
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", count)
        return len(statements)

    case = make_case(partnership)
    make_request(case, "Police", date(2025, 3, 3))
    few = queries_for_list()
    for n in range(25):
        other_case = make_case(partnership)
        make_request(other_case, f"Agency {n}", date(2025, 3, 4), chased_on=date(2025, 3, 20))
    many = queries_for_list()

    assert many == few
    assert len(table_rows(call(cdop_client, "cdr.outstanding_requests"),
                          "#outstanding-requests")) == 26


def test_a_user_of_another_partnership_does_not_see_these_requests(app, partnership,
                                                                  other_partnership, call):
    case = make_case(partnership)
    make_request(case, "Police", date(2025, 3, 3))
    user = make_user(Role.CDOP_ADMIN, [other_partnership])
    client = app.test_client()
    sign_in(client, user.email)

    page = call(client, "cdr.outstanding_requests")

    assert page.html.select("#outstanding-requests") == []
    assert "Every information request has been returned" in page.text()


def test_the_timeline_never_names_the_child(cdop_client, partnership, call):
    case = make_case(partnership)
    add_request(call, cdop_client, case, "Police", date(2025, 3, 3))

    texts = db.session.scalars(sa.select(TimelineEntry.text)).all()

    assert texts and not any("Invented" in text or "Testchild" in text for text in texts)
