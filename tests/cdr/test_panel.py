"""CDOP meetings: scheduling, the agenda of ready cases, its order, and who may do what."""

from datetime import date, time

import pytest
import sqlalchemy as sa

from cdr.models import PanelItem, PanelMeeting
from cdr.services import timeline
from cdr.services.panel import age_band
from tests.cdr.factories import make_case
from tracker.audit import AuditEvent
from tracker.extensions import db

TODAY = date(2026, 3, 16)


@pytest.fixture(autouse=True)
def frozen_today(clock):
    """Every page counts from the same Monday, whatever the wall clock says."""
    clock.set(TODAY)


def ready_case(partnership, **fields):
    """A case whose information is complete and whose review meeting was held."""
    return make_case(partnership, information_complete=True,
                     review_meeting_on=fields.pop("review_meeting_on", date(2026, 1, 20)),
                     **fields)


def make_meeting(partnership, meeting_on=date(2026, 4, 1), **fields):
    meeting = PanelMeeting(partnership_id=partnership.id, meeting_on=meeting_on, **fields)
    db.session.add(meeting)
    db.session.commit()
    return meeting


def on_agenda(meeting, *cases):
    for position, case in enumerate(cases, start=1):
        db.session.add(PanelItem(meeting_id=meeting.id, case_id=case.id, position=position,
                                 partnership_id=meeting.partnership_id))
    db.session.commit()


def agenda_references(page):
    return [row.select("td")[1].get_text(strip=True)
            for row in page.html.select("#agenda-table tbody tr")]


def test_scheduling_a_meeting_shows_it_on_the_list(cdop_client, partnership, call):
    call(cdop_client, "cdr.new_panel_meeting", status=302, data={
        "meeting_on": ["14", "4", "2026"], "starts_at": "14:30",
        "place_or_link": "Room 2, County Hall", "notes": "Bring the packs"})

    meeting = db.session.scalar(sa.select(PanelMeeting))
    assert (meeting.partnership_id, meeting.meeting_on, meeting.starts_at) == (
        partnership.id, date(2026, 4, 14), time(14, 30))
    page = call(cdop_client, "cdr.panel_meeting", meeting_id=meeting.id)
    assert page.text("h1") == "CDOP meeting of 14 April 2026"
    assert "2:30pm" in page.text() and "Room 2, County Hall" in page.text()
    assert "14 April 2026" in call(cdop_client, "cdr.panel_meetings").text("#meetings")


@pytest.mark.parametrize(("data", "message"), [
    ({"meeting_on": ["", "", ""]}, "Enter the date of the meeting"),
    ({"meeting_on": ["31", "2", "2026"]}, "Date of the meeting must be a real date"),
    # A past CDOP meeting is recorded only with the reason (issue 24: no longer refused).
    ({"meeting_on": ["15", "3", "2026"]}, "Enter why you are recording a CDOP meeting that has "
                                          "already taken place (its date is before today)"),
    ({"meeting_on": ["20", "4", "2026"], "starts_at": "25:00"},
     "Enter the start time using the 24-hour clock, like 14:30"),
    ({"meeting_on": ["20", "4", "2026"], "place_or_link": "x" * 501},
     "Place or link must be 500 characters or fewer"),
])
def test_the_meeting_form_says_what_is_wrong_and_saves_nothing(cdop_client, partnership, call,
                                                              data, message):
    page = call(cdop_client, "cdr.new_panel_meeting", status=400, data=data)

    assert page.errors == [message]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PanelMeeting)) == 0


