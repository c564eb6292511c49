"""The NCMD status of a case: each national form marked as sent (date, who, audited), in
order and refused when it cannot have gone yet; the CDOP's list of cases not yet sent."""

from datetime import date

import pytest
import sqlalchemy as sa

from cdr.models import ChildDeathCase
from tests.cdr.factories import make_case
from tests.factories import make_user
from tests.tracker.test_audit import count_queries
from tracker.audit import Action, AuditEvent
from tracker.extensions import db
from tracker.roles import Role
from tracker.timeline import TimelineEntry

TODAY = date(2025, 6, 2)


@pytest.fixture(autouse=True)
def _today(clock):
    clock.set(TODAY)


def _sent(day: date) -> dict:
    return {"sent_on": [str(day.day), str(day.month), str(day.year)]}


def _mark(call, client, case, step, day, status=302):
    return call(client, "cdr.mark_ncmd_sent", case_id=case.id, step=step, data=_sent(day),
                status=status)


def _reloaded(case) -> ChildDeathCase:
    db.session.expire_all()
    return db.session.get(ChildDeathCase, case.id)


def test_the_case_page_shows_each_form_not_yet_sent_with_a_task_and_no_date(
        cdop_client, partnership, call):
    case = make_case(partnership)
    page = call(cdop_client, "cdr.case", case_id=case.id)

    section = page.text("#ncmd-status")
    assert "Notification form Not yet sent Send the notification form to the NCMD" in section
    assert "Analysis form Not yet sent Send the analysis form to the NCMD" in section
    assert "No national timescale is set" in page.text()
    # Only the notification can be marked first: the forms go in order.
    links = [a["href"] for a in page.html.select("#ncmd-status a")]
    assert links == [f"/child-deaths/{case.id}/ncmd/notification"]


def test_marking_a_form_sent_records_the_date_and_who_audited_and_on_the_timeline(
        cdop_client, partnership, call):
    case = make_case(partnership, date_of_death=date(2025, 5, 1))
    _mark(call, cdop_client, case, "notification", date(2025, 5, 3))

    case = _reloaded(case)
    assert case.ncmd_notification_sent_on == date(2025, 5, 3)
    assert case.ncmd_notification_sent_by_id == cdop_client.user.id
    page = call(cdop_client, "cdr.case", case_id=case.id)
    assert (f"Sent on 3 May 2025, marked by {cdop_client.user.full_name}"
            in page.text("#ncmd-notification"))
    # Now the reporting forms can be marked.
    assert [a["href"] for a in page.html.select("#ncmd-status a")] == [
        f"/child-deaths/{case.id}/ncmd/reporting"]
    update = db.session.scalars(sa.select(AuditEvent).where(
        AuditEvent.action == Action.UPDATE.value, AuditEvent.object_type == "ChildDeathCase",
        AuditEvent.object_id == str(case.id)).order_by(AuditEvent.id)).all()[-1]
    assert update.user_id == cdop_client.user.id
    assert update.changes["ncmd_notification_sent_on"] == [None, "2025-05-03"]
    assert update.changes["ncmd_notification_sent_by_id"] == [None, cdop_client.user.id]
    entry = db.session.scalars(sa.select(TimelineEntry).where(
        TimelineEntry.owner_id == case.id, TimelineEntry.kind == "ncmd")).one()
    assert entry.text == "Notification form sent to the NCMD"
    assert entry.happened_on == date(2025, 5, 3)


def test_the_three_forms_go_in_order_and_the_analysis_after_the_outcome(
        cdop_client, partnership, call):
    case = make_case(partnership, date_of_death=date(2025, 1, 5))

    page = _mark(call, cdop_client, case, "reporting", date(2025, 2, 1), status=400)
    assert page.errors == ["Mark the notification form as sent first: the NCMD takes the "
                           "forms in order"]
    _mark(call, cdop_client, case, "notification", date(2025, 1, 10))
    page = _mark(call, cdop_client, case, "analysis", date(2025, 2, 1), status=400)
    assert "Mark the reporting forms and supplementary reporting forms as sent first" in (
        page.errors[0])
    _mark(call, cdop_client, case, "reporting", date(2025, 3, 1))
    page = _mark(call, cdop_client, case, "analysis", date(2025, 4, 1), status=400)
    assert page.errors == ["The analysis form is sent once the CDOP has reviewed the death: "
                           "record the panel outcome first"]
    assert _reloaded(case).ncmd_analysis_sent_on is None

    case.review_completed_on = case.closed_on = date(2025, 3, 20)
    db.session.commit()
    _mark(call, cdop_client, case, "analysis", date(2025, 4, 1))
    assert _reloaded(case).ncmd_analysis_sent_on == date(2025, 4, 1)


@pytest.mark.parametrize(("day", "message"), [
    (date(2025, 6, 3), "The date sent must be today or in the past"),
    (date(2025, 4, 30), "The date sent must be on or after 1 May 2025, the date of death"),
])
def test_a_date_in_the_future_or_before_the_death_is_refused(cdop_client, partnership, call,
                                                             day, message):
    case = make_case(partnership, date_of_death=date(2025, 5, 1))
    page = _mark(call, cdop_client, case, "notification", day, status=400)
    assert page.errors == [message]
    assert _reloaded(case).ncmd_notification_sent_on is None


