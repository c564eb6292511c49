"""The rapid review: its meetings, what it found and recommended, the date it went to the
Panel (which meets the `rapid_review` deadline, set by Panel guidance), and the Panel's
response.
"""

from datetime import date

import sqlalchemy as sa

from reviews.models import RECOMMENDATIONS, RapidReviewMeeting
from reviews.services.incidents import Problems, advance, check, not_before, not_future
from tracker import deadline_service, timeline
from tracker.extensions import db

DETAIL_FIELDS = ("rr_participants", "rr_agencies", "rr_facts", "rr_safety_actions",
                 "rr_learning", "rr_recommendation", "rr_rationale", "rapid_review_sent_on")
RESPONSE_FIELDS = ("panel_response_on", "panel_national_review", "panel_info_requested",
                   "panel_info_requested_on", "panel_info_supplied_on")
_AWARE = "the date the local authority became aware"


def meetings_of(incident) -> list[RapidReviewMeeting]:
    """The rapid review's meetings, earliest first (one query)."""
    return db.session.scalars(
        sa.select(RapidReviewMeeting)
        .where(RapidReviewMeeting.incident_id == incident.id)
        .order_by(RapidReviewMeeting.meeting_on, RapidReviewMeeting.id)
    ).all()


def add_meeting(incident, meeting_on: date) -> RapidReviewMeeting:
    """Add a meeting of the rapid review (a planned one may be in the future). No commit."""
    problems = {}
    not_before(problems, "meeting_on", meeting_on, "Meeting date", incident.la_aware_on, _AWARE)
    check(problems)
    meeting = RapidReviewMeeting(incident_id=incident.id, partnership_id=incident.partnership_id,
                                 meeting_on=meeting_on)
    db.session.add(meeting)
    advance(incident, "rapid_review")
    timeline.add(incident, "rapid_review", "Rapid review meeting added", happened_on=meeting_on)
    return meeting


def remove_meeting(incident, meeting_id: int) -> RapidReviewMeeting | None:
    """Remove one of the incident's meetings (None when it has no such meeting). No commit."""
    meeting = db.session.scalar(
        sa.select(RapidReviewMeeting)
        .where(RapidReviewMeeting.id == meeting_id, RapidReviewMeeting.incident_id == incident.id)
    )
    if meeting is not None:
        db.session.delete(meeting)
        timeline.add(incident, "rapid_review", "Rapid review meeting removed",
                     happened_on=meeting.meeting_on)
    return meeting


def save_details(incident, values: dict, today: date) -> list[str]:
    """Save what the rapid review found and recommended, and when it went to the Panel.
    Returns what changed, in words (no commit)."""
    problems = {}
    sent = values.get("rapid_review_sent_on")
    label = "Date the rapid review was sent to the Panel"
    if not_future(problems, "rapid_review_sent_on", sent, label, today):
        not_before(problems, "rapid_review_sent_on", sent, label, incident.la_aware_on, _AWARE)
    if values.get("rr_recommendation") and not values.get("rr_rationale"):
        problems["rr_rationale"] = "Enter the rationale for the recommendation"
    if sent is not None and not values.get("rr_recommendation"):
        problems["rr_recommendation"] = ("Select the partnership's recommendation: it goes to "
                                         "the Panel with the rapid review")
    check(problems)
    was_sent = incident.rapid_review_sent_on
    changed = _assign(incident, {name: values.get(name) for name in DETAIL_FIELDS})
    if not changed:
        return []
    advance(incident, "rapid_review")
    if sent is not None:
        advance(incident, "decision")
    if sent is not None and sent != was_sent:
        recommended = RECOMMENDATIONS[incident.rr_recommendation].lower()
        timeline.add(incident, "rapid_review",
                     f"Rapid review sent to the Panel, recommending {recommended}",
                     happened_on=sent)
    else:
        timeline.add(incident, "rapid_review", "Rapid review details saved", happened_on=today)
    deadline_service.sync_case(incident)
    return changed


def save_response(incident, values: dict, today: date) -> list[str]:
    """Save the Panel's response to the rapid review. Returns what changed (no commit)."""
    problems = {}
    sent = incident.rapid_review_sent_on
    dates = (("panel_response_on", "Date of the Panel's response", sent,
              "the date the rapid review was sent to the Panel"),
             ("panel_info_requested_on", "Date the Panel asked for further information", sent,
              "the date the rapid review was sent to the Panel"),
             ("panel_info_supplied_on", "Date the further information was supplied",
              values.get("panel_info_requested_on"),
              "the date the Panel asked for it"))
    for field, label, earliest, words in dates:
        if not_future(problems, field, values.get(field), label, today):
            not_before(problems, field, values.get(field), label, earliest, words)
    if sent is None and values.get("panel_response_on") is not None:
        problems["panel_response_on"] = ("Record the date the rapid review was sent to the "
                                         "Panel before the Panel's response")
    if values.get("panel_info_requested_on") and not values.get("panel_info_requested"):
        problems["panel_info_requested"] = "Enter what further information the Panel asked for"
    if values.get("panel_info_supplied_on") and not values.get("panel_info_requested_on"):
        problems["panel_info_requested_on"] = ("Enter the date the Panel asked for further "
                                               "information")
    check(problems)
    changed = _assign(incident, {name: values.get(name) for name in RESPONSE_FIELDS})
    if changed:
        national = {True: ": it will undertake a national review",
                    False: ": it will not undertake a national review"}.get(
                        incident.panel_national_review, "")
        timeline.add(incident, "panel_response", f"Panel's response recorded{national}",
                     happened_on=incident.panel_response_on or today)
    return changed


def _assign(incident, values) -> list[str]:
    """Set the changed columns; their names, as words."""
    changed = []
    for name, value in values.items():
        if getattr(incident, name) != value:
            setattr(incident, name, value)
            changed.append(name.removeprefix("rr_").replace("_", " "))
    return changed


__all__ = ["Problems", "add_meeting", "meetings_of", "remove_meeting", "save_details",
           "save_response"]
