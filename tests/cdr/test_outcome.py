"""The panel's outcome for a case: recording it closes the case; actions; reopening."""

from datetime import date

import pytest
import sqlalchemy as sa

from cdr.models import CaseAction, ChildDeathCase
from cdr.services import timeline
from tests.cdr.factories import heard_at, make_case
from tracker.audit import AuditEvent
from tracker.extensions import db

TODAY = date(2026, 3, 16)

OUTCOME = {
    "category": "infection",
    "factors_child": "Born prematurely.",
    "factors_social": "Parents struggled to reach the clinic.",
    "factors_physical": "",
    "factors_service": "Referral letter delayed.",
    "modifiable_factors": "yes",
    "learning_points": "Faster referral route.",
    "review_completed_on": ["12", "3", "2026"],
}


@pytest.fixture(autouse=True)
def frozen_today(clock):
    """Every page counts from the same Monday, whatever the wall clock says."""
    clock.set(TODAY)


def ready_case(partnership, heard_on=date(2026, 3, 12), **fields):
    """A case ready for its outcome, on the agenda of a CDOP meeting held on `heard_on` (the
    outcome is recorded only at a CDOP meeting that has taken place)."""
    case = make_case(partnership, information_complete=True,
                     review_meeting_on=date(2026, 1, 20), **fields)
    if heard_on is not None:
        heard_at(case, heard_on)
    return case


def outcome_form_data(call, client, case, **changes):
    """The outcome form as the user fills it, with the version it was opened at."""
    page = call(client, "cdr.case_outcome", case_id=case.id)
    version = page.html.select_one("input[name=version]")["value"]
    meeting = page.html.select_one("input[name=outcome_meeting][checked]")["value"]
    return {**OUTCOME, "version": version, "outcome_meeting": meeting, **changes}


def record_outcome(call, client, case, status=302, **changes):
    return call(client, "cdr.case_outcome", case_id=case.id, status=status,
                data=outcome_form_data(call, client, case, **changes))


def test_recording_the_outcome_closes_the_case(cdop_client, partnership, call):
    case = ready_case(partnership)

    record_outcome(call, cdop_client, case)

    db.session.refresh(case)
    assert (case.closed_on, case.review_completed_on, case.stage) == (
        date(2026, 3, 12), date(2026, 3, 12), "closed")
    assert (case.category, case.modifiable_factors, case.factors_physical) == (
        "infection", "yes", None)
    page = call(cdop_client, "cdr.case", case_id=case.id)
    section = page.text("main")
    assert "The review was completed and the case closed on 12 March 2026" in section
    assert "Infection" in section and "Referral letter delayed." in section
    assert "Reopen the case" in section
    closed_task = page.html.select(".govuk-task-list__item")[-1].get_text(" ", strip=True)
    assert closed_task == "Closed Completed"
    # Said with the CDOP meeting it was completed at (the issue 24 change).
    completed = timeline.entries(case)[0].text
    assert completed.startswith("CDOP panel review completed at the CDOP ")
    assert completed.endswith(" meeting of 12 March 2026 (Infection; modifiable factors: yes). "
                              "Case closed.")
    assert timeline.entries(case)[0].happened_on == date(2026, 3, 12)


@pytest.mark.parametrize(("changes", "messages"), [
    ({"category": "", "modifiable_factors": "", "review_completed_on": ["", "", ""]},
     ["Select the category of death", "Select whether modifiable factors were identified",
      "Enter the date the review was completed"]),
    ({"category": "old_age"}, ["Select a category of death from the list"]),
    ({"review_completed_on": ["17", "3", "2026"]},
     ["Date the review was completed must be today or in the past"]),
    ({"review_completed_on": ["28", "2", "2025"]},
     ["Date the review was completed must be on or after the date of death (1 March 2025)"]),
    ({"review_completed_on": ["12", "13", "2026"]},
     ["Date the review was completed must be a real date"]),
    ({"learning_points": "x" * 5001}, ["Learning points must be 5000 characters or fewer"]),
])
def test_a_wrong_outcome_is_refused_and_the_case_stays_open(cdop_client, partnership, call,
                                                           changes, messages):
    case = ready_case(partnership)

    page = record_outcome(call, cdop_client, case, status=400, **changes)

    assert page.errors == messages
    db.session.refresh(case)
    assert case.closed_on is None and case.category is None


