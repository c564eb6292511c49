"""The outcome of a case's review at a CDOP meeting: its confirmed analysis recorded at a
meeting that has taken place with the case on its agenda, which closes the case; reopening
a closed case; and the case page's CDOP section (meetings, outcome, actions). Functions that
depend on the date take `today`.
"""

from datetime import date
from typing import NamedTuple

import sqlalchemy as sa
from flask_login import current_user

from cdr.models import CATEGORIES, CONFIRMED_ANALYSIS, MODIFIABLE, PanelItem, PanelMeeting
from cdr.services import analysis, request_links, timeline
from cdr.services.panel import is_ready, meeting_title, review_meeting_refusal
from cdr.services.panel_actions import ActionRow, actions
from tracker import audit, deadline_service
from tracker.extensions import db
from tracker.roles import Permission
from tracker.timeutil import format_date


class PanelSection(NamedTuple):
    """What the case page's panel section shows."""

    meetings: list[PanelMeeting]
    actions: list[ActionRow]
    outcome_labels: dict
    ready: bool
    may_edit: bool
    outcome_meeting: PanelMeeting | None = None
    analysis: tuple | list = ()


class OutcomeRefused(Exception):
    """An outcome that cannot be recorded as it is: the message and the field it is about."""

    def __init__(self, message: str, field: str):
        super().__init__(message)
        self.field = field


def outcome_labels(case) -> dict:
    """The outcome's category and modifiable-factors answer as users read them."""
    return {"category": CATEGORIES.get(case.category or ""),
            "modifiable": MODIFIABLE.get(case.modifiable_factors or "")}


def held_meetings(case, today: date) -> list[PanelMeeting]:
    """The CDOP meetings of the case's partnership that had the case on their agenda and
    have taken place (dated today or before), latest first: where its review can complete."""
    return db.session.scalars(
        sa.select(PanelMeeting).join(PanelItem, PanelItem.meeting_id == PanelMeeting.id)
        .where(PanelItem.case_id == case.id, PanelItem.partnership_id == case.partnership_id,
               PanelMeeting.meeting_on <= today)
        .order_by(PanelMeeting.meeting_on.desc(), PanelMeeting.id.desc())
    ).all()


def outcome_meeting(case) -> PanelMeeting | None:
    """The CDOP meeting at which the case's review was completed, if recorded."""
    if case.outcome_meeting_id is None:
        return None
    return db.session.get(PanelMeeting, case.outcome_meeting_id)


def _check_outcome(case, meeting_id, review_completed_on: date, today: date) -> PanelMeeting:
    """The held CDOP meeting `meeting_id` of the case, or OutcomeRefused saying why not; and
    OutcomeRefused for a review completed before that meeting took place."""
    meeting = next((m for m in held_meetings(case, today) if m.id == meeting_id), None)
    if meeting is None:
        raise OutcomeRefused("Select a CDOP meeting that has taken place with this case on its "
                             "agenda: the outcome is recorded at a CDOP meeting that has taken "
                             "place", "outcome_meeting")
    refusal = review_meeting_refusal(meeting, case.review_meeting_on)
    if refusal:
        raise OutcomeRefused(refusal, "outcome_meeting")
    if review_completed_on < meeting.meeting_on:
        raise OutcomeRefused(
            "Date the review was completed must be on or after the date of the CDOP meeting "
            f"it was completed at ({format_date(meeting.meeting_on)}): a review is completed at "
            "a CDOP meeting, never before it", "review_completed_on")
    return meeting


def record_outcome(case, *, meeting_id: int, review_completed_on: date, today: date,
                   **answers) -> None:
    """Record the CDOP meeting's confirmed analysis (keyword arguments named by the columns
    of CONFIRMED_ANALYSIS) and close the case on the day the review was completed (no
    commit). OutcomeRefused, changing nothing, unless `meeting_id` is a CDOP meeting that has
    taken place with the case on its agenda and the review was completed on or after its
    date. The form has checked the values against `today` and the date of death."""
    meeting = _check_outcome(case, meeting_id, review_completed_on, today)
    for column in CONFIRMED_ANALYSIS.values():
        if column in answers:
            setattr(case, column, answers[column] or None)
    case.outcome_meeting_id = meeting.id
    case.review_completed_on = review_completed_on
    case.closed_on = review_completed_on
    case.stage = "closed"
    # A closed review asks no agency for anything more: its live links stop.
    request_links.revoke_case_links(case, "case closed")
    deadline_service.sync_case(case)
    timeline.add(case, "closed",
                 f"CDOP panel review completed at the {meeting_title(meeting)} "
                 f"({CATEGORIES[case.category]}; modifiable factors: "
                 f"{MODIFIABLE[case.modifiable_factors].lower()}). Case closed.",
                 happened_on=review_completed_on)


def reopen(case, reason: str, today: date) -> None:
    """Reopen a closed case with the reason, audited and on the timeline (no commit)."""
    closed_on = case.closed_on
    case.closed_on = None
    case.review_completed_on = None
    case.outcome_meeting_id = None
    case.stage = "panel" if case.review_meeting_on is not None else "review_meeting"
    deadline_service.sync_case(case)
    audit.record(audit.Action.UPDATE, case,
                 detail=f"Reopened (closed on {format_date(closed_on)})", reason=reason)
    timeline.add(case, "reopened", f"Case reopened. Reason: {reason}", happened_on=today)


# --- The case page's section -------------------------------------------------------------

def case_section(case, today: date) -> PanelSection:
    """The meetings the case is on, its outcome's labels, and its actions (two queries)."""
    meetings = db.session.scalars(
        sa.select(PanelMeeting).join(PanelItem, PanelItem.meeting_id == PanelMeeting.id)
        .where(PanelItem.case_id == case.id, PanelItem.partnership_id == case.partnership_id)
        .order_by(PanelMeeting.meeting_on, PanelMeeting.id)
    ).all()
    return PanelSection(
        meetings=meetings,
        actions=actions(case, today),
        outcome_labels=outcome_labels(case),
        ready=is_ready(case),
        may_edit=current_user.can(Permission.EDIT_CDR_CASES),
        outcome_meeting=next((m for m in meetings if m.id == case.outcome_meeting_id), None),
        analysis=analysis.compared(case),
    )
