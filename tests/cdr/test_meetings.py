"""The Joint Agency Response, the three rapid response meetings and their invitations."""

from datetime import date, datetime, timedelta

import pytest
from icalendar import Calendar

from cdr.models import ChildIdentity
from cdr.services import meetings as service
from tests.cdr.factories import make_case
from tracker import deadline_service
from tracker.extensions import db
from tracker.timeutil import LONDON

DIED = date(2025, 3, 3)  # a Monday: the first meeting's window is 4 to 8 March
SUDDEN = "jar_sudden_unexplained"


@pytest.fixture(autouse=True)
def today(clock, days_pass):
    """Set the day the pages think it is: today(date). Starts on the day after the death."""
    clock.set(DIED + timedelta(days=1))
    return clock.set


def _date(day):
    return [str(day.day), str(day.month), str(day.year)]


def _version(case):
    db.session.refresh(case)
    return case.version


def _jar(call, client, case, criteria, results_on=None, status=302):
    data = {"criteria": criteria, "version": _version(case)}
    if results_on is not None:
        data["post_mortem_results_on"] = _date(results_on)
    return call(client, "cdr.joint_agency_response", status=status, data=data, case_id=case.id)


def _meeting(call, client, case, number, day, status=302, **fields):
    data = {"meeting_on": _date(day), "version": _version(case), **fields}
    return call(client, "cdr.meeting", status=status, data=data, case_id=case.id, number=number)


def _deadlines(page):
    """Deadline row id -> its text, from the case page's deadline table."""
    table = page.html.select_one("#deadline-table")
    if table is None:
        return {}
    return {row["id"]: row.get_text(" ", strip=True) for row in table.select("tbody tr")}


def _date_shown(page):
    """The date in the meeting form's date boxes."""
    day, month, year = (int(box["value"]) for box in page.html.select("#meeting_on input"))
    return date(year, month, day)


def _meeting_row(page, number):
    return page.text(f"#meeting-{number}")


def _jar_case(call, client, partnership, **fields):
    case = make_case(partnership, **{"date_of_death": DIED, **fields})
    _jar(call, client, case, [SUDDEN])
    return case


# --- The Joint Agency Response checklist ----------------------------------------------------


def test_ticking_a_criterion_adds_the_first_two_meetings_and_unticking_removes_them(
        cdop_client, partnership, call):
    case = make_case(partnership, date_of_death=DIED)
    page = call(cdop_client, "cdr.case", case_id=case.id)
    assert "deadline-rr_meeting_1" not in _deadlines(page)
    assert "not required" in page.text("#jar-status")

    _jar(call, cdop_client, case, [SUDDEN, "jar_suspicious"])

    page = call(cdop_client, "cdr.case", case_id=case.id)
    deadlines = _deadlines(page)
    assert "4 March 2025 to 8 March 2025" in deadlines["deadline-rr_meeting_1"]
    assert "8 March 2025 to 10 March 2025" in deadlines["deadline-rr_meeting_2"]
    assert "deadline-rr_meeting_3" not in deadlines
    reasons = page.text("#meetings ~ ul")
    assert "Joint Agency Response required because" in page.text("#jar-status")
    assert "sudden and there is no immediately apparent cause" in reasons
    assert "may not have been natural" in reasons
    assert "Joint Agency Response required: " in page.text("#timeline + ol")

    _jar(call, cdop_client, case, [])

    page = call(cdop_client, "cdr.case", case_id=case.id)
    assert not {"deadline-rr_meeting_1", "deadline-rr_meeting_2"} & set(_deadlines(page))
    assert "not required" in page.text("#jar-status")
    assert "Joint Agency Response not required" in page.text("#timeline + ol")


def test_the_form_shows_the_criteria_already_ticked(cdop_client, partnership, call):
    case = make_case(partnership, jar_external_causes=True, jar_required=True)

    page = call(cdop_client, "cdr.joint_agency_response", case_id=case.id)

    ticked = [box["value"] for box in page.html.select("input[name=criteria][checked]")]
    assert ticked == ["jar_external_causes"]