def test_the_review_can_be_completed_today(cdop_client, partnership, call):
    case = ready_case(partnership)
    record_outcome(call, cdop_client, case, review_completed_on=["16", "3", "2026"])
    db.session.refresh(case)
    assert case.closed_on == TODAY


def test_a_case_that_is_not_ready_has_no_outcome_form(cdop_client, partnership, call):
    case = make_case(partnership, review_meeting_on=date(2026, 1, 20))  # information incomplete

    page = call(cdop_client, "cdr.case_outcome", case_id=case.id)
    assert "not ready for the panel outcome" in page.text(".govuk-warning-text")
    assert page.html.select_one("input[name=category]") is None
    call(cdop_client, "cdr.case_outcome", case_id=case.id, data=OUTCOME)
    db.session.refresh(case)
    assert case.closed_on is None
    assert "Record the panel outcome" not in call(cdop_client, "cdr.case",
                                                  case_id=case.id).text("main")


def test_a_stale_outcome_is_refused_and_says_what_changed(cdop_client, doctor_client,
                                                          partnership, call):
    case = ready_case(partnership)
    stale = outcome_form_data(call, cdop_client, case)
    # The designated doctor records the outcome first, with another category.
    record_outcome(call, doctor_client, case, category="chronic")
    reopen = call(doctor_client, "cdr.reopen_case", case_id=case.id)
    version = reopen.html.select_one("input[name=version]")["value"]
    call(doctor_client, "cdr.reopen_case", case_id=case.id, status=302,
         data={"reason": "Wrong category", "version": version})

    page = call(cdop_client, "cdr.case_outcome", case_id=case.id, status=409, data=stale)

    assert len(page.errors) == 1
    assert page.errors[0].startswith(f"{doctor_client.user.full_name} changed this case (")
    assert "after you opened this page" in page.errors[0]
    assert "Category of death" in page.errors[0] and "Closed on" in page.errors[0]
    db.session.refresh(case)
    assert case.category == "chronic" and case.closed_on is None


def test_actions_are_added_with_an_owner_and_due_date_and_overdue_ones_say_so(
        cdop_client, partnership, call):
    case = ready_case(partnership)
    for description, owner, due in (("Audit referral letters", "Northshire ICB", "1 3 2026"),
                                    ("Write to the GP practice", "Designated doctor",
                                     "30 4 2026")):
        call(cdop_client, "cdr.new_case_action", case_id=case.id, status=302,
             data={"description": description, "owner": owner, "due_on": due.split()})

    page = call(cdop_client, "cdr.case", case_id=case.id)
    rows = [r.get_text(" ", strip=True) for r in page.html.select("#actions-table tbody tr")]
    assert rows == [
        "Audit referral letters Northshire ICB 1 March 2026 Not yet Overdue",
        "Write to the GP practice Designated doctor 30 April 2026 Not yet Not yet due",
    ]
    overdue = db.session.scalar(sa.select(CaseAction).where(CaseAction.owner == "Northshire ICB"))
    # Completed on its date, with its evidence (issue 24, as a practice review's action).
    call(cdop_client, "cdr.complete_case_action", case_id=case.id, action_id=overdue.id,
         status=302, data={"completed_on": ["13", "3", "2026"],
                           "evidence": "Referral letters audited; report to the CDOP."})
    row = call(cdop_client, "cdr.case", case_id=case.id).text("#actions-table tbody tr")
    assert row == ("Audit referral letters Northshire ICB 1 March 2026 13 March 2026 Evidence: "
                   "Referral letters audited; report to the CDOP. Completed")
    # On the timeline on the day it was completed, below what was recorded since.
    assert [(e.text, e.event_on) for e in timeline.entries(case)][:3] == [
        ("Action agreed for Designated doctor, due 30 April 2026: Write to the GP practice",
         date(2026, 3, 16)),
        ("Action agreed for Northshire ICB, due 1 March 2026: Audit referral letters",
         date(2026, 3, 16)),
        ("Action completed: Audit referral letters", date(2026, 3, 13))]


def test_an_action_needs_what_who_and_when(cdop_client, partnership, call):
    case = ready_case(partnership)

    page = call(cdop_client, "cdr.new_case_action", case_id=case.id, status=400,
                data={"description": "", "owner": " ", "due_on": ["", "", ""]})

    assert page.errors == ["Enter what the action is", "Enter who owns the action",
                           "Enter the date the action is due"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CaseAction)) == 0


