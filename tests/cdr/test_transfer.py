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
    PanelItem,
    PanelMeeting,
    RapidResponseMeeting,
)
from tests.cdr.factories import make_case
from tests.conftest import sign_in
from tests.factories import make_partnership, make_user
from tests.workbooks import download
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


def request_due():
    return db.session.scalar(db.select(Deadline.due_date).where(
        Deadline.rule_key == "agency_information_request"))


def coroner_due(case):
    return db.session.scalar(db.select(Deadline).where(
        Deadline.owner_type == "cdr_case", Deadline.owner_id == case.id,
        Deadline.rule_key == "coroner_notification"))


def test_a_transfer_moves_the_case_and_everything_of_it(cdop_client, southvale_client, call,
                                                        case, partnership, other_partnership):
    # Southvale's office is closed on Wednesday 5 March: the agency's 15 working days (local
    # practice) end a day later there; the coroner's 3 (statutory) never move for a closure.
    db.session.add(ClosureDay(partnership_id=other_partnership.id, day=date(2025, 3, 5),
                              description="Office closed"))
    db.session.commit()
    assert coroner_due(case).due_date == date(2025, 3, 6)
    assert request_due() == date(2025, 3, 24)
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
    assert "6 March 2025" in shown.text("#deadline-coroner_notification")
    transfers = shown.text("#transfer-table")
    assert "Northshire Partnership" in transfers and REASON in transfers
    assert "Transferred from Northshire Partnership to Southvale Partnership" in shown.text(
        "#timeline + ol")

    for model in (ChildDeathCase, ChildIdentity, CaseNotification, RapidResponseMeeting,
                  AgencyRequest, CaseTransfer, TimelineEntry, Deadline):
        owners = set(db.session.scalars(db.select(model.partnership_id)))
        assert owners == {other_partnership.id}, model.__name__
    assert coroner_due(case).due_date == date(2025, 3, 6)
    assert request_due() == date(2025, 3, 25)
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


# --- The old partnership's panel agendas ----------------------------------------------------

HELD_ON, COMING_ON = date(2025, 2, 24), date(2025, 3, 24)


@pytest.fixture
def on_old_agendas(case, partnership, clock):
    """The case, ready for the panel, on a Northshire meeting already held and on one to come;
    another Northshire case shares both agendas."""
    clock.set(TODAY)
    case.information_complete, case.review_meeting_on = True, date(2025, 2, 10)
    neighbour = make_case(partnership, information_complete=True,
                          review_meeting_on=date(2025, 2, 10))
    meetings = [PanelMeeting(partnership_id=partnership.id, meeting_on=day)
                for day in (HELD_ON, COMING_ON)]
    db.session.add_all(meetings)
    db.session.flush()
    db.session.add_all([PanelItem(meeting_id=meeting.id, case_id=each.id, position=position,
                                  partnership_id=partnership.id)
                        for meeting in meetings
                        for position, each in enumerate((case, neighbour), start=1)])
    db.session.commit()
    return meetings


def transfer_to(client, call, case, other_partnership):
    call(client, "cdr.transfer_case", case_id=case.id, status=302,
         data={"partnership": str(other_partnership.id), "reason": REASON})


def item_of(meeting, case):
    return db.session.scalar(db.select(PanelItem).where(PanelItem.meeting_id == meeting.id,
                                                        PanelItem.case_id == case.id))


def test_a_transfer_takes_the_case_off_the_old_partnerships_meetings_to_come(
        cdop_client, southvale_client, call, case, partnership, other_partnership,
        on_old_agendas):
    held, coming = on_old_agendas

    transfer_to(cdop_client, call, case, other_partnership)

    assert item_of(coming, case) is None
    # The meeting held keeps the case as its history, still Northshire's.
    assert item_of(held, case).partnership_id == partnership.id
    shown = call(southvale_client, "cdr.case", case_id=case.id)
    assert ("Removed from the agenda of the CDOP meeting of 24 March 2025: transferred to "
            "Southvale Partnership") in shown.text("#timeline + ol")
    # Neither meeting is the new partnership's, so neither is listed as the case's.
    assert "Not on the agenda of any CDOP meeting; the case is ready for the panel" in \
        shown.text()
    for meeting in (held, coming):
        page = call(cdop_client, "cdr.panel_meeting", meeting_id=meeting.id)
        assert case.reference not in page.text("#agenda-table")
    listed = call(cdop_client, "cdr.panel_meetings").html.select("#meetings tbody tr")
    assert [row.select("td")[3].get_text(strip=True) for row in listed] == ["1", "1"]