def test_the_post_mortem_results_date_starts_the_third_meeting(cdop_client, partnership, call,
                                                               today):
    case = _jar_case(call, cdop_client, partnership)
    today(date(2025, 5, 30))

    _jar(call, cdop_client, case, [SUDDEN], results_on=date(2025, 5, 20))

    page = call(cdop_client, "cdr.case", case_id=case.id)
    # Ten working days after Tuesday 20 May 2025 (Monday 26 May is a bank holiday).
    assert "4 June 2025" in _deadlines(page)["deadline-rr_meeting_3"]
    assert "20 May 2025" in page.text("#meetings ~ .govuk-summary-list")
    assert "All post-mortem results received" in page.text("#timeline + ol")


@pytest.mark.parametrize(("results_on", "message"), [
    (date(2025, 6, 1), "Date all post-mortem results were received must be today or in the "
                       "past"),
    (date(2025, 3, 1), "Date all post-mortem results were received must be on or after the "
                       "date of death (3 March 2025)"),
])
def test_a_wrong_post_mortem_results_date_is_refused(cdop_client, partnership, call, today,
                                                    results_on, message):
    case = _jar_case(call, cdop_client, partnership)
    today(date(2025, 5, 30))

    page = _jar(call, cdop_client, case, [SUDDEN, "jar_suspicious"], results_on=results_on,
                status=400)

    assert page.errors == [message]
    db.session.refresh(case)
    assert case.post_mortem_results_on is None and not case.jar_suspicious


def test_a_criterion_that_is_not_on_the_list_is_refused(cdop_client, partnership, call):
    case = make_case(partnership)

    page = _jar(call, cdop_client, case, ["jar_made_up"], status=400)

    assert page.errors == ["Select criteria from the list"]
    db.session.refresh(case)
    assert not case.jar_required


# --- Scheduling the meetings ----------------------------------------------------------------


def test_the_form_proposes_dates_in_the_window_working_days_first(cdop_client, partnership,
                                                                 call, today):
    # Wednesday 16 April 2025: the window is Thursday 17 to Monday 21 April, over Easter.
    case = _jar_case(call, cdop_client, partnership, date_of_death=date(2025, 4, 16))
    today(date(2025, 4, 16))

    page = call(cdop_client, "cdr.meeting", case_id=case.id, number=1)

    assert "between 17 April 2025 and 21 April 2025" in page.text("#window")
    proposed = [item.get_text(" ", strip=True) for item in page.html.select(
        "#proposed-dates + ul li")]
    assert proposed == [
        "Thursday 17 April 2025",
        "Friday 18 April 2025 (not a working day)",
        "Saturday 19 April 2025 (not a working day)",
        "Sunday 20 April 2025 (not a working day)",
        "Monday 21 April 2025 (not a working day)",
    ]
    # The first proposal is filled in.
    assert _date_shown(page) == date(2025, 4, 17)


def test_a_suggested_dates_link_fills_in_that_date(cdop_client, partnership, call):
    case = _jar_case(call, cdop_client, partnership)

    page = call(cdop_client, "cdr.meeting", case_id=case.id, number=1)
    link = page.html.select("#proposed-dates + ul a")[2]
    filled = call(cdop_client, "cdr.meeting", case_id=case.id, number=1,
                  date=link["href"].split("date=")[1])

    assert "Thursday 6 March 2025" in link.get_text()
    assert _date_shown(filled) == date(2025, 3, 6)


