"""The home page's practice review panel for the business unit: overdue and due-soon
deadlines of serious incidents and reviews, and overdue actions of published reviews.

Read from the stored deadlines through the open-deadline index and from the open-actions
index, in a fixed number of queries whatever the number of incidents.
"""

from datetime import date, timedelta
from typing import NamedTuple

import sqlalchemy as sa
from flask import current_app, url_for

from reviews.models import DELAY_REASONS, PublicationDelay, ReviewAction, SeriousIncident
from tracker import deadline_service, deadlines
from tracker.deadline_models import Deadline
from tracker.extensions import db

TEMPLATE = "reviews/home/_panel.html"
# Deadlines due within this many calendar days count as due soon on the home page.
DUE_SOON_DAYS = 14
# Rows shown per section; the rest are counted up to COUNT_CAP (then "more than"), which keeps
# the home page as quick at 100,000 incidents as at 1,000, and reached from the lists.
SHOWN = 10
COUNT_CAP = 100


class HomeDeadline(NamedTuple):
    """One deadline as the panel lists it."""

    incident_id: int
    reference: str
    label: str
    due: date
    status: deadlines.DeadlineStatus
    delay_reason: str | None


class HomeAction(NamedTuple):
    """One overdue action as the panel lists it."""

    incident_id: int
    reference: str
    description: str
    agency: str
    due: date


class Section(NamedTuple):
    """The first rows and how many there are in all."""

    rows: list
    total: int
    capped: bool


def panel(user, today: date):
    """(template, context) of the practice review panel for `user` on `today`."""
    ids = sorted(user.partnership_ids)
    rules = deadline_service.load_rules(ids)
    effective = sa.func.coalesce(Deadline.extended_to, Deadline.due_date)
    horizon = today + timedelta(days=DUE_SOON_DAYS)
    overdue = _open(ids).where(Deadline.due_date < today, effective < today)
    # Read as a range of the open-deadline index: first due from today to the horizon, and
    # not extended beyond it. (One extended after its first date passed shows in the tracker
    # list's "due in the next 14 days", which reads the extended date.)
    soon = _open(ids).where(Deadline.due_date >= today, Deadline.due_date <= horizon,
                            effective <= horizon)
    return TEMPLATE, {
        "overdue": _deadlines(overdue, rules, today),
        "due_soon": _deadlines(soon, rules, today),
        "actions": _overdue_actions(ids, today),
        "days": DUE_SOON_DAYS,
        # The overdue actions list, when the actions pages offer one.
        "actions_url": (url_for("reviews.overdue_actions")
                        if "reviews.overdue_actions" in current_app.view_functions else None),
    }


def _open(partnership_ids):
    """A select() of open, unpaused deadlines of serious incidents, with the latest delay."""
    delay = (
        sa.select(PublicationDelay.reason)
        .where(PublicationDelay.incident_id == SeriousIncident.id)
        .order_by(PublicationDelay.recorded_on.desc(), PublicationDelay.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    return (
        sa.select(Deadline, SeriousIncident.id, SeriousIncident.reference,
                  delay.label("delay_reason"))
        .join(SeriousIncident, SeriousIncident.id == Deadline.owner_id)
        .where(
            Deadline.partnership_id.in_(partnership_ids),
            Deadline.owner_type == SeriousIncident.__tablename__,
            deadline_service.open_deadlines(),
            Deadline.paused_reason.is_(None),
        )
    )


def _capped_count(query, column) -> tuple[int, bool]:
    limited = query.with_only_columns(column).order_by(None).limit(COUNT_CAP + 1)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(limited.subquery()))
    return min(total, COUNT_CAP), total > COUNT_CAP


def _deadlines(query, rules, today) -> Section:
    """The first SHOWN deadlines, soonest due first, and the (capped) count: two queries.

    Ordered by the stored due date, as the open-deadline index runs, so the first rows are
    read without sorting every open deadline (an extended one sorts by its first date)."""
    ordered = query.order_by(Deadline.due_date, Deadline.id).limit(SHOWN)
    rows = [
        HomeDeadline(
            incident_id, reference, deadlines.get_rule(row.rule_key, row.edition).label,
            row.extended_to or row.due_date,
            deadline_service.status_of(row, today, rules.get(row.partnership_id)),
            DELAY_REASONS.get(reason, reason) if reason else None,
        )
        for row, incident_id, reference, reason in db.session.execute(ordered)
    ]
    return Section(rows, *_capped_count(query, Deadline.id))


def _overdue_actions(partnership_ids, today) -> Section:
    """Open actions past their due date, oldest first, and the (capped) count: two queries."""
    query = (
        sa.select(ReviewAction.incident_id, SeriousIncident.reference,
                  ReviewAction.description, ReviewAction.agency, ReviewAction.due_on)
        .join(SeriousIncident, SeriousIncident.id == ReviewAction.incident_id)
        .where(ReviewAction.partnership_id.in_(partnership_ids),
               ReviewAction.completed_on.is_(None), ReviewAction.due_on < today)
    )
    rows = [HomeAction(*found) for found in db.session.execute(
        query.order_by(ReviewAction.due_on, ReviewAction.id).limit(SHOWN))]
    return Section(rows, *_capped_count(query, ReviewAction.id))