def test_reopening_needs_a_reason_and_is_audited(cdop_client, partnership, call):
    case = ready_case(partnership)
    record_outcome(call, cdop_client, case)
    form = call(cdop_client, "cdr.reopen_case", case_id=case.id)
    version = form.html.select_one("input[name=version]")["value"]

    refused = call(cdop_client, "cdr.reopen_case", case_id=case.id, status=400,
                   data={"reason": "  ", "version": version})
    assert refused.errors == ["Enter why the case is being reopened"]
    call(cdop_client, "cdr.reopen_case", case_id=case.id, status=302,
         data={"reason": "Inquest found a new cause", "version": version})

    db.session.refresh(case)
    assert case.closed_on is None and case.review_completed_on is None
    assert case.stage == "panel" and case.category == "infection"
    details = db.session.scalars(sa.select(AuditEvent.detail).where(
        AuditEvent.object_type == "ChildDeathCase", AuditEvent.detail.like("Reopened%"))).all()
    assert details == ["Reopened (closed on 12 March 2026). Reason: Inquest found a new cause"]
    assert timeline.entries(case)[0].text == "Case reopened. Reason: Inquest found a new cause"
    page = call(cdop_client, "cdr.case", case_id=case.id)
    assert "Record the panel outcome" in page.text("main")
    # Recorded again, it closes again.
    record_outcome(call, cdop_client, case, category="chronic")
    assert db.session.get(ChildDeathCase, case.id).closed_on == date(2026, 3, 12)


def test_an_open_case_has_nothing_to_reopen(cdop_client, partnership, call):
    case = ready_case(partnership)
    call(cdop_client, "cdr.reopen_case", case_id=case.id, status=302)


def test_only_editors_record_outcomes_actions_and_reopen(panel_client, auditor_client,
                                                         partnership, call):
    case = ready_case(partnership, closed_on=date(2026, 3, 1))
    action = CaseAction(case_id=case.id, partnership_id=partnership.id, description="Do it",
                        owner="Someone", due_on=date(2026, 4, 1))
    db.session.add(action)
    db.session.commit()
    for client in (panel_client, auditor_client):
        call(client, "cdr.case_outcome", case_id=case.id, status=403)
        call(client, "cdr.new_case_action", case_id=case.id, status=403)
        call(client, "cdr.reopen_case", case_id=case.id, status=403)
        call(client, "cdr.complete_case_action", case_id=case.id, action_id=action.id,
             status=403, data={}, form_page="main.home")
    page = call(auditor_client, "cdr.case", case_id=case.id)
    assert "Do it" in page.text("#actions-table")
    assert "Reopen the case" not in page.text("main")
    assert "Add or complete actions" not in page.text("main")


def test_another_partnerships_case_answers_404(cdop_client, other_partnership, call):
    case = ready_case(other_partnership)
    call(cdop_client, "cdr.case_outcome", case_id=case.id, status=404)
    call(cdop_client, "cdr.new_case_action", case_id=case.id, status=404)
    call(cdop_client, "cdr.reopen_case", case_id=case.id, status=404)


def test_an_outcome_is_not_recorded_at_a_cdop_meeting_before_the_review_meeting(
        cdop_client, partnership, call):
    # A case put on an earlier CDOP meeting's agenda (before this was refused) and on a later
    # one: the outcome is refused at the earlier, saved at the later.
    case = ready_case(partnership, heard_on=date(2026, 1, 12))
    later = heard_at(case, date(2026, 3, 12))
    earlier_id = next(m.id for m in heard_meetings(case) if m.id != later.id)

    page = record_outcome(call, cdop_client, case, status=400,
                          outcome_meeting=str(earlier_id))
    assert page.errors == [
        "The CDOP meeting of 12 January 2026 is before the case's child death review meeting "
        "(20 January 2026): the CDOP meeting reviews a case after its child death review "
        "meeting. Choose a CDOP meeting on or after 20 January 2026"]
    saved = db.session.get(ChildDeathCase, case.id)
    assert (saved.closed_on, saved.outcome_meeting_id) == (None, None)

    record_outcome(call, cdop_client, case, outcome_meeting=str(later.id))
    assert db.session.get(ChildDeathCase, case.id).outcome_meeting_id == later.id


def heard_meetings(case):
    from cdr.models import PanelItem, PanelMeeting

    return db.session.scalars(sa.select(PanelMeeting).join(
        PanelItem, PanelItem.meeting_id == PanelMeeting.id).where(
        PanelItem.case_id == case.id)).all()
