"""Recommendations of a review's final report, the actions that carry them out (owning
agency, named lead, due date, status, evidence of completion) and their dated progress
updates; how many recommendations are complete; open actions past due across reviews.

Plain functions taking `today`; none commits.
"""

from datetime import date
from typing import NamedTuple

import sqlalchemy as sa
from flask import abort

from reviews.models import ActionUpdate, Recommendation, ReviewAction, SeriousIncident
from reviews.services.incidents import Problems, check, not_future
from tracker import timeline
from tracker.accounts import accounts_of, choices
from tracker.extensions import db
from tracker.models import User
from tracker.roles import Permission
from tracker.timeutil import format_date

ACTION_FIELDS = ("description", "agency", "lead", "due_on", "status", "evidence",
                 "completed_on", "owner_user_id")
_AFTER_PUBLICATION = ("published", "actions", "complete")


def reviewed(incident) -> None:
    """404 unless a local or national review was decided: only a review has recommendations."""
    if incident.decision not in ("local", "national"):
        abort(404)


# --- Recommendations -------------------------------------------------------------------------


def recommendation_or_404(incident, recommendation_id: int) -> Recommendation:
    """One of the incident's recommendations, or 404."""
    found = db.session.scalar(sa.select(Recommendation).where(
        Recommendation.id == recommendation_id, Recommendation.incident_id == incident.id))
    if found is None:
        abort(404)
    return found


def next_number(incident) -> int:
    """The number the next recommendation would take."""
    highest = db.session.scalar(sa.select(sa.func.max(Recommendation.number))
                                .where(Recommendation.incident_id == incident.id))
    return (highest or 0) + 1


def save_recommendation(incident, recommendation: Recommendation | None, number: int,
                        text: str) -> Recommendation:
    """Add a recommendation (None) or change one; numbers are unique within a review."""
    taken = db.session.scalar(sa.select(Recommendation.id).where(
        Recommendation.incident_id == incident.id, Recommendation.number == number,
        Recommendation.id != (recommendation.id if recommendation else -1)))
    if taken is not None:
        raise Problems({"number": f"Recommendation {number} already exists: enter another "
                                  "number"})
    if recommendation is None:
        recommendation = Recommendation(incident_id=incident.id,
                                        partnership_id=incident.partnership_id)
        db.session.add(recommendation)
        words = "added"
    elif (recommendation.number, recommendation.text) != (number, text):
        words = "changed"
    else:
        return recommendation
    recommendation.number, recommendation.text = number, text
    timeline.add(incident, "recommendation", f"Recommendation {number} {words}")
    return recommendation


# --- Actions ---------------------------------------------------------------------------------


def action_or_404(incident, action_id: int) -> ReviewAction:
    """One of the incident's actions, or 404."""
    found = db.session.scalar(sa.select(ReviewAction).where(
        ReviewAction.id == action_id, ReviewAction.incident_id == incident.id))
    if found is None:
        abort(404)
    return found


def action_problems(values: dict, today: date) -> dict[str, str]:
    """{field: message} for an action that cannot be saved as it is."""
    problems = {}
    if values.get("status") == "complete":
        if not values.get("evidence"):
            problems["evidence"] = "Enter the evidence that the action is complete"
        if values.get("completed_on") is None:
            problems["completed_on"] = "Enter the date the action was completed"
    elif values.get("completed_on") is not None:
        problems["status"] = "Select complete, or remove the completion date"
    not_future(problems, "completed_on", values.get("completed_on"), "Completion date", today)
    return problems


def save_action(incident, recommendation: Recommendation | None, action: ReviewAction | None,
                values: dict, today: date) -> ReviewAction:
    """Add an action to a recommendation (action None) or change one. Raises Problems."""
    problems = action_problems(values, today)
    chosen = values.get("owner_user_id")
    if chosen not in (None, getattr(action, "owner_user_id", None)) and (
            chosen not in dict(reminder_accounts(incident))):
        problems["owner_user_id"] = "Select an account from the list"
    check(problems)
    was_complete = action is not None and action.status == "complete"
    if action is None:
        action = ReviewAction(incident_id=incident.id, recommendation_id=recommendation.id,
                              partnership_id=incident.partnership_id)
        db.session.add(action)
    changed = [name for name in ACTION_FIELDS if getattr(action, name) != values.get(name)]
    for name in changed:
        setattr(action, name, values.get(name))
    if action.id is None:
        timeline.add(incident, "action", f"Action added for {action.agency}, due "
                     f"{format_date(action.due_on)}", happened_on=today)
    elif action.status == "complete" and not was_complete:
        timeline.add(incident, "action", f"Action for {action.agency} completed",
                     happened_on=action.completed_on)
    elif changed:
        timeline.add(incident, "action", f"Action for {action.agency} changed",
                     happened_on=today)
    db.session.flush()
    update_stage(incident)
    return action


def add_update(incident, action: ReviewAction, update_on: date, text: str,
               today: date) -> ActionUpdate:
    """A dated progress update on an action. Raises Problems for a future date."""
    problems = {}
    not_future(problems, "update_on", update_on, "Date of the update", today)
    check(problems)
    update = ActionUpdate(action_id=action.id, partnership_id=incident.partnership_id,
                          update_on=update_on, text=text)
    db.session.add(update)
    timeline.add(incident, "action", f"Progress update on the action for {action.agency}",
                 happened_on=update_on)
    return update


