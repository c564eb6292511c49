"""Completing an action of a child death review (issue 24): on its completion date and with
its evidence, asked and checked as a practice review's action is (forms.completion)."""

from datetime import date

import pytest
import sqlalchemy as sa

from cdr.models import CaseAction
from forms.completion import ENTER_COMPLETION_DATE, ENTER_EVIDENCE
from forms.reviews.actions import ActionForm
from tests.cdr.factories import make_case
from tests.cdr.test_requests import timeline_lines
from tracker.audit import AuditEvent
from tracker.extensions import db

TODAY = date(2026, 3, 16)
EVIDENCE = "Referral letters audited; the report went to the CDOP in March."


@pytest.fixture(autouse=True)
def frozen_today(clock):
    clock.set(TODAY)


def action_of(partnership, **fields):
    """A case reviewed by the panel, with one open action."""
    case = make_case(partnership, date_of_death=date(2025, 3, 1), information_complete=True,
                     review_meeting_on=date(2026, 1, 20))
    action = CaseAction(case_id=case.id, partnership_id=partnership.id,
                        description="Audit referral letters", owner="Northshire ICB",
                        due_on=date(2026, 3, 31), **fields)
    db.session.add(action)
    db.session.commit()
    return case, action


def complete(call, client, case, action, status=302, **data):
    return call(client, "cdr.complete_case_action", case_id=case.id, action_id=action.id,
                status=status, data=data)


def test_the_outcome_page_links_each_open_action_to_its_completion_page(cdop_client,
                                                                        partnership, call):
    case, action = action_of(partnership)

    outcome = call(cdop_client, "cdr.case_outcome", case_id=case.id)
    (link,) = outcome.html.select("#actions-table a")
    page = call(cdop_client, "cdr.complete_case_action", case_id=case.id, action_id=action.id)

    assert link["href"] == f"/child-deaths/{case.id}/actions/{action.id}/complete"
    assert "Audit referral letters" in page.text("#action-summary")
    # The completion date is today unless changed; the evidence is asked for.
    boxes = page.html.select("input[name=completed_on]")
    assert [box["value"] for box in boxes] == ["16", "03", "2026"]
    assert page.html.select_one("textarea[name=evidence]") is not None


def test_an_action_is_completed_on_its_date_with_its_evidence(cdop_client, partnership, call):
    case, action = action_of(partnership)

    complete(call, cdop_client, case, action, completed_on=["10", "3", "2026"],
             evidence=EVIDENCE)

    db.session.refresh(action)
    assert (action.completed_on, action.evidence) == (date(2026, 3, 10), EVIDENCE)
    page = call(cdop_client, "cdr.case", case_id=case.id)
    assert page.text("#actions-table tbody tr") == (
        f"Audit referral letters Northshire ICB 31 March 2026 10 March 2026 Evidence: "
        f"{EVIDENCE} Completed")
    assert "10 March 2026: Action completed: Audit referral letters (recorded 16 March " \
           "2026)" in timeline_lines(page)
    outcome = call(cdop_client, "cdr.case_outcome", case_id=case.id)
    assert outcome.html.select("#actions-table a") == []
    # Audited like every change of the case's records.
    (changes,) = db.session.scalars(sa.select(AuditEvent.changes).where(
        AuditEvent.object_type == "CaseAction", AuditEvent.action == "update")).all()
    assert {"completed_on", "evidence"} <= set(changes)


@pytest.mark.parametrize(("data", "errors"), [
    ({"completed_on": ["", "", ""], "evidence": ""},
     [ENTER_COMPLETION_DATE, ENTER_EVIDENCE]),
    ({"completed_on": ["10", "3", "2026"], "evidence": "   "}, [ENTER_EVIDENCE]),
    ({"completed_on": ["17", "3", "2026"], "evidence": EVIDENCE},
     ["Completion date must be today or in the past"]),
    ({"completed_on": ["28", "2", "2025"], "evidence": EVIDENCE},
     ["Completion date must be on or after the date of death, 1 March 2025"]),
    ({"completed_on": ["30", "2", "2026"], "evidence": EVIDENCE},
     ["Completion date must be a real date"]),
    ({"completed_on": ["10", "3", "2026"], "evidence": "x" * 10001},
     ["Evidence of completion must be 10000 characters or fewer"]),
])
def test_an_action_without_its_date_or_evidence_stays_open(cdop_client, partnership, call,
                                                          data, errors):
    case, action = action_of(partnership)

    page = complete(call, cdop_client, case, action, status=400, **data)

    assert page.errors == errors
    if data["evidence"].strip():
        assert page.html.select_one("textarea[name=evidence]").get_text() == data["evidence"]
    db.session.refresh(action)
    assert (action.completed_on, action.evidence) == (None, None)


def test_a_completed_action_is_not_completed_again(cdop_client, partnership, call):
    case, action = action_of(partnership, completed_on=date(2026, 3, 2), evidence="Done")

    call(cdop_client, "cdr.complete_case_action", case_id=case.id, action_id=action.id,
         status=302, data={"completed_on": ["10", "3", "2026"], "evidence": "Again"},
         form_page=("cdr.case_outcome", {"case_id": case.id}))
    call(cdop_client, "cdr.complete_case_action", case_id=case.id, action_id=action.id,
         status=302)

    db.session.refresh(action)
    assert (action.completed_on, action.evidence) == (date(2026, 3, 2), "Done")


def test_only_the_partnerships_editors_complete_its_actions(cdop_client, auditor_client,
                                                            partnership, other_partnership,
                                                            call):
    case, action = action_of(partnership)
    theirs, their_action = action_of(other_partnership)

    call(auditor_client, "cdr.complete_case_action", case_id=case.id, action_id=action.id,
         status=403)
    call(cdop_client, "cdr.complete_case_action", case_id=theirs.id,
         action_id=their_action.id, status=404)
    # Their action under my case's address is not found either.
    call(cdop_client, "cdr.complete_case_action", case_id=case.id,
         action_id=their_action.id, status=404)


def test_the_practice_review_action_asks_for_the_same_completion_fields():
    from forms.cdr.panel import CompleteActionForm

    child_death, practice = CompleteActionForm, ActionForm
    for name in ("completed_on", "evidence"):
        ours, theirs = getattr(child_death, name), getattr(practice, name)
        assert ours.field_class is theirs.field_class
        assert ours.args[0] == theirs.args[0]  # the same label



@pytest.mark.parametrize(("endpoint", "what"), [
    ("cdr.complete_case_action", "action completion page"),
    ("cdr.several_requests", "several requests page"),
])
def test_opening_the_new_case_pages_is_audited_as_a_view(cdop_client, partnership, call,
                                                        endpoint, what):
    case, action = action_of(partnership)
    extra = {"action_id": action.id} if endpoint == "cdr.complete_case_action" else {}

    call(cdop_client, endpoint, case_id=case.id, **extra)

    details = db.session.scalars(sa.select(AuditEvent.detail).where(
        AuditEvent.action == "view", AuditEvent.object_id == str(case.id))).all()
    assert details == [f"Viewed the {what}"]