def test_a_user_of_two_partnerships_chooses_which_holds_the_meeting(app, partnership,
                                                                   other_partnership, call):
    from tests.conftest import sign_in
    from tests.factories import make_user

    user = make_user("cdop_admin", [partnership, other_partnership])
    client = app.test_client()
    sign_in(client, user.email)

    missing = call(client, "cdr.new_panel_meeting", status=400,
                   data={"meeting_on": ["20", "4", "2026"]})
    assert missing.errors == ["Select the partnership holding the meeting"]
    call(client, "cdr.new_panel_meeting", status=302,
         data={"meeting_on": ["20", "4", "2026"], "partnership": str(other_partnership.id)})
    assert db.session.scalar(sa.select(PanelMeeting.partnership_id)) == other_partnership.id


def test_the_list_shows_upcoming_meetings_soonest_first_then_past_ones(cdop_client, partnership,
                                                                      call, app):
    for day in (date(2026, 1, 5), date(2026, 5, 1), date(2026, 2, 9), date(2026, 3, 16),
                date(2026, 4, 1)):
        make_meeting(partnership, day)
    app.config["PAGE_SIZE"] = 4

    first = call(cdop_client, "cdr.panel_meetings")
    second = call(cdop_client, "cdr.panel_meetings", page=2)

    dates = [a.get_text() for page in (first, second) for a in page.html.select("#meetings a")]
    assert dates == ["16 March 2026", "1 April 2026", "1 May 2026", "9 February 2026",
                     "5 January 2026"]
    assert "Held" in second.text("#meetings") and "Upcoming" not in second.text("#meetings")


def test_only_ready_cases_are_offered_and_added(cdop_client, partnership, call):
    meeting = make_meeting(partnership)
    ready = ready_case(partnership)
    incomplete = make_case(partnership, review_meeting_on=date(2026, 1, 2))
    no_meeting = make_case(partnership, information_complete=True)
    closed = ready_case(partnership, closed_on=date(2026, 2, 1))
    elsewhere = ready_case(partnership)
    on_agenda(make_meeting(partnership, date(2026, 5, 6)), elsewhere)
    deferred = ready_case(partnership)  # discussed at a past meeting, not closed: offered again
    on_agenda(make_meeting(partnership, date(2026, 2, 2)), deferred)

    page = call(cdop_client, "cdr.panel_ready_cases", meeting_id=meeting.id)
    offered = {a.get_text() for a in page.html.select("#ready-cases td:first-child a")}
    assert offered == {ready.reference, deferred.reference}

    for case in (incomplete, no_meeting, closed, elsewhere):
        refused = call(cdop_client, "cdr.panel_ready_cases", meeting_id=meeting.id, status=400,
                       data={"case_id": str(case.id)})
        assert refused.errors == ["That case cannot be added: it is not ready for the panel, "
                                  "or it is already on an agenda"]
    call(cdop_client, "cdr.panel_ready_cases", meeting_id=meeting.id, status=302,
         data={"case_id": str(ready.id)})

    agenda = call(cdop_client, "cdr.panel_meeting", meeting_id=meeting.id)
    assert agenda_references(agenda) == [ready.reference]
    assert [e.text for e in timeline.entries(ready)] == [
        "Added to the agenda of the CDOP meeting of 1 April 2026"]
    again = call(cdop_client, "cdr.panel_ready_cases", meeting_id=meeting.id)
    assert ready.reference not in again.text()


def test_the_agenda_order_is_set_with_move_up_and_move_down(cdop_client, partnership, call):
    meeting = make_meeting(partnership)
    first, second, third = (ready_case(partnership) for _ in range(3))
    on_agenda(meeting, first, second, third)
    items = {i.case_id: i.id for i in db.session.scalars(sa.select(PanelItem))}

    def move(case, direction, status=302):
        call(cdop_client, "cdr.move_panel_item", meeting_id=meeting.id, item_id=items[case.id],
             status=status, data={"direction": direction},
             form_page=("cdr.panel_meeting", {"meeting_id": meeting.id}))

    move(third, "up")  # 1 3 2
    move(first, "down")  # 3 1 2
    move(first, "down")  # 3 2 1
    move(first, "down")  # already last: nothing moves
    move(second, "sideways", status=400)

    page = call(cdop_client, "cdr.panel_meeting", meeting_id=meeting.id)
    assert agenda_references(page) == [third.reference, second.reference, first.reference]
    buttons = [b.get_text(" ", strip=True) for b in page.html.select("#agenda-table button")]
    assert buttons[0] == f"Move down {third.reference}"  # the first has no Move up
    assert buttons[-1] == f"Move up {first.reference}"  # the last has no Move down