def reminder_accounts(incident) -> list[tuple[int, str]]:
    """The accounts an action may remind: active users of the incident's partnership who may
    act on practice reviews (one query); a read-only auditor is not one."""
    return choices(accounts_of(incident.partnership_id, permission=Permission.EDIT_REVIEWS))


def updates_of(action: ReviewAction) -> list[ActionUpdate]:
    """An action's progress updates, newest first (one query)."""
    return db.session.scalars(
        sa.select(ActionUpdate).where(ActionUpdate.action_id == action.id)
        .order_by(ActionUpdate.update_on.desc(), ActionUpdate.id.desc())).all()


def update_stage(incident) -> None:
    """After publication: actions under way, or complete once every recommendation is."""
    if incident.stage not in _AFTER_PUBLICATION:
        return
    done, total = complete_count(incident)
    incident.stage = "complete" if total and done == total else "actions"


# --- What the pages show ---------------------------------------------------------------------


class ActionRow(NamedTuple):
    """An action with its updates, whether it is overdue, and the account it reminds."""

    action: ReviewAction
    updates: list[ActionUpdate]
    overdue: bool
    reminded: str | None = None


class RecommendationRow(NamedTuple):
    """A recommendation with its actions, complete when it has actions and all are."""

    recommendation: Recommendation
    actions: list[ActionRow]
    complete: bool


class ActionsSection(NamedTuple):
    """The review page's recommendations and actions."""

    recommendations: list[RecommendationRow]
    complete: int
    total: int


def is_overdue(action: ReviewAction, today: date) -> bool:
    """Open and past its due date."""
    return action.completed_on is None and action.due_on < today


def section(incident, today: date) -> ActionsSection:
    """Every recommendation, action and update of the incident, in three queries."""
    recommendations = db.session.scalars(
        sa.select(Recommendation).where(Recommendation.incident_id == incident.id)
        .order_by(Recommendation.number, Recommendation.id)).all()
    actions = db.session.execute(
        sa.select(ReviewAction, User.full_name)
        .outerjoin(User, User.id == ReviewAction.owner_user_id)
        .where(ReviewAction.incident_id == incident.id)
        .order_by(ReviewAction.due_on, ReviewAction.id)).all()
    updates = db.session.scalars(
        sa.select(ActionUpdate)
        .join(ReviewAction, ReviewAction.id == ActionUpdate.action_id)
        .where(ReviewAction.incident_id == incident.id)
        .order_by(ActionUpdate.update_on.desc(), ActionUpdate.id.desc())).all()
    updates_by_action: dict[int, list] = {}
    for update in updates:
        updates_by_action.setdefault(update.action_id, []).append(update)
    by_recommendation: dict[int, list] = {}
    for action, reminded in actions:
        by_recommendation.setdefault(action.recommendation_id, []).append(
            ActionRow(action, updates_by_action.get(action.id, []), is_overdue(action, today),
                      reminded))
    rows = []
    for recommendation in recommendations:
        its = by_recommendation.get(recommendation.id, [])
        done = bool(its) and all(row.action.status == "complete" for row in its)
        rows.append(RecommendationRow(recommendation, its, done))
    return ActionsSection(rows, sum(row.complete for row in rows), len(rows))


def complete_count(incident) -> tuple[int, int]:
    """(recommendations complete, recommendations) of an incident, in one query."""
    total_actions = (
        sa.select(sa.func.count(ReviewAction.id))
        .where(ReviewAction.recommendation_id == Recommendation.id)
        .correlate(Recommendation).scalar_subquery()
    )
    done_actions = (
        sa.select(sa.func.count(ReviewAction.id))
        .where(ReviewAction.recommendation_id == Recommendation.id,
               ReviewAction.status == "complete")
        .correlate(Recommendation).scalar_subquery()
    )
    rows = db.session.execute(
        sa.select(total_actions, done_actions).where(Recommendation.incident_id == incident.id)
    ).all()
    return sum(1 for total, done in rows if total and total == done), len(rows)


# --- Overdue actions across reviews ----------------------------------------------------------


class OverdueRow(NamedTuple):
    """An open action past due, with its review's reference and how late it is."""

    action: ReviewAction
    reference: str
    days_overdue: int


def overdue_query(partnership_ids, today: date):
    """Open actions past due in these partnerships, oldest due first (uses
    ix_reviews_action_open_due)."""
    return (
        sa.select(ReviewAction)
        .where(ReviewAction.partnership_id.in_(list(partnership_ids)),
               ReviewAction.completed_on.is_(None), ReviewAction.due_on < today)
        .order_by(ReviewAction.due_on, ReviewAction.id)
    )


def overdue_rows(actions, today: date) -> list[OverdueRow]:
    """A page of overdue actions with their reviews' references (one query) and the days
    each is overdue."""
    ids = {action.incident_id for action in actions}
    references = dict(db.session.execute(
        sa.select(SeriousIncident.id, SeriousIncident.reference)
        .where(SeriousIncident.id.in_(ids))).all())
    return [OverdueRow(action, references[action.incident_id], (today - action.due_on).days)
            for action in actions]