def test_schedule_and_hold_the_three_meetings_and_see_the_deadlines_met(
        cdop_client, partnership, call, today):
    case = _jar_case(call, cdop_client, partnership)

    _meeting(call, cdop_client, case, 1, date(2025, 3, 5), starts_at="10:00",
             place_or_link="Northtown Hospital, seminar room 2", chair="Dr A Example",
             attendees="Dr A Example, paediatrician", agencies="Police\nHealth",
             actions="Police to share the scene report", notes="Family supported")
    page = call(cdop_client, "cdr.case", case_id=case.id)
    assert "5 March 2025 at 10:00" in _meeting_row(page, 1)
    assert "Scheduled" in _meeting_row(page, 1)
    assert "Not yet due" in _deadlines(page)["deadline-rr_meeting_1"]

    today(date(2025, 3, 5))
    _meeting(call, cdop_client, case, 1, date(2025, 3, 5), starts_at="10:00", held="y")
    today(date(2025, 3, 10))
    _meeting(call, cdop_client, case, 2, date(2025, 3, 10), held="y")
    today(date(2025, 5, 27))
    _jar(call, cdop_client, case, [SUDDEN], results_on=date(2025, 5, 20))
    _meeting(call, cdop_client, case, 3, date(2025, 5, 27), held="y")

    page = call(cdop_client, "cdr.case", case_id=case.id)
    deadlines = _deadlines(page)
    for number in (1, 2, 3):
        assert "Met on time" in deadlines[f"deadline-rr_meeting_{number}"]
        assert "Held" in _meeting_row(page, number)
    tasks = [item.get_text(" ", strip=True) for item in page.html.select(
        ".govuk-task-list__item")]
    assert "Joint Agency Response Completed" in tasks
    timeline = page.text("#timeline + ol")
    assert "First rapid response meeting scheduled for 5 March 2025" in timeline
    assert "First rapid response meeting held" in timeline
    assert "Third rapid response meeting held" in timeline


def test_the_meeting_form_shows_what_was_recorded(cdop_client, partnership, call):
    case = _jar_case(call, cdop_client, partnership)
    _meeting(call, cdop_client, case, 2, date(2025, 3, 9), starts_at="9.05",
             chair="Dr A Example")

    page = call(cdop_client, "cdr.meeting", case_id=case.id, number=2)

    assert _date_shown(page) == date(2025, 3, 9)
    assert page.html.select_one("#starts_at")["value"] == "09:05"
    assert page.html.select_one("#chair")["value"] == "Dr A Example"


def test_the_third_meeting_waits_for_the_post_mortem_results(cdop_client, partnership, call):
    case = _jar_case(call, cdop_client, partnership)

    page = call(cdop_client, "cdr.meeting", case_id=case.id, number=3)
    assert "once all post-mortem results have been received" in page.text("main")
    assert page.html.select_one("#meeting_on") is None

    call(cdop_client, "cdr.meeting", status=400, case_id=case.id, number=3,
         form_page=("cdr.case", {"case_id": case.id}),
         data={"meeting_on": _date(date(2025, 3, 4)), "version": _version(case)})
    assert service.meeting_of(case, 3) is None
    assert "Cannot schedule yet" in _meeting_row(call(cdop_client, "cdr.case",
                                                      case_id=case.id), 3)


def test_no_meeting_without_a_joint_agency_response(cdop_client, partnership, call):
    case = make_case(partnership, date_of_death=DIED)

    page = call(cdop_client, "cdr.meeting", case_id=case.id, number=1)

    assert "A Joint Agency Response is not required for this case" in page.text("main")
    call(cdop_client, "cdr.meeting", status=400, case_id=case.id, number=1,
         form_page=("cdr.case", {"case_id": case.id}),
         data={"meeting_on": _date(date(2025, 3, 4)), "version": _version(case)})
    assert service.meeting_of(case, 1) is None


def test_a_date_later_than_the_window_warns_and_needs_a_reason(cdop_client, partnership, call):
    case = _jar_case(call, cdop_client, partnership)

    page = _meeting(call, cdop_client, case, 1, date(2025, 3, 12), status=400)

    assert page.errors == [
        "Enter why the meeting is later than its window (which ends on 8 March 2025)"]
    assert "later than its window" in page.text(".govuk-warning-text")
    assert page.html.select_one("textarea#outside_window_reason") is not None
    assert service.meeting_of(case, 1) is None

    _meeting(call, cdop_client, case, 1, date(2025, 3, 12),
             outside_window_reason="The police could not attend sooner")

    row = _meeting_row(call(cdop_client, "cdr.case", case_id=case.id), 1)
    assert "12 March 2025" in row
    assert "Outside the window: The police could not attend sooner" in row