def test_a_form_dated_before_the_one_it_follows_is_refused(cdop_client, partnership, call):
    case = make_case(partnership, date_of_death=date(2025, 5, 1))
    _mark(call, cdop_client, case, "notification", date(2025, 5, 10))
    page = _mark(call, cdop_client, case, "reporting", date(2025, 5, 9), status=400)
    assert page.errors == ["The date sent must be on or after 10 May 2025, when the "
                           "notification form was sent"]


def test_a_form_already_sent_or_a_missing_date_is_refused(cdop_client, partnership, call):
    case = make_case(partnership, date_of_death=date(2025, 5, 1))
    page = call(cdop_client, "cdr.mark_ncmd_sent", case_id=case.id, step="notification",
                data={"sent_on": ["", "", ""]}, status=400)
    assert page.errors == ["Enter the date it was sent to the NCMD"]
    _mark(call, cdop_client, case, "notification", date(2025, 5, 10))
    page = _mark(call, cdop_client, case, "notification", date(2025, 5, 12), status=400)
    assert page.errors == ["The notification form has already been marked as sent"]
    assert _reloaded(case).ncmd_notification_sent_on == date(2025, 5, 10)


def test_an_unknown_form_or_another_partnerships_case_is_not_found(
        cdop_client, partnership, other_partnership, call):
    case = make_case(partnership)
    call(cdop_client, "cdr.mark_ncmd_sent", case_id=case.id, step="form_b", status=404)
    theirs = make_case(other_partnership)
    call(cdop_client, "cdr.mark_ncmd_sent", case_id=theirs.id, step="notification",
         status=404)


@pytest.mark.parametrize("role", [Role.DESIGNATED_DOCTOR, Role.AUDITOR, Role.PANEL_MEMBER])
def test_only_the_cdop_administrator_marks_forms_sent(app, partnership, call, role):
    from tests.conftest import sign_in

    case = make_case(partnership)
    user = make_user(role, [partnership])
    client = app.test_client()
    sign_in(client, user.email)
    call(client, "cdr.mark_ncmd_sent", case_id=case.id, step="notification", status=403)
    response = client.post(f"/child-deaths/{case.id}/ncmd/notification",
                           data=_sent(date(2025, 5, 1)))
    assert response.status_code in (400, 403)
    assert _reloaded(case).ncmd_notification_sent_on is None
    if role != Role.PANEL_MEMBER:
        page = call(client, "cdr.case", case_id=case.id)
        assert "Not yet sent" in page.text("#ncmd-status")
        assert page.html.select("#ncmd-status a") == []


# --- Not yet sent ---------------------------------------------------------------------------

def test_the_list_shows_cases_not_yet_sent_oldest_notified_first(
        cdop_client, partnership, other_partnership, call):
    newer = make_case(partnership, notification_received_on=date(2025, 4, 2))
    older = make_case(partnership, date_of_death=date(2025, 1, 1),
                      notification_received_on=date(2025, 1, 2),
                      ncmd_notification_sent_on=date(2025, 1, 3))
    waiting = make_case(partnership, date_of_death=date(2025, 2, 1),
                        notification_received_on=date(2025, 2, 2),
                        ncmd_notification_sent_on=date(2025, 2, 3),
                        ncmd_reporting_sent_on=date(2025, 3, 3))
    make_case(partnership, notification_received_on=date(2024, 12, 1),
              ncmd_notification_sent_on=date(2024, 12, 2),
              ncmd_reporting_sent_on=date(2025, 1, 2), review_completed_on=date(2025, 2, 1),
              ncmd_analysis_sent_on=date(2025, 2, 2))
    make_case(other_partnership, notification_received_on=date(2024, 1, 1))

    page = call(cdop_client, "cdr.ncmd_not_sent")

    rows = [[cell.get_text(" ", strip=True) for cell in row.select("td")]
            for row in page.html.select("#ncmd-not-sent tbody tr")]
    assert rows == [
        [older.reference, "2 January 2025", "Notified",
         "Reporting forms and supplementary reporting forms"],
        [waiting.reference, "2 February 2025", "Notified",
         "Analysis form (after the CDOP's review)"],
        [newer.reference, "2 April 2025", "Notified", "Notification form"],
    ]
    assert page.text("#ncmd-count") == "3 cases have a form not yet sent."


def test_the_list_costs_the_same_queries_for_few_cases_or_many(cdop_client, partnership,
                                                               call, app):
    app.config["PAGE_SIZE"] = 5
    make_case(partnership)
    with count_queries() as few:
        call(cdop_client, "cdr.ncmd_not_sent")
    for _ in range(12):
        make_case(partnership)
    with count_queries() as many:
        page = call(cdop_client, "cdr.ncmd_not_sent", page=2)
    assert len(page.html.select("#ncmd-not-sent tbody tr")) == 5
    assert page.html.select(".govuk-pagination")
    assert len(many) == len(few)


