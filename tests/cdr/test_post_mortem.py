"""No post-mortem: the third rapid response meeting is not needed and the case moves on."""

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from cdr.models import ChildDeathCase
from cdr.services import meetings as service
from tests.cdr.factories import make_case
from tracker import deadline_bulk
from tracker.audit import AuditEvent
from tracker.deadline_models import Deadline
from tracker.extensions import db
from tracker.timeline import TimelineEntry

DIED = date(2025, 3, 3)
SUDDEN = "jar_sudden_unexplained"
NOT_NEEDED = "Not needed: no post-mortem will be held, or the coroner has not taken the case"


@pytest.fixture(autouse=True)
def today(clock, days_pass):
    """The pages' today: a week after the death, the first two meetings' windows behind."""
    clock.set(DIED + timedelta(days=7))
    return clock.set


def _date(day):
    return [str(day.day), str(day.month), str(day.year)]


def _version(case):
    db.session.refresh(case)
    return case.version


def _record(call, client, case, choice="not_held", on=date(2025, 3, 6),
            by="Coroner's officer, Northshire", status=302):
    data = {"choice": choice, "decided_on": _date(on) if on else ["", "", ""],
            "decided_by": by or "", "version": _version(case)}
    return call(client, "cdr.post_mortem_decision", status=status, data=data, case_id=case.id)


def _jar_case(call, client, partnership, meetings_held=2):
    case = make_case(partnership, date_of_death=DIED)
    call(client, "cdr.joint_agency_response", data={"criteria": [SUDDEN],
                                                    "version": _version(case)},
         status=302, case_id=case.id)
    for number, day in ((1, date(2025, 3, 5)), (2, date(2025, 3, 9)))[:meetings_held]:
        call(client, "cdr.meeting", status=302, case_id=case.id, number=number,
             data={"meeting_on": _date(day), "held": "y", "version": _version(case)})
    return case


def _third_deadline(case):
    return db.session.scalar(sa.select(Deadline).where(
        Deadline.owner_type == "cdr_case", Deadline.owner_id == case.id,
        Deadline.rule_key == "rr_meeting_3"))


def _stage(case):
    db.session.expire_all()
    return db.session.get(ChildDeathCase, case.id).stage


def test_without_a_post_mortem_a_case_never_left_the_jar_stage_and_now_does(
        cdop_client, partnership, call):
    case = _jar_case(call, cdop_client, partnership)
    assert _stage(case) == "rapid_response"  # two meetings held, the third waits for results

    _record(call, cdop_client, case)

    assert _stage(case) == "information"
    page = call(cdop_client, "cdr.case", case_id=case.id)
    tasks = {item.select_one(".govuk-task-list__name-and-hint").get_text(strip=True):
             item.select_one(".govuk-tag").get_text(strip=True)
             for item in page.html.select("#stages + .govuk-task-list li")}
    assert tasks["Joint Agency Response"] == "Completed"
    assert tasks["Gathering information"] == "In progress"
    assert "No post-mortem will be held (decided on 6 March 2025 by Coroner's officer, " \
           "Northshire)" in page.text("#post-mortem-summary")
    assert "Not needed" in page.text("#meeting-3")
    assert "Schedule" not in page.text("#meeting-3")


def test_the_third_meetings_deadline_is_set_aside_as_not_needed(cdop_client, partnership,
                                                                 call):
    case = _jar_case(call, cdop_client, partnership)
    assert _third_deadline(case) is None

    _record(call, cdop_client, case, choice="coroner_declined", on=date(2025, 3, 6))

    stored = _third_deadline(case)
    assert stored.not_applicable_reason == NOT_NEEDED
    assert stored.trigger_date == date(2025, 3, 6)
    rows = call(cdop_client, "cdr.case", case_id=case.id).html.select_one(
        "#deadline-rr_meeting_3")
    assert "Not applicable" in rows.get_text(" ", strip=True)
    page = call(cdop_client, "cdr.meeting", case_id=case.id, number=3)
    assert ("The third rapid response meeting is not needed: the coroner has not taken the "
            "case (recorded on 6 March 2025).") in page.text("main")


def test_the_bulk_rebuild_sets_the_same_deadline_aside(cdop_client, partnership, call):
    case = _jar_case(call, cdop_client, partnership)
    _record(call, cdop_client, case)
    db.session.delete(_third_deadline(case))
    db.session.commit()

    assert deadline_bulk.rebuild_all().inserted == 1
    assert _third_deadline(case).not_applicable_reason == NOT_NEEDED
    assert deadline_bulk.rebuild_all() == deadline_bulk.Rebuilt()  # nothing left to change