def test_the_reason_field_is_on_the_form_before_any_error(cdop_client, partnership, call):
    case = _jar_case(call, cdop_client, partnership)

    page = call(cdop_client, "cdr.meeting", case_id=case.id, number=1)

    assert page.html.select_one("textarea#outside_window_reason") is not None
    assert "Needed only if the date is after 8 March 2025" in page.text(
        "#outside_window_reason-hint")
    assert page.html.select_one(".govuk-warning-text") is None


def test_a_late_date_saved_with_its_reason_the_first_time(cdop_client, partnership, call):
    case = _jar_case(call, cdop_client, partnership)

    _meeting(call, cdop_client, case, 1, date(2025, 3, 12),
             outside_window_reason="The police could not attend sooner")

    assert service.meeting_of(case, 1).outside_window_reason == (
        "The police could not attend sooner")


def test_a_date_earlier_than_the_window_needs_no_reason(cdop_client, partnership, call):
    case = _jar_case(call, cdop_client, partnership)  # the second window: 8 to 10 March

    page = call(cdop_client, "cdr.meeting", case_id=case.id, number=2)
    assert "8 March 2025 and 10 March 2025" in page.text("#window")
    _meeting(call, cdop_client, case, 2, date(2025, 3, 6),
             outside_window_reason="Brought forward")

    saved = service.meeting_of(case, 2)
    assert saved.meeting_on == date(2025, 3, 6)
    assert saved.outside_window_reason is None  # never asked for, never kept
    page = call(cdop_client, "cdr.meeting", case_id=case.id, number=2)
    assert page.html.select_one(".govuk-warning-text") is None
    assert "Outside the window" not in _meeting_row(
        call(cdop_client, "cdr.case", case_id=case.id), 2)


def test_the_windows_are_labelled_local_practice(cdop_client, partnership, call):
    case = _jar_case(call, cdop_client, partnership)

    source = call(cdop_client, "cdr.meeting", case_id=case.id, number=1).text("#window-source")
    case_page = call(cdop_client, "cdr.case", case_id=case.id)

    assert source.startswith("Local practice, not a statutory timescale. Source: Local "
                             "practice, not a Working Together timescale")
    assert "paragraph 5.15 ([004] L257)" in source
    assert "local practice, not a statutory or Working Together timescale" in case_page.text(
        "#meetings-local-practice")
    assert "Local practice" in _deadlines(case_page)["deadline-rr_meeting_1"]


def test_a_date_moved_back_inside_the_window_drops_the_reason(cdop_client, partnership, call):
    case = _jar_case(call, cdop_client, partnership)
    _meeting(call, cdop_client, case, 1, date(2025, 3, 12), outside_window_reason="Police")

    _meeting(call, cdop_client, case, 1, date(2025, 3, 6), outside_window_reason="Police")

    assert service.meeting_of(case, 1).outside_window_reason is None


@pytest.mark.parametrize(("fields", "message"), [
    ({"meeting_on": ["", "", ""]}, "Enter the date of the meeting"),
    ({"meeting_on": ["31", "2", "2025"]}, "Date of the meeting must be a real date"),
    ({"meeting_on": ["5", "3", ""]}, "Date of the meeting must include a year"),
    ({"meeting_on": _date(date(2025, 3, 2))},
     "Date of the meeting must be on or after the date of death (3 March 2025)"),
    ({"meeting_on": _date(date(2025, 3, 6)), "held": "y"},
     "Date of the meeting must be today or in the past if the meeting has been held"),
    ({"meeting_on": _date(date(2025, 3, 5)), "starts_at": "25:00"},
     "Enter the start time using the 24-hour clock, like 14:30"),
    ({"meeting_on": _date(date(2025, 3, 5)), "place_or_link": "ZZ99 3AA"},
     "Place or link must not include the child's name, NHS number, address or postcode: it "
     "goes into calendar invitations"),
    ({"meeting_on": _date(date(2025, 3, 5)), "chair": "x" * 201},
     "Chair must be 200 characters or fewer"),
])
def test_bad_meeting_details_are_refused(cdop_client, partnership, call, fields, message):
    case = _jar_case(call, cdop_client, partnership)

    page = call(cdop_client, "cdr.meeting", status=400, case_id=case.id, number=1,
                data={"version": _version(case), **fields})

    assert page.errors == [message]
    assert service.meeting_of(case, 1) is None