def test_removing_a_case_from_the_agenda_offers_it_again(cdop_client, partnership, call):
    meeting = make_meeting(partnership)
    case = ready_case(partnership)
    on_agenda(meeting, case)
    item = db.session.scalar(sa.select(PanelItem))

    confirm = call(cdop_client, "cdr.remove_panel_item", meeting_id=meeting.id, item_id=item.id)
    assert confirm.text("h1") == f"Remove {case.reference} from the agenda?"
    call(cdop_client, "cdr.remove_panel_item", meeting_id=meeting.id, item_id=item.id,
         status=302, data={})

    assert agenda_references(call(cdop_client, "cdr.panel_meeting", meeting_id=meeting.id)) == []
    assert case.reference in call(cdop_client, "cdr.panel_ready_cases",
                                  meeting_id=meeting.id).text("#ready-cases")
    assert "Removed from the agenda" in timeline.entries(case)[0].text


def test_the_agenda_and_summary_show_the_anonymised_case(panel_client, partnership, call):
    meeting = make_meeting(partnership)
    case = ready_case(partnership, age_at_death_days=20, sex="male", category="perinatal",
                      analysis_summary="Born at 27 weeks.", analysis_factors="Prematurity.",
                      analysis_learning="Transfer earlier.")
    on_agenda(meeting, case)

    agenda = call(panel_client, "cdr.panel_meeting", meeting_id=meeting.id)
    row = agenda.text("#agenda-table tbody tr")
    assert row == f"1 {case.reference} Under 28 days Male Perinatal or neonatal event"
    assert not agenda.html.select("#agenda-table form")  # no buttons for a panel member

    summary = call(panel_client, "cdr.panel_case_summary", meeting_id=meeting.id,
                   case_id=case.id)
    text = summary.text("main")
    for shown in ("Under 28 days", "Male", "Perinatal or neonatal event", "Born at 27 weeks.",
                  "Prematurity.", "Transfer earlier."):
        assert shown in text
    views = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "view")).all()
    assert [(v.object_type, v.object_id) for v in views] == [("ChildDeathCase", str(case.id))]


@pytest.mark.parametrize(("days", "band"), [
    (None, "Not known"), (0, "Under 28 days"), (27, "Under 28 days"),
    (28, "28 days to under 1 year"), (364, "28 days to under 1 year"), (365, "1 to 4 years"),
    (4 * 365, "1 to 4 years"), (5 * 365 + 1, "5 to 9 years"), (10 * 365 + 2, "10 to 14 years"),
    (15 * 365 + 3, "15 to 17 years"), (18 * 365 + 3, "15 to 17 years"),
])
def test_age_bands(days, band):
    assert age_band(days) == band


def test_a_panel_member_can_read_but_not_change_the_agenda(panel_client, partnership, call):
    meeting = make_meeting(partnership)
    case = ready_case(partnership)
    on_agenda(meeting, case)
    item = db.session.scalar(sa.select(PanelItem))
    listing = call(panel_client, "cdr.panel_meetings")
    assert "Schedule a meeting" not in listing.text()

    call(panel_client, "cdr.new_panel_meeting", status=403)
    call(panel_client, "cdr.panel_ready_cases", meeting_id=meeting.id, status=403)
    call(panel_client, "cdr.remove_panel_item", meeting_id=meeting.id, item_id=item.id,
         status=403)
    call(panel_client, "cdr.move_panel_item", meeting_id=meeting.id, item_id=item.id,
         status=403, data={"direction": "up"},
         form_page=("cdr.panel_meeting", {"meeting_id": meeting.id}))
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PanelItem)) == 1


