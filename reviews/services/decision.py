"""The decision after the rapid review: a local child safeguarding practice review, a
national review by the Panel, or no review. Its date starts the six-month publication clock
(`cspr_publication` or `national_publication`); a rapid review that becomes a local review is
marked converted.
"""

from datetime import date

import sqlalchemy as sa

from reviews.models import DECISIONS, Reviewer
from reviews.services.incidents import advance, check, not_before, not_future
from tracker import deadline_service, timeline
from tracker.extensions import db

FIELDS = ("decision", "decision_on", "panel_decision_on", "decision_rationale", "family_told",
          "family_told_on", "decision_informed_on", "decision_ofsted_told_on",
          "decision_dfe_told_on")
# Who is told of the decision on a local review, and the date each was told.
TOLD_OF_DECISION = (("decision_informed_on", "Date the Panel was told"),
                    ("decision_ofsted_told_on", "Date Ofsted was told"),
                    ("decision_dfe_told_on", "Date the Department for Education was told"))
# Stages the decision may move an incident out of (never back from a published review).
_BEFORE_REVIEW = {"notified", "rapid_review", "decision", "review", "no_review"}


def reviewer_names(incident) -> list[str]:
    """The names of the reviewers commissioned for the incident's review (one query)."""
    return db.session.scalars(
        sa.select(Reviewer.name).where(Reviewer.incident_id == incident.id)
        .order_by(Reviewer.id)
    ).all()


def is_converted(incident, decision) -> bool:
    """A rapid review sent to the Panel that became a local review."""
    return decision == "local" and incident.rapid_review_sent_on is not None


def problems_of(incident, values: dict, today: date) -> dict[str, str]:
    """{field: message} for dates of the decision that cannot be right."""
    problems = {}
    decided = values.get("decision_on")
    if not_future(problems, "decision_on", decided, "Date of the decision", today):
        not_before(problems, "decision_on", decided, "Date of the decision",
                   incident.la_aware_on, "the date the local authority became aware")
    for field, label in (("family_told_on", "Date the family was told"), *TOLD_OF_DECISION):
        if not_future(problems, field, values.get(field), label, today):
            not_before(problems, field, values.get(field), label, decided,
                       "the date of the decision")
    label = "Date the Panel decided to carry out a national review"
    if values.get("decision") == "national" and values.get("panel_decision_on") is None:
        problems.setdefault("panel_decision_on", "Enter the date the Panel decided to carry "
                            "out a national review")
    elif not_future(problems, "panel_decision_on", values.get("panel_decision_on"), label,
                    today):
        not_before(problems, "panel_decision_on", values.get("panel_decision_on"), label,
                   incident.la_aware_on, "the date the local authority became aware")
    if values.get("family_told") and values.get("family_told_on") is None:
        problems.setdefault("family_told_on", "Enter the date the family was told")
    return problems


def record(incident, values: dict, today: date) -> list[str]:
    """Record the decision; returns the names of what changed (no commit)."""
    check(problems_of(incident, values, today))
    values = dict(values)
    if not values.get("family_told"):
        values["family_told_on"] = None
    if values.get("decision") != "local":
        for field, _label in TOLD_OF_DECISION:
            values[field] = None
    if values.get("decision") != "national":
        values["panel_decision_on"] = None
    changed = [name for name in FIELDS if getattr(incident, name) != values.get(name)]
    for name in changed:
        setattr(incident, name, values.get(name))
    converted = is_converted(incident, incident.decision)
    if converted != incident.converted:
        incident.converted = converted
        changed.append("converted")
    if not changed:
        return []
    _move_stage(incident)
    if "decision" in changed or "decision_on" in changed or "panel_decision_on" in changed:
        words = DECISIONS[incident.decision].lower()
        if converted:
            words += " (the rapid review was converted to a local review)"
        timeline.add(incident, "decision", f"Decision: {words}",
                     happened_on=incident.decision_on)
    else:
        timeline.add(incident, "decision", "Decision details changed", happened_on=today)
    deadline_service.sync_case(incident)
    return changed


def _move_stage(incident) -> None:
    """Under way for a local or national review, no review otherwise; a published review
    keeps its stage."""
    if incident.stage not in _BEFORE_REVIEW:
        return
    if incident.decision == "none":
        incident.stage = "no_review"
    else:
        incident.stage = "decision"
        advance(incident, "review")