def test_a_meeting_number_other_than_one_to_three_is_not_found(cdop_client, partnership, call):
    case = _jar_case(call, cdop_client, partnership)
    call(cdop_client, "cdr.meeting", status=404, case_id=case.id, number=4)
    call(cdop_client, "cdr.meeting_ics", status=404, case_id=case.id, number=0)


def test_a_held_meeting_keeps_its_deadline_met_through_later_changes(cdop_client, partnership,
                                                                    call, today):
    case = _jar_case(call, cdop_client, partnership)
    today(date(2025, 3, 6))
    _meeting(call, cdop_client, case, 1, date(2025, 3, 6), held="y")

    # The mapping has no `met` for rapid response meetings: a sync leaves met_on alone.
    deadline_service.sync_case(case)
    db.session.commit()
    assert service.stored_deadline(case, 1).met_on == date(2025, 3, 6)
    _jar(call, cdop_client, case, [SUDDEN, "jar_external_causes"])
    assert service.stored_deadline(case, 1).met_on == date(2025, 3, 6)
    # Unticked, the deadlines go; ticked again, they come back met by the meeting held.
    _jar(call, cdop_client, case, [])
    assert service.stored_deadline(case, 1) is None
    _jar(call, cdop_client, case, [SUDDEN])

    page = call(cdop_client, "cdr.case", case_id=case.id)
    assert "Met on time" in _deadlines(page)["deadline-rr_meeting_1"]
    assert "Met" not in _deadlines(page)["deadline-rr_meeting_2"]


def test_a_meeting_no_longer_held_opens_its_deadline_again(cdop_client, partnership, call,
                                                          today):
    case = _jar_case(call, cdop_client, partnership)
    today(date(2025, 3, 6))
    _meeting(call, cdop_client, case, 1, date(2025, 3, 6), held="y")

    _meeting(call, cdop_client, case, 1, date(2025, 3, 6))

    assert service.stored_deadline(case, 1).met_on is None
    page = call(cdop_client, "cdr.case", case_id=case.id)
    assert "no longer recorded as held" in page.text("#timeline + ol")


def test_a_stale_save_is_refused_and_says_what_differs(cdop_client, doctor_client, partnership,
                                                      call):
    case = _jar_case(call, cdop_client, partnership)
    opened_at = _version(case)
    _meeting(call, doctor_client, case, 1, date(2025, 3, 5), chair="Dr B Example")

    page = call(cdop_client, "cdr.meeting", status=409, case_id=case.id, number=1,
                data={"meeting_on": _date(date(2025, 3, 6)), "chair": "Dr B Example",
                      "version": opened_at})

    # Who, what (the meeting is a row of its own: what differs from the form) and when.
    [error] = page.errors
    assert error.startswith(f"{doctor_client.user.full_name} changed this case (date of the "
                            "meeting) on ")
    assert "after you opened this page, so your changes have not been saved" in error
    assert service.meeting_of(case, 1).meeting_on == date(2025, 3, 5)


def test_only_users_who_may_edit_change_meetings(auditor_client, cdop_client, partnership,
                                                 call):
    case = _jar_case(call, cdop_client, partnership)
    call(auditor_client, "cdr.meeting", status=403, case_id=case.id, number=1)
    call(auditor_client, "cdr.joint_agency_response", status=403, case_id=case.id)
    page = call(auditor_client, "cdr.case", case_id=case.id)
    assert page.html.select(f"a[href='/child-deaths/{case.id}/meetings/1']") == []