def test_another_partnerships_meeting_answers_404_like_a_missing_one(cdop_client, partnership,
                                                                     other_partnership, call):
    theirs = make_meeting(other_partnership, date(2026, 4, 22))
    case = ready_case(other_partnership)
    on_agenda(theirs, case)
    ours = make_meeting(partnership)
    mine = ready_case(partnership)

    other = call(cdop_client, "cdr.panel_meeting", meeting_id=theirs.id, status=404)
    missing = call(cdop_client, "cdr.panel_meeting", meeting_id=theirs.id + 100, status=404)
    assert other.response.get_data() == missing.response.get_data()
    call(cdop_client, "cdr.panel_case_summary", meeting_id=theirs.id, case_id=case.id,
         status=404)
    # A case of ours that is not on this agenda has no summary here.
    call(cdop_client, "cdr.panel_case_summary", meeting_id=ours.id, case_id=mine.id, status=404)
    # Another partnership's case cannot be put on our agenda.
    call(cdop_client, "cdr.panel_ready_cases", meeting_id=ours.id, status=400,
         data={"case_id": str(case.id)})
    listed = call(cdop_client, "cdr.panel_meetings").text("#meetings")
    assert "1 April 2026" in listed and "22 April 2026" not in listed


def test_the_agenda_issues_the_same_queries_however_many_cases(cdop_client, partnership, call):
    meeting = make_meeting(partnership)
    on_agenda(meeting, ready_case(partnership))
    statements = []

    def count(*args):
        statements.append(args[2])

    sa.event.listen(db.engine, "before_cursor_execute", count)
    try:
        call(cdop_client, "cdr.panel_meeting", meeting_id=meeting.id)
        few = len(statements)
        for position, case in enumerate([ready_case(partnership) for _ in range(5)], start=2):
            db.session.add(PanelItem(meeting_id=meeting.id, case_id=case.id, position=position,
                                     partnership_id=partnership.id))
        db.session.commit()
        statements.clear()
        page = call(cdop_client, "cdr.panel_meeting", meeting_id=meeting.id)
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", count)
    assert len(agenda_references(page)) == 6
    assert len(statements) == few


def test_a_case_transferred_away_leaves_the_agenda(panel_client, partnership, other_partnership,
                                                   call):
    meeting = make_meeting(partnership)
    stays, leaves = ready_case(partnership), ready_case(partnership)
    on_agenda(meeting, stays, leaves)
    leaves.partnership_id = other_partnership.id
    db.session.commit()

    page = call(panel_client, "cdr.panel_meeting", meeting_id=meeting.id)
    assert agenda_references(page) == [stays.reference]
    call(panel_client, "cdr.panel_case_summary", meeting_id=meeting.id, case_id=leaves.id,
         status=404)


def test_a_case_number_beyond_any_record_is_refused_not_a_server_error(cdop_client, partnership,
                                                                      call):
    """A tampered hidden case number too large for the database's integers: the same refusal
    as any case that cannot be added, not an overflow (a 500 on PostgreSQL)."""
    meeting = make_meeting(partnership, date(2026, 4, 1))
    for number in (str(2**31), str(2**63), "-1", "0"):
        refused = call(cdop_client, "cdr.panel_ready_cases", meeting_id=meeting.id, status=400,
                       data={"case_id": number})
        assert refused.errors == ["That case cannot be added: it is not ready for the panel, "
                                  "or it is already on an agenda"]


