"""Everything the review page shows, in a fixed number of queries."""

from datetime import date
from typing import NamedTuple

import sqlalchemy as sa

from reviews.services import actions, local_review, requests_for_information, stages
from reviews.services.access import child_of
from tracker import deadline_pause, deadline_service, deadlines, timeline
from tracker.accounts import name_of
from tracker.deadline_models import Deadline
from tracker.extensions import db


class DeadlineRow(NamedTuple):
    """A stored deadline as the review page lists it."""

    deadline: Deadline
    label: str
    duty_label: str
    inferred: bool
    status: deadlines.DeadlineStatus
    # Whether a user who may edit the review may pause it (or change why it is paused), and
    # resume it (tracker.deadline_pause).
    pausable: bool = False
    resumable: bool = False


class ReviewPage(NamedTuple):
    """What the review page needs."""

    incident: object
    child: object
    deadlines: list[DeadlineRow]
    timeline: list
    # The local review (reviewers, requests, publication) and the recommendations and
    # actions: None unless a local or national review was decided.
    local_review: object = None
    actions: object = None
    tasks: list = ()
    # The name of the case owner, who gets the review's reminders.
    owner: str | None = None
    # The requests for information to agencies, sent as personal links or recorded by hand
    # (reviews.services.requests_for_information.Section).
    requests: object = None


# A review in these stages takes no new pause (reviews.views.deadlines refuses it too).
CLOSED_STAGES = ("complete", "no_review")


def incident_deadlines(incident, today: date) -> list[DeadlineRow]:
    """The incident's stored deadlines by due date, with their status (two queries)."""
    rows = db.session.scalars(
        sa.select(Deadline)
        .where(Deadline.owner_type == "serious_incident", Deadline.owner_id == incident.id)
        .order_by(Deadline.due_date, Deadline.rule_key)
    ).all()
    rules = deadline_service.load_rules([incident.partnership_id]).get(incident.partnership_id)
    found = []
    for row in rows:
        rule = deadlines.get_rule(row.rule_key, row.edition)
        found.append(DeadlineRow(row, rule.label, rule.duty_label, rule.inferred,
                                 deadline_service.status_of(row, today, rules),
                                 incident.stage not in CLOSED_STAGES
                                 and deadline_pause.pausable(row, today),
                                 deadline_pause.can_resume(row)))
    return found


def load(incident, today: date) -> ReviewPage:
    """The review page's data."""
    rows = incident_deadlines(incident, today)
    reviewed = incident.decision in ("local", "national")
    actions_section = actions.section(incident, today) if reviewed else None
    return ReviewPage(
        incident=incident,
        child=child_of(incident),
        deadlines=rows,
        timeline=timeline.entries(incident),
        local_review=local_review.section(incident, rows),
        actions=actions_section,
        tasks=stages.tasks(incident, actions_section),
        owner=name_of(incident.owner_id),
        requests=requests_for_information.section(incident, today),
    )