def test_another_partnerships_case_answers_404(cdop_client, other_partnership, call):
    theirs = make_case(other_partnership, jar_required=True)
    for endpoint, values in (("cdr.joint_agency_response", {}), ("cdr.meeting", {"number": 1}),
                             ("cdr.meeting_ics", {"number": 1}),
                             ("cdr.designated_doctor", {})):
        call(cdop_client, endpoint, status=404, case_id=theirs.id, **values)


# --- The invitation -------------------------------------------------------------------------


def test_the_invitation_holds_the_meeting_and_nothing_that_identifies_the_child(
        cdop_client, partnership, call):
    case = _jar_case(call, cdop_client, partnership)
    _meeting(call, cdop_client, case, 1, date(2025, 3, 5), starts_at="14:30",
             place_or_link="Northtown Hospital, seminar room 2", chair="Dr A Example",
             notes="Notes the invitation must not carry", actions="Nor the actions")

    response = cdop_client.get(f"/child-deaths/{case.id}/meetings/1.ics")
    again = cdop_client.get(f"/child-deaths/{case.id}/meetings/1.ics")

    assert response.status_code == 200
    assert response.mimetype == "text/calendar"
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="{case.reference}-rapid-response-meeting-1.ics"')
    event = Calendar.from_ical(response.data).walk("VEVENT")[0]
    assert str(event["SUMMARY"]) == f"Rapid response meeting 1: {case.reference}"
    assert str(event["LOCATION"]) == "Northtown Hospital, seminar room 2"
    start = event.decoded("DTSTART")
    assert start == datetime(2025, 3, 5, 14, 30, tzinfo=LONDON)
    assert str(start.tzinfo) == "Europe/London"
    assert event.decoded("DTEND") - start == timedelta(hours=1)
    assert "DTSTAMP" in event
    assert event["UID"] == Calendar.from_ical(again.data).walk("VEVENT")[0]["UID"]

    text = response.get_data(as_text=True)
    unfolded = text.replace("\r\n ", "")
    identity = _identity(case)
    dob = identity.date_of_birth
    for secret in (identity.given_names, identity.family_name, identity.nhs_number,
                   "999 000", identity.postcode, "Imaginary Lane", dob.isoformat(),
                   dob.strftime("%Y%m%d"), "26 January 2024", "Notes the invitation",
                   "Nor the actions"):
        assert secret.lower() not in unfolded.lower(), secret


def _identity(case):
    return db.session.scalar(db.select(ChildIdentity).where(ChildIdentity.case_id == case.id))


def test_a_meeting_without_a_time_is_an_all_day_invitation(cdop_client, partnership, call):
    case = _jar_case(call, cdop_client, partnership)
    _meeting(call, cdop_client, case, 2, date(2025, 3, 9))

    response = cdop_client.get(f"/child-deaths/{case.id}/meetings/2.ics")

    event = Calendar.from_ical(response.data).walk("VEVENT")[0]
    assert event.decoded("DTSTART") == date(2025, 3, 9)
    assert str(event["SUMMARY"]) == f"Rapid response meeting 2: {case.reference}"


def test_no_invitation_for_a_meeting_not_scheduled(cdop_client, partnership, call):
    case = _jar_case(call, cdop_client, partnership)
    call(cdop_client, "cdr.meeting_ics", status=404, case_id=case.id, number=1)


@pytest.mark.parametrize("edition", ["WT2018", "WT2023"])
def test_the_meeting_rules_cite_local_practice_in_both_editions(edition):
    from tracker import deadlines

    for number in service.MEETING_NUMBERS:
        rule = deadlines.get_rule(service.rule_key(number), edition)
        assert rule.duty_label == "Local practice"
        assert rule.citation.startswith("Local practice, not a Working Together timescale: "
                                        "Hampshire County Council"), rule.key
        assert rule.citation.endswith("paragraph 5.15 ([004] L257)"), rule.key