def test_removing_the_record_brings_the_third_meeting_back(cdop_client, partnership, call):
    case = _jar_case(call, cdop_client, partnership)
    _record(call, cdop_client, case)

    _record(call, cdop_client, case, choice="", on=None, by=None)

    db.session.expire_all()
    assert _third_deadline(case) is None
    assert _stage(case) == "rapid_response"
    stored = db.session.get(ChildDeathCase, case.id)
    assert (stored.no_post_mortem, stored.no_post_mortem_on,
            stored.no_post_mortem_decided_by) == (None, None, None)
    assert "Record that no post-mortem will be held removed" in call(
        cdop_client, "cdr.case", case_id=case.id).text("#timeline + ol")


def test_recording_it_is_audited_and_on_the_timeline(cdop_client, partnership, call):
    case = _jar_case(call, cdop_client, partnership)

    _record(call, cdop_client, case)

    changes = [event.changes for event in db.session.scalars(sa.select(AuditEvent).where(
        AuditEvent.object_type == "ChildDeathCase", AuditEvent.object_id == str(case.id),
        AuditEvent.action == "update"))]
    assert {"no_post_mortem": [None, "not_held"]}.items() <= next(
        c for c in changes if "no_post_mortem" in c).items()
    timeline = call(cdop_client, "cdr.case", case_id=case.id).text("#timeline + ol")
    assert ("No post-mortem will be held: the third rapid response meeting is not needed"
            in timeline)
    assert "Coroner's officer" not in timeline


def test_the_timeline_never_holds_the_name_of_who_decided(cdop_client, partnership, call):
    """Who decided is free text and may be a person's name: it stays in the case's own field
    (shown to a CDOP administrator), never in the timeline everyone who opens the case reads."""
    case = _jar_case(call, cdop_client, partnership)

    _record(call, cdop_client, case, by="Dr Ann Example, coroner's officer")

    page = call(cdop_client, "cdr.case", case_id=case.id)
    assert "Ann Example" not in page.text("#timeline + ol")
    assert "No post-mortem will be held: the third rapid response meeting is not needed" \
        in page.text("#timeline + ol")
    assert db.session.get(ChildDeathCase, case.id).no_post_mortem_decided_by == \
        "Dr Ann Example, coroner's officer"
    stored = db.session.scalars(sa.select(TimelineEntry.text).where(
        TimelineEntry.owner_id == case.id, TimelineEntry.kind == "post_mortem")).all()
    assert stored and not any("Ann Example" in text for text in stored)


@pytest.mark.parametrize(("fields", "message"), [
    ({"on": None}, "Enter the date it was decided"),
    ({"on": date(2025, 3, 11)}, "The date it was decided must be today or in the past"),
    ({"on": date(2025, 3, 2)},
     "The date it was decided must be on or after the date of death (3 March 2025)"),
    ({"by": None}, "Enter who decided"),
    ({"choice": "maybe"}, "Select an answer to: will a post-mortem be held?"),
    ({"by": "x" * 201}, "Who decided must be 200 characters or fewer"),
])
def test_an_incomplete_record_is_refused_and_nothing_saved(cdop_client, partnership, call,
                                                           fields, message):
    case = _jar_case(call, cdop_client, partnership)

    page = _record(call, cdop_client, case, status=400, **fields)

    assert page.errors == [message]
    db.session.expire_all()
    assert db.session.get(ChildDeathCase, case.id).no_post_mortem is None
    assert _third_deadline(case) is None


def test_it_is_refused_once_results_are_in_and_results_are_refused_after_it(
        cdop_client, partnership, call):
    with_results = _jar_case(call, cdop_client, partnership)
    call(cdop_client, "cdr.joint_agency_response", status=302, case_id=with_results.id,
         data={"criteria": [SUDDEN], "post_mortem_results_on": _date(date(2025, 3, 7)),
               "version": _version(with_results)})

    page = _record(call, cdop_client, with_results, status=400)
    assert page.errors == [
        "All post-mortem results are recorded as received (on 7 March 2025), so the case "
        "cannot say that no post-mortem will be held. Remove that date first."]

    without = _jar_case(call, cdop_client, partnership)
    _record(call, cdop_client, without)
    page = call(cdop_client, "cdr.joint_agency_response", status=400, case_id=without.id,
                data={"criteria": [SUDDEN], "post_mortem_results_on": _date(date(2025, 3, 7)),
                      "version": _version(without)})
    assert page.errors == ["The case records that no post-mortem will be held. Change that "
                           "first if post-mortem results have been received"]


