"""The rapid review through the web forms: meetings, findings and the recommendation, the
date it went to the Panel (the `rapid_review` deadline, Panel guidance), the Panel's
response, and refusals."""

from datetime import date

import pytest

from reviews.models import RapidReviewMeeting, SeriousIncident
from tests.reviews.factories import make_incident
from tracker.deadline_models import Deadline
from tracker.extensions import db
from tracker.timeline import TimelineEntry

TODAY = date(2025, 1, 24)


@pytest.fixture(autouse=True)
def _today(clock):
    """The pages' today is fixed: Friday 24 January 2025."""
    clock.set(TODAY)


def day(value: date) -> list[str]:
    """A date as the three boxes of the GOV.UK date input post it."""
    return [str(value.day), str(value.month), str(value.year)]


def notified(partnership, **fields):
    """An incident whose Panel notification was sent on Monday 30 December 2024."""
    return make_incident(partnership, la_aware_on=date(2024, 12, 23),
                         panel_notified_on=date(2024, 12, 30), **fields)


def saved(incident):
    db.session.expire_all()
    return db.session.get(SeriousIncident, incident.id)


FINDINGS = {
    "rr_participants": "Chair (police), designated nurse, head of service",
    "rr_agencies": "Police, health visiting, children's social care",
    "rr_facts": "Known to services since 2023.",
    "rr_safety_actions": "Siblings' plans reviewed.",
    "rr_learning": "Information sharing at weekends.",
    "rr_recommendation": "local",
    "rr_rationale": "Several agencies; recurrent theme.",
}


def test_meetings_are_added_and_removed(business_client, partnership, call):
    incident = notified(partnership)

    for meeting_on in (date(2025, 1, 8), date(2025, 1, 6)):
        call(business_client, "reviews.add_rapid_review_meeting", incident_id=incident.id,
             data={"meeting_on": day(meeting_on)}, status=302,
             form_page=("reviews.rapid_review", {"incident_id": incident.id}))
    page = call(business_client, "reviews.rapid_review", incident_id=incident.id)
    assert [cell.get_text(strip=True) for cell in page.html.select(
        "#meeting-table tbody tr td:first-child")] == ["6 January 2025", "8 January 2025"]
    assert saved(incident).stage == "rapid_review"

    first = db.session.scalars(db.select(RapidReviewMeeting).order_by(
        RapidReviewMeeting.meeting_on)).first()
    call(business_client, "reviews.remove_rapid_review_meeting", incident_id=incident.id,
         meeting_id=first.id, data={}, status=302,
         form_page=("reviews.rapid_review", {"incident_id": incident.id}))
    assert [m.meeting_on for m in db.session.scalars(db.select(RapidReviewMeeting))] == \
        [date(2025, 1, 8)]
    assert "Rapid review meeting removed" in db.session.scalars(
        db.select(TimelineEntry.text)).all()


@pytest.mark.parametrize(("meeting_on", "message"), [
    (None, "Enter the meeting date"),
    (day(date(2024, 12, 22)),
     "Meeting date must be the same as or after the date the local authority became aware"),
    (["40", "1", "2025"], "Meeting date must be a real date"),
])
def test_a_bad_meeting_date_is_refused(business_client, partnership, call, meeting_on,
                                       message):
    incident = notified(partnership)

    page = call(business_client, "reviews.add_rapid_review_meeting", incident_id=incident.id,
                data={"meeting_on": meeting_on} if meeting_on else {}, status=400,
                form_page=("reviews.rapid_review", {"incident_id": incident.id}))

    assert message in page.errors
    assert db.session.scalars(db.select(RapidReviewMeeting)).all() == []


def test_another_partnerships_meeting_cannot_be_removed(business_client, partnership,
                                                       other_partnership, call):
    ours, theirs = notified(partnership), notified(other_partnership)
    meeting = RapidReviewMeeting(incident_id=theirs.id, partnership_id=other_partnership.id,
                                 meeting_on=date(2025, 1, 6))
    db.session.add(meeting)
    db.session.commit()

    call(business_client, "reviews.remove_rapid_review_meeting", incident_id=ours.id,
         meeting_id=meeting.id, data={}, status=404,
         form_page=("reviews.rapid_review", {"incident_id": ours.id}))
    assert db.session.get(RapidReviewMeeting, meeting.id) is not None