def test_the_words_are_cdop_member_and_cdop_meetings(panel_client, partnership, call):
    # The national Panel is another body: a CDOP's members and meetings are the CDOP's.
    meeting = PanelMeeting(partnership_id=partnership.id, meeting_on=date(2026, 4, 14))
    db.session.add(meeting)
    db.session.commit()
    home = call(panel_client, "main.home")
    assert "Signed in as" in home.text() and ", CDOP member." in home.text()
    assert "CDOP meetings" in home.text(".govuk-service-navigation")
    listing = call(panel_client, "cdr.panel_meetings")
    assert listing.text("h1") == "CDOP meetings"
    for page in (home, listing, call(panel_client, "cdr.panel_meeting", meeting_id=meeting.id)):
        assert "Panel member" not in page.text()
        assert "panel meeting" not in page.text().lower()


def test_a_case_goes_only_on_a_cdop_meeting_on_or_after_its_review_meeting(cdop_client,
                                                                           partnership, call):
    # The CDOP's anonymised review follows the child death review meeting (issue 24 review).
    reviewed_late = ready_case(partnership, review_meeting_on=date(2026, 3, 10))
    reviewed_before = ready_case(partnership, review_meeting_on=date(2026, 2, 2))
    earlier = make_meeting(partnership, date(2026, 2, 9))

    page = call(cdop_client, "cdr.panel_ready_cases", meeting_id=earlier.id)
    offered = {a.get_text() for a in page.html.select("#ready-cases td:first-child a")}
    assert offered == {reviewed_before.reference}
    refused = call(cdop_client, "cdr.panel_ready_cases", meeting_id=earlier.id, status=400,
                   data={"case_id": str(reviewed_late.id)})
    assert refused.errors == [
        "That case cannot be added: the CDOP meeting of 9 February 2026 is before the case's "
        "child death review meeting (10 March 2026): the CDOP meeting reviews a case after its "
        "child death review meeting. Choose a CDOP meeting on or after 10 March 2026"]
    assert db.session.scalars(sa.select(PanelItem)).all() == []

    # The CDOP meeting on the day of the review meeting, or after it, takes it.
    same_day = make_meeting(partnership, date(2026, 3, 10))
    call(cdop_client, "cdr.panel_ready_cases", meeting_id=same_day.id, status=302,
         data={"case_id": str(reviewed_late.id)})
    assert agenda_references(call(cdop_client, "cdr.panel_meeting", meeting_id=same_day.id)
                             ) == [reviewed_late.reference]


def test_a_case_stays_on_the_agenda_of_the_meeting_its_outcome_was_recorded_at(
        cdop_client, partnership, call):
    meeting = make_meeting(partnership, date(2026, 3, 2))
    case = ready_case(partnership, closed_on=date(2026, 3, 2),
                      review_completed_on=date(2026, 3, 2), outcome_meeting_id=meeting.id,
                      category="infection", modifiable_factors="no")
    on_agenda(meeting, case)
    item = db.session.scalar(sa.select(PanelItem))

    confirm = call(cdop_client, "cdr.remove_panel_item", meeting_id=meeting.id, item_id=item.id)
    assert confirm.text("h1") == f"{case.reference} cannot be removed from the agenda"
    assert "Remove from agenda" not in confirm.text("main")
    refused = call(cdop_client, "cdr.remove_panel_item", meeting_id=meeting.id,
                   item_id=item.id, status=400, data={})
    assert refused.errors == [
        "The case's outcome was recorded at this CDOP meeting, so it stays on the agenda. To "
        "take it off, first reopen the case from its page (reopening removes the outcome), "
        "then remove it from the agenda"]
    assert db.session.scalars(sa.select(PanelItem)).all() == [item]
    assert agenda_references(call(cdop_client, "cdr.panel_meeting", meeting_id=meeting.id)
                             ) == [case.reference]

    # Reopened, the outcome is gone and the case may leave the agenda.
    case.closed_on = case.review_completed_on = case.outcome_meeting_id = None
    db.session.commit()
    call(cdop_client, "cdr.remove_panel_item", meeting_id=meeting.id, item_id=item.id,
         status=302, data={})
    assert db.session.scalars(sa.select(PanelItem)).all() == []