def test_it_is_refused_when_the_third_meeting_is_recorded(cdop_client, partnership, call):
    case = _jar_case(call, cdop_client, partnership)
    call(cdop_client, "cdr.joint_agency_response", status=302, case_id=case.id,
         data={"criteria": [SUDDEN], "post_mortem_results_on": _date(date(2025, 3, 7)),
               "version": _version(case)})
    call(cdop_client, "cdr.meeting", status=302, case_id=case.id, number=3,
         data={"meeting_on": _date(date(2025, 3, 10)), "version": _version(case)})
    db.session.expire_all()
    case = db.session.get(ChildDeathCase, case.id)

    with pytest.raises(service.Refused, match="The third rapid response meeting is recorded"):
        from cdr.services.post_mortem import record_no_post_mortem

        case.post_mortem_results_on = None  # as if the results date were wrongly removed
        record_no_post_mortem(case, "not_held", date(2025, 3, 6), "Coroner", date(2025, 3, 10))
    db.session.rollback()


def test_the_designated_doctors_list_counts_two_meetings_when_no_post_mortem(
        cdop_client, partnership, call):
    from cdr.services import my_cases

    case = _jar_case(call, cdop_client, partnership)
    _record(call, cdop_client, case)
    db.session.expire_all()

    [row] = my_cases.my_case_rows([db.session.get(ChildDeathCase, case.id)], DIED, {})
    assert (row.meetings_held, row.meetings_needed) == (2, 2)


def test_only_users_who_may_edit_record_it(auditor_client, panel_client, cdop_client,
                                           partnership, call):
    case = _jar_case(call, cdop_client, partnership, meetings_held=0)
    for client in (auditor_client, panel_client):
        call(client, "cdr.post_mortem_decision", status=403, case_id=case.id)
        response = client.post(f"/child-deaths/{case.id}/post-mortem",
                               data={"choice": "not_held"})
        assert response.status_code in (400, 403)  # no CSRF token: refused either way
    db.session.expire_all()
    assert db.session.get(ChildDeathCase, case.id).no_post_mortem is None


def test_another_partnerships_case_answers_404(cdop_client, other_partnership, call):
    theirs = make_case(other_partnership, jar_required=True)
    call(cdop_client, "cdr.post_mortem_decision", status=404, case_id=theirs.id)


def _notify(call, client, post_mortem_required):
    from tests.cdr.test_notifications import answers, day
    call(client, "cdr.notify", status=302, data=answers(
        date_of_birth=day(date(2024, 6, 1)), date_of_death=day(DIED),
        received_on=day(date(2025, 3, 4)), death_expected="no", jar_criteria=[SUDDEN],
        post_mortem_required=post_mortem_required))
    return db.session.scalars(sa.select(ChildDeathCase)).one()


def test_no_post_mortem_required_on_the_notify_form_records_the_decision(
        cdop_client, call):
    """'Post-mortem required: No' is the decision the post-mortem page records, dated the
    notification's date: the third meeting is not needed and the case moves on after two."""
    case = _notify(call, cdop_client, "no")

    stored = db.session.get(ChildDeathCase, case.id)
    assert (stored.no_post_mortem, stored.no_post_mortem_on) == ("not_held", date(2025, 3, 4))
    assert stored.no_post_mortem_decided_by == \
        "The notifier (Paediatric registrar, Northshire Hospitals), on the notification form"
    assert _third_deadline(case).not_applicable_reason == NOT_NEEDED
    for number, day in ((1, date(2025, 3, 5)), (2, date(2025, 3, 9))):
        call(cdop_client, "cdr.meeting", status=302, case_id=case.id, number=number,
             data={"meeting_on": _date(day), "held": "y", "version": _version(case)})
    assert _stage(case) == "information"
    page = call(cdop_client, "cdr.case", case_id=case.id)
    assert "No post-mortem will be held: the third rapid response meeting is not needed" \
        in page.text("#timeline + ol")
    assert "Not needed" in page.text("#meeting-3")


@pytest.mark.parametrize("answer", ["yes", "not_known", None])
def test_any_other_answer_leaves_the_post_mortem_meeting_due(cdop_client, call, answer):
    case = _notify(call, cdop_client, answer)

    assert db.session.get(ChildDeathCase, case.id).no_post_mortem is None
    for number, day in ((1, date(2025, 3, 5)), (2, date(2025, 3, 9))):
        call(cdop_client, "cdr.meeting", status=302, case_id=case.id, number=number,
             data={"meeting_on": _date(day), "held": "y", "version": _version(case)})
    assert _stage(case) == "rapid_response"
