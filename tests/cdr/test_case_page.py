"""The case page: the child and the death, stages, deadlines and timeline."""

from datetime import date

import pytest

from cdr.services import timeline
from tests.cdr.factories import make_case
from tracker.audit import AuditEvent
from tracker.extensions import db

# The pages read the real today (the relative_dates CI step runs these on awkward days).
pytestmark = pytest.mark.relative_dates


def test_the_case_page_shows_the_child_the_deadlines_and_the_stages(cdop_client, partnership,
                                                                    call):
    case = make_case(partnership, jar_required=True, date_of_death=date(2025, 3, 1))

    page = call(cdop_client, "cdr.case", case_id=case.id)

    assert page.text("h1") == case.reference
    summary = page.text("#child + .govuk-summary-list")
    assert "Invented" in summary and "26 January 2024" in summary
    deadlines = page.text("#deadline-table")
    assert "First rapid response meeting" in deadlines and "6 March 2025" in deadlines
    assert "Joint Agency Response" in page.text(".govuk-task-list")


def test_viewing_a_case_writes_a_view_audit_row(cdop_client, partnership, call):
    case = make_case(partnership)

    call(cdop_client, "cdr.case", case_id=case.id)

    views = db.session.scalars(db.select(AuditEvent).where(
        AuditEvent.action == "view", AuditEvent.object_type == "ChildDeathCase")).all()
    assert [(v.object_id, v.partnership_id) for v in views] == [(str(case.id), partnership.id)]


def test_another_partnerships_case_answers_404_like_a_missing_one(cdop_client,
                                                                  other_partnership, call):
    theirs = make_case(other_partnership)

    other = call(cdop_client, "cdr.case", case_id=theirs.id, status=404)
    missing = call(cdop_client, "cdr.case", case_id=theirs.id + 1000, status=404)

    # The same page, but for the sign-out form's CSRF token, which is signed with the time.
    for found in (other, missing):
        for token in found.html.select("input[name=csrf_token]"):
            token.decompose()
    assert str(other.html) == str(missing.html)


def test_a_user_who_may_not_see_identifying_details_never_gets_them(auditor_client, panel_client,
                                                                   partnership, call):
    case = make_case(partnership)
    call(panel_client, "cdr.case", case_id=case.id, status=403)
    # The auditor may: their page shows the name (the rule is the permission, not the role).
    assert "Invented" in call(auditor_client, "cdr.case", case_id=case.id).text()


def test_the_timeline_lists_what_happened_newest_first(cdop_client, partnership, call,
                                                       clock):
    # Recorded on the day of the second (issue 24: the day recorded shows when it differs).
    clock.set(date(2025, 3, 3))
    case = make_case(partnership)
    timeline.add(case, "note", "First thing", happened_on=date(2025, 3, 2))
    timeline.add(case, "note", "Second thing", happened_on=date(2025, 3, 3))
    db.session.commit()

    page = call(cdop_client, "cdr.case", case_id=case.id)
    items = [li.get_text(" ", strip=True) for li in page.html.select("#timeline + ol li")]

    assert items[0].endswith("Second thing")
    assert items[1].endswith("First thing (recorded 3 March 2025)")


def test_the_stored_stage_follows_what_is_recorded_whichever_page_recorded_it(partnership):
    from cdr.models import AgencyRequest, RapidResponseMeeting

    case = make_case(partnership, jar_required=True)
    assert case.stage == "rapid_response"
    for number in (1, 2, 3):
        db.session.add(RapidResponseMeeting(case_id=case.id, partnership_id=partnership.id,
                                            number=number, meeting_on=date(2025, 3, 5),
                                            held=True))
    db.session.commit()
    assert case.stage == "information"
    request = AgencyRequest(case_id=case.id, partnership_id=partnership.id, agency="School",
                            sent_on=date(2025, 3, 10))
    db.session.add(request)
    db.session.commit()
    assert case.stage == "information"
    request.returned_on = date(2025, 3, 20)
    db.session.commit()
    assert case.stage == "review_meeting"
    case.review_meeting_on = date(2025, 4, 1)
    db.session.commit()
    db.session.expire_all()
    assert case.stage == "panel"
