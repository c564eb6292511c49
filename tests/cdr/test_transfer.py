"""Transferring a case to the partnership responsible for it: everything moves, deadlines
are recomputed with the new partnership's closure days, both audit trails record it, and
the old partnership's users lose access."""

from datetime import date

import pytest

from cdr.models import (
    AgencyRequest,
    CaseNotification,
    CaseTransfer,
    ChildDeathCase,
    ChildIdentity,
    RapidResponseMeeting,
)
from tests.cdr.factories import make_case
from tests.conftest import sign_in
from tests.factories import make_partnership, make_user
from tracker import deadline_service
from tracker.audit import AuditEvent
from tracker.deadline_models import Deadline
from tracker.extensions import db
from tracker.models import ClosureDay
from tracker.roles import Role
from tracker.timeline import TimelineEntry

TODAY = date(2025, 3, 10)
REASON = "The child normally lived in Southvale"


@pytest.fixture(autouse=True)
def _today(clock):
    clock.set(TODAY)


@pytest.fixture
def case(partnership):
    """A case with a record of each kind, and a coroner's decision on Monday 3 March 2025."""
    case = make_case(partnership, date_of_death=date(2025, 3, 1),
                     coroner_decision_on=date(2025, 3, 3), coroner_investigating=True)
    db.session.add_all([
        CaseNotification(case_id=case.id, partnership_id=partnership.id,
                         received_on=date(2025, 3, 2), source="practitioner"),
        RapidResponseMeeting(case_id=case.id, partnership_id=partnership.id, number=1,
                             meeting_on=date(2025, 3, 4)),
        AgencyRequest(case_id=case.id, partnership_id=partnership.id, agency="School",
                      sent_on=date(2025, 3, 3)),
        TimelineEntry(owner_type="cdr_case", owner_id=case.id, partnership_id=partnership.id,
                      kind="note", text="Something happened"),
    ])
    db.session.flush()
    for request in db.session.scalars(db.select(AgencyRequest)):
        deadline_service.sync_case(request)
    db.session.commit()
    return case


@pytest.fixture
def southvale_client(app, other_partnership):
    user = make_user(Role.CDOP_ADMIN, [other_partnership])
    client = app.test_client()
    sign_in(client, user.email)
    return client


def coroner_due(case):
    return db.session.scalar(db.select(Deadline).where(
        Deadline.owner_type == "cdr_case", Deadline.owner_id == case.id,
        Deadline.rule_key == "coroner_notification"))


def test_a_transfer_moves_the_case_and_everything_of_it(cdop_client, southvale_client, call,
                                                        case, partnership, other_partnership):
    # Southvale's office is closed on Wednesday 5 March: its 3 working days end a day later.
    db.session.add(ClosureDay(partnership_id=other_partnership.id, day=date(2025, 3, 5),
                              description="Office closed"))
    db.session.commit()
    assert coroner_due(case).due_date == date(2025, 3, 6)
    reference = case.reference

    page = call(cdop_client, "cdr.transfer_case", case_id=case.id, status=302,
                data={"partnership": str(other_partnership.id), "reason": REASON})

    assert page.response.headers["Location"].endswith("/child-deaths/")
    listed = call(cdop_client, "cdr.cases")
    assert f"{reference} has been transferred to Southvale Partnership" in listed.text()
    assert reference not in " ".join(table.get_text() for table in listed.html.select("table"))
    # The old partnership's users lose it, answered as if it did not exist.
    call(cdop_client, "cdr.case", case_id=case.id, status=404)
    # The new partnership's users see it, with its reference and recomputed deadlines.
    shown = call(southvale_client, "cdr.case", case_id=case.id)
    assert shown.text("h1") == reference
    assert "7 March 2025" in shown.text("#deadline-coroner_notification")
    transfers = shown.text("#transfer-table")
    assert "Northshire Partnership" in transfers and REASON in transfers
    assert "Transferred from Northshire Partnership to Southvale Partnership" in shown.text(
        "#timeline + ol")

    for model in (ChildDeathCase, ChildIdentity, CaseNotification, RapidResponseMeeting,
                  AgencyRequest, CaseTransfer, TimelineEntry, Deadline):
        owners = set(db.session.scalars(db.select(model.partnership_id)))
        assert owners == {other_partnership.id}, model.__name__
    assert coroner_due(case).due_date == date(2025, 3, 7)
    [moved] = db.session.scalars(db.select(CaseTransfer)).all()
    assert (moved.from_partnership_id, moved.reason) == (partnership.id, REASON)
    audited = db.session.scalars(db.select(AuditEvent).where(
        AuditEvent.detail == f"Transferred from NSP to SVP. Reason: {REASON}")).all()
    assert {row.partnership_id for row in audited} == {partnership.id, other_partnership.id}


def test_any_other_partnership_may_be_chosen_but_not_the_cases_own(cdop_client, call, case,
                                                                   other_partnership):
    make_partnership(code="EAS", name="Eastshire Partnership")

    page = call(cdop_client, "cdr.transfer_case", case_id=case.id)

    options = [option.get_text(strip=True)
               for option in page.html.select("select[name=partnership] option")]
    assert options == ["Choose a partnership", "Eastshire Partnership (EAS)",
                       "Southvale Partnership (SVP)"]


@pytest.mark.parametrize(("data", "message"), [
    ({"reason": REASON}, "Select the partnership to transfer the case to"),
    ({"reason": REASON, "partnership": "999999"}, "Select the partnership to transfer the case to"),
    ({"partnership": "OTHER", "reason": "   "}, "Enter the reason for the transfer"),
])
def test_a_transfer_needs_a_partnership_and_a_reason(cdop_client, call, case, partnership,
                                                     other_partnership, data, message):
    if data.get("partnership") == "OTHER":
        data = {**data, "partnership": str(other_partnership.id)}

    page = call(cdop_client, "cdr.transfer_case", case_id=case.id, data=data, status=400)

    assert message in page.errors
    db.session.refresh(case)
    assert case.partnership_id == partnership.id
    assert db.session.scalars(db.select(CaseTransfer)).all() == []


def test_a_user_of_both_partnerships_goes_on_to_the_case(app, call, case, partnership,
                                                         other_partnership):
    user = make_user(Role.CDOP_ADMIN, [partnership, other_partnership])
    client = app.test_client()
    sign_in(client, user.email)

    page = call(client, "cdr.transfer_case", case_id=case.id, status=302,
                data={"partnership": str(other_partnership.id), "reason": REASON})

    assert page.response.headers["Location"].endswith(f"/child-deaths/{case.id}")


def test_only_editors_of_the_cases_partnership_may_transfer_it(auditor_client,
                                                              southvale_client, call, case):
    call(auditor_client, "cdr.transfer_case", case_id=case.id, status=403)
    call(southvale_client, "cdr.transfer_case", case_id=case.id, status=404)