def test_sending_the_rapid_review_meets_its_panel_guidance_deadline(business_client,
                                                                   partnership, call):
    incident = notified(partnership)
    review = call(business_client, "reviews.incident", incident_id=incident.id)
    row = review.text("#deadline-rapid_review")
    # 15 working days from 30 December 2024 (New Year's Day is a bank holiday).
    assert "21 January 2025" in row and "Panel guidance" in row

    call(business_client, "reviews.rapid_review", incident_id=incident.id, status=302,
         data={**FINDINGS, "version": str(incident.version),
               "rapid_review_sent_on": day(date(2025, 1, 20))})

    incident = saved(incident)
    assert incident.stage == "decision"
    assert incident.rr_facts == "Known to services since 2023."
    met = db.session.scalar(db.select(Deadline.met_on).where(
        Deadline.owner_id == incident.id, Deadline.rule_key == "rapid_review"))
    assert met == date(2025, 1, 20)
    page = call(business_client, "reviews.incident", incident_id=incident.id)
    assert "A local child safeguarding practice review" in page.text("#rapid-review-summary")
    assert "Met on time" in page.text("#deadline-rapid_review")
    assert "Rapid review sent to the Panel, recommending a local child safeguarding practice " \
        "review" in db.session.scalars(db.select(TimelineEntry.text)).all()


@pytest.mark.parametrize(("changes", "message"), [
    ({"rapid_review_sent_on": day(date(2025, 1, 25))},
     "Date the rapid review was sent to the Panel must be today or in the past"),
    ({"rapid_review_sent_on": day(date(2024, 12, 20))},
     "Date the rapid review was sent to the Panel must be the same as or after the date the "
     "local authority became aware"),
    ({"rr_rationale": ""}, "Enter the rationale for the recommendation"),
    ({"rr_recommendation": "", "rapid_review_sent_on": day(date(2025, 1, 20))},
     "Select the partnership's recommendation: it goes to the Panel with the rapid review"),
    ({"rr_recommendation": "maybe"}, "Select the partnership's recommendation"),
])
def test_bad_rapid_review_answers_are_refused(business_client, partnership, call, changes,
                                              message):
    incident = notified(partnership)
    data = {**FINDINGS, "version": str(incident.version), **changes}

    page = call(business_client, "reviews.rapid_review", incident_id=incident.id, data=data,
                status=400)

    assert message in page.errors
    assert saved(incident).rr_facts is None


def test_the_panels_response_and_the_information_it_asked_for(business_client, partnership,
                                                              call):
    incident = notified(partnership, rapid_review_sent_on=date(2025, 1, 15))

    call(business_client, "reviews.panel_response", incident_id=incident.id, status=302, data={
        "version": str(incident.version), "panel_response_on": day(date(2025, 1, 20)),
        "panel_national_review": "no", "panel_info_requested": "The school's chronology",
        "panel_info_requested_on": day(date(2025, 1, 20)),
        "panel_info_supplied_on": day(date(2025, 1, 23))})

    incident = saved(incident)
    assert incident.panel_national_review is False
    assert incident.panel_info_supplied_on == date(2025, 1, 23)
    page = call(business_client, "reviews.incident", incident_id=incident.id)
    summary = page.text("#rapid-review-summary")
    assert "it will not undertake a national review" in summary
    assert "The school's chronology, asked for on 20 January 2025, supplied on " \
        "23 January 2025" in summary


@pytest.mark.parametrize(("sent", "answers", "message"), [
    (None, {"panel_response_on": day(date(2025, 1, 20))},
     "Record the date the rapid review was sent to the Panel before the Panel's response"),
    (date(2025, 1, 15), {"panel_response_on": day(date(2025, 1, 14))},
     "Date of the Panel's response must be the same as or after the date the rapid review "
     "was sent to the Panel"),
    (date(2025, 1, 15), {"panel_response_on": day(date(2025, 1, 27))},
     "Date of the Panel's response must be today or in the past"),
    (date(2025, 1, 15), {"panel_info_requested_on": day(date(2025, 1, 20))},
     "Enter what further information the Panel asked for"),
    (date(2025, 1, 15), {"panel_info_requested": "Chronology",
                         "panel_info_requested_on": day(date(2025, 1, 20)),
                         "panel_info_supplied_on": day(date(2025, 1, 19))},
     "Date the further information was supplied must be the same as or after the date the "
     "Panel asked for it"),
    (date(2025, 1, 15), {"panel_info_supplied_on": day(date(2025, 1, 19))},
     "Enter the date the Panel asked for further information"),
])
def test_bad_panel_responses_are_refused(business_client, partnership, call, sent, answers,
                                         message):
    incident = notified(partnership, rapid_review_sent_on=sent)

    page = call(business_client, "reviews.panel_response", incident_id=incident.id,
                status=400, data={"version": str(incident.version), **answers})

    assert message in page.errors
    assert saved(incident).panel_response_on is None


def test_the_rapid_review_pages_answer_404_for_another_partnership(business_client,
                                                                   other_partnership, call):
    theirs = notified(other_partnership)

    for endpoint in ("reviews.rapid_review", "reviews.panel_response", "reviews.decision"):
        call(business_client, endpoint, incident_id=theirs.id, status=404)