def test_the_old_partnership_can_no_longer_change_a_held_meetings_item(
        cdop_client, southvale_client, call, case, other_partnership, on_old_agendas):
    held, _ = on_old_agendas
    item = item_of(held, case)
    transfer_to(cdop_client, call, case, other_partnership)
    entries = db.session.scalar(db.select(db.func.count()).select_from(TimelineEntry))

    call(cdop_client, "cdr.remove_panel_item", meeting_id=held.id, item_id=item.id, status=404)
    token_page = ("cdr.panel_meeting", {"meeting_id": held.id})
    for endpoint, data in (("cdr.remove_panel_item", {}),
                           ("cdr.move_panel_item", {"direction": "up"})):
        call(cdop_client, endpoint, meeting_id=held.id, item_id=item.id, status=404,
             data=data, form_page=token_page)
    call(cdop_client, "cdr.panel_case_summary", meeting_id=held.id, case_id=case.id,
         status=404)
    for endpoint in ("cdr.case_outcome", "cdr.new_case_action", "cdr.reopen_case"):
        call(cdop_client, endpoint, case_id=case.id, status=404)

    assert item_of(held, case) is not None
    assert db.session.scalar(db.select(db.func.count()).select_from(TimelineEntry)) == entries
    _, pack = download(cdop_client, f"/child-deaths/panel-meetings/{held.id}/panel-pack")
    assert case.reference not in {cell for row in pack.active.iter_rows(values_only=True)
                                  for cell in row}


def test_the_new_partnership_can_put_the_case_on_its_own_agenda(
        cdop_client, southvale_client, call, case, other_partnership, on_old_agendas):
    transfer_to(cdop_client, call, case, other_partnership)
    meeting = PanelMeeting(partnership_id=other_partnership.id, meeting_on=date(2025, 3, 31))
    db.session.add(meeting)
    db.session.commit()

    offered = call(southvale_client, "cdr.panel_ready_cases", meeting_id=meeting.id)
    assert case.reference in offered.text("#ready-cases")
    call(southvale_client, "cdr.panel_ready_cases", meeting_id=meeting.id, status=302,
         data={"case_id": str(case.id)})

    page = call(southvale_client, "cdr.panel_meeting", meeting_id=meeting.id)
    assert case.reference in page.text("#agenda-table")
    shown = call(southvale_client, "cdr.case", case_id=case.id)
    assert shown.text("#panel-meetings") == "CDOP meeting of 31 March 2025"


def test_an_item_left_behind_by_an_earlier_transfer_blocks_nothing(
        cdop_client, southvale_client, call, case, other_partnership, on_old_agendas):
    """Items of cases moved before transfers took them off agendas (0009 gives them back the
    meeting's partnership) neither block the new partnership nor reach the old one."""
    _, coming = on_old_agendas
    item = item_of(coming, case)
    case.partnership_id = other_partnership.id
    db.session.commit()
    meeting = PanelMeeting(partnership_id=other_partnership.id, meeting_on=date(2025, 3, 31))
    db.session.add(meeting)
    db.session.commit()

    call(southvale_client, "cdr.panel_ready_cases", meeting_id=meeting.id, status=302,
         data={"case_id": str(case.id)})
    call(cdop_client, "cdr.remove_panel_item", meeting_id=coming.id, item_id=item.id,
         status=404)


def to_move_on(page):
    rows = page.html.select("#cdr-to-move-on-list .govuk-summary-list__row")
    return {row.dt.get_text(strip=True): row.select_one(".govuk-summary-list__value")
            .get_text(strip=True) for row in rows}


def test_the_home_pages_count_the_case_for_its_new_partnership_only(
        cdop_client, southvale_client, call, case, other_partnership, on_old_agendas,
        clock):
    clock.set(TODAY)
    heard, ready = ("Heard at a CDOP meeting: record the outcome and close",
                    "Ready for the CDOP panel and on no agenda")
    assert to_move_on(call(cdop_client, "main.home"))[heard] == "2"

    transfer_to(cdop_client, call, case, other_partnership)

    assert to_move_on(call(cdop_client, "main.home"))[heard] == "1"  # the neighbour only
    theirs = to_move_on(call(southvale_client, "main.home"))
    assert (theirs[ready], theirs[heard]) == ("1", "0")


def test_a_transfer_stops_the_agencies_links_to_the_case(app, cdop_client, call, case,
                                                         partnership, other_partnership):
    from cdr.services import request_links
    from tracker.agencies import AgencyContact, DirectoryAgency

    agency = DirectoryAgency(partnership_id=partnership.id, name="School", name_key="school",
                             kind="school")
    contact = AgencyContact(agency=agency, partnership_id=partnership.id, name="Head",
                            email="head@school.example")
    db.session.add_all([agency, contact])
    db.session.commit()
    request = db.session.scalar(db.select(AgencyRequest))
    with app.test_request_context():
        link, _ = request_links.send(case, request, contact.id, None)
        db.session.commit()
    assert link.revoked_at is None

    call(cdop_client, "cdr.transfer_case", case_id=case.id, status=302,
         data={"partnership": str(other_partnership.id), "reason": REASON})

    # The old partnership's link would open a case that is no longer its own.
    db.session.expire_all()
    assert (link.revoked_at is not None, link.revoked_why) == (True, "transferred")