def test_the_case_list_links_to_the_list(cdop_client, call):
    page = call(cdop_client, "cdr.cases")
    assert "/child-deaths/ncmd" in [a["href"] for a in page.html.select("a")]


def test_a_panel_member_cannot_see_the_list(panel_client, call):
    call(panel_client, "cdr.ncmd_not_sent", status=403)


# --- Sent before the tracker ----------------------------------------------------------------

def _before(day: date, **extra) -> dict:
    return {"notified_before": [str(day.day), str(day.month), str(day.year)], **extra}


def test_cases_notified_before_a_date_can_be_marked_sent_before_the_tracker(
        cdop_client, partnership, other_partnership, call):
    # Issue 24 review: after migration 0029 every old case was on the list, years of closed
    # ones too. The CDOP administrator marks those the previous system sent, in one go.
    old_closed = make_case(partnership, notification_received_on=date(2023, 5, 1),
                           closed_on=date(2023, 11, 1), review_completed_on=date(2023, 11, 1))
    old_open = make_case(partnership, notification_received_on=date(2024, 3, 31))
    new = make_case(partnership, notification_received_on=date(2024, 4, 1))
    elsewhere = make_case(other_partnership, notification_received_on=date(2023, 1, 1))
    link = call(cdop_client, "cdr.ncmd_not_sent").html.select_one(
        "a[href='/child-deaths/ncmd/sent-before-the-tracker']")
    assert link.get_text() == "Mark the cases sent to the NCMD before the tracker"

    asked = call(cdop_client, "cdr.ncmd_before_tracker", data=_before(date(2024, 4, 1)),
                 form_page=("cdr.ncmd_before_tracker", {}))
    assert asked.text("#before-tracker-count") == (
        f"2 cases notified before 1 April 2024 are on the list of cases not yet sent, from "
        f"{old_closed.reference} to {old_open.reference}.")
    assert _reloaded(old_closed).ncmd_before_tracker_on is None  # not yet: asked first
    # A case notified before the date arrives (an import) between the count and the
    # confirmation: nothing is marked, and the page counts again.
    late = make_case(partnership, notification_received_on=date(2024, 2, 1))
    again = call(cdop_client, "cdr.ncmd_before_tracker",
                 data=_before(date(2024, 4, 1), confirmed="yes", previewed="2"),
                 form_page=("cdr.ncmd_before_tracker", {}))
    assert again.text("#before-tracker-count").startswith("3 cases notified before")
    assert _reloaded(old_closed).ncmd_before_tracker_on is None
    _reloaded(late).ncmd_before_tracker_on = date(2024, 2, 2)  # off the list again
    db.session.commit()
    call(cdop_client, "cdr.ncmd_before_tracker", status=302,
         data=_before(date(2024, 4, 1), confirmed="yes", previewed="2"),
         form_page=("cdr.ncmd_before_tracker", {}))

    page = call(cdop_client, "cdr.ncmd_not_sent")
    listed = [a.get_text() for a in page.html.select("#ncmd-not-sent tbody a")]
    assert listed == [new.reference]
    case_page = call(cdop_client, "cdr.case", case_id=old_open.id)
    assert ("Notification form Sent before the tracker (no date recorded; marked on 2 June "
            "2025)") in case_page.text("#ncmd-status")
    marked = _reloaded(old_open)
    # Not a sent date: the forms' dates stay empty.
    assert (marked.ncmd_before_tracker_on, marked.ncmd_notification_sent_on,
            marked.ncmd_analysis_sent_on) == (TODAY, None, None)
    assert _reloaded(elsewhere).ncmd_before_tracker_on is None
    (row,) = db.session.scalars(sa.select(AuditEvent).where(
        AuditEvent.detail.like("%before the tracker%"))).all()
    assert row.detail == ("Marked 2 cases notified before 1 April 2024 as sent to the NCMD "
                          "before the tracker")
    assert (row.user_id, row.partnership_id) == (cdop_client.user.id, partnership.id)
    assert row.changes["count"] == 2
    assert row.changes["references"] == [old_closed.reference, old_open.reference]


def test_marking_before_the_tracker_needs_a_date_and_the_cdop_administrator(
        app, cdop_client, partnership, call):
    from tests.conftest import sign_in

    case = make_case(partnership, notification_received_on=date(2024, 1, 1))
    page = call(cdop_client, "cdr.ncmd_before_tracker", status=400,
                data={"notified_before": ["", "", ""], "confirmed": "yes"},
                form_page=("cdr.ncmd_before_tracker", {}))
    assert page.errors == ["Enter the date: cases notified before it were sent to the NCMD "
                           "before the tracker"]
    doctor = make_user(Role.DESIGNATED_DOCTOR, [partnership])
    client = app.test_client()
    sign_in(client, doctor.email)
    call(client, "cdr.ncmd_before_tracker", status=403)
    assert client.post("/child-deaths/ncmd/sent-before-the-tracker",
                       data=_before(date(2025, 1, 1), confirmed="yes")).status_code in (400, 403)
    assert _reloaded(case).ncmd_before_tracker_on is None
