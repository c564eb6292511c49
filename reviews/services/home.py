"""The home page's practice review panels: the business unit's overdue actions, the open
serious incidents by stage, and the incident of each practice review deadline the home page
lists (tracker.dashboard shows the deadlines of every domain).

Read through the open-actions index and capped counts, in a fixed number of queries whatever
the number of incidents.
"""

from datetime import date
from typing import NamedTuple

import sqlalchemy as sa
from flask import current_app, url_for

from reviews.models import (
    DELAY_REASONS,
    STAGES,
    PublicationDelay,
    ReviewAction,
    SeriousIncident,
    YearlyReport,
)
from tracker import dashboard
from tracker.domains import DeadlineOwner
from tracker.extensions import db
from tracker.timeutil import format_date

TEMPLATE = "reviews/home/_panel.html"
# Rows shown per section; the rest are counted up to COUNT_CAP (then "more than"), which keeps
# the home page as quick at 100,000 incidents as at 1,000, and reached from the lists.
SHOWN = 10
COUNT_CAP = 100
INCIDENT = SeriousIncident.__tablename__
YEARLY = YearlyReport.__tablename__
# Stages in which nothing more is tracked: not counted among the open incidents.
CLOSED_STAGES = ("complete", "no_review")


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
    """(template, context) of what waits on the business unit: overdue actions."""
    ids = sorted(user.partnership_ids)
    return TEMPLATE, {
        "actions": _overdue_actions(ids, today),
        # The overdue actions list, when the actions pages offer one.
        "actions_url": (url_for("reviews.overdue_actions")
                        if "reviews.overdue_actions" in current_app.view_functions else None),
    }


def figures_panel(user, today: date):
    """(template, context) of the open serious incidents by stage (capped counts)."""
    ids = sorted(user.partnership_ids)
    if not ids:
        return None
    stages = [key for key in STAGES if key not in CLOSED_STAGES]
    # Counted off ix_serious_incident_partnership_stage alone on both databases (not through
    # the stage index with the partnership as an expression: PostgreSQL then read every
    # incident at that stage in every partnership to count the first hundred).
    counts = _capped_counts(*(sa.select(SeriousIncident.id).where(
        SeriousIncident.partnership_id.in_(ids), SeriousIncident.stage == key)
        for key in stages))
    return "reviews/home/_figures.html", {
        "stages": [(STAGES[key], count, url_for("reviews.tracker", stage=key))
                   for key, count in zip(stages, counts, strict=True)],
    }


# --- The incident of each practice review deadline on the home page (tracker.dashboard) -----


def describe_deadlines(keys) -> dict:
    """(owner_type, owner_id) -> DeadlineOwner for incidents and yearly reports: one query,
    whichever kinds the keys hold."""
    incident_ids = [owner_id for owner_type, owner_id in keys if owner_type == INCIDENT]
    report_ids = [owner_id for owner_type, owner_id in keys if owner_type == YEARLY]
    incidents = sa.select(sa.literal(INCIDENT), SeriousIncident.id, SeriousIncident.reference,
                          _latest_delay(), sa.null()).where(SeriousIncident.id.in_(incident_ids))
    reports = sa.select(sa.literal(YEARLY), YearlyReport.id, sa.null(), sa.null(),
                        YearlyReport.published_on).where(YearlyReport.id.in_(report_ids))
    found = {}
    for kind, owner_id, reference, reason, published_on in db.session.execute(
            sa.union_all(incidents, reports)):
        found[(kind, owner_id)] = _owner(kind, owner_id, reference, reason, published_on)
    return found


def _owner(kind, owner_id, reference, reason, published_on) -> DeadlineOwner:
    if kind == YEARLY:
        return DeadlineOwner(f"Yearly report of {format_date(published_on)}",
                             url_for("reviews.yearly_reports"))
    return DeadlineOwner(
        reference, url_for("reviews.incident", incident_id=owner_id),
        f"Publication delayed: {DELAY_REASONS.get(reason, reason)}" if reason else None)


def deadline_lists(user) -> dict[str, tuple[str, str]]:
    """The tracker list's views of the overdue and coming deadlines the home page lists."""
    return {"overdue": ("Practice reviews with an overdue deadline",
                        url_for("reviews.tracker", overdue="y")),
            "soon": ("Practice reviews with a deadline in the next 14 days",
                     url_for("reviews.tracker", due_soon="y"))}


def _latest_delay():
    """The reason of an incident's latest publication delay (a correlated subquery)."""
    return (
        sa.select(PublicationDelay.reason)
        .where(PublicationDelay.incident_id == SeriousIncident.id)
        .order_by(PublicationDelay.recorded_on.desc(), PublicationDelay.id.desc())
        .limit(1)
        .scalar_subquery()
    )


def _capped_count(query, column) -> tuple[int, bool]:
    [count] = _capped_counts(query.with_only_columns(column))
    return count


def _capped_counts(*queries) -> list[tuple[int, bool]]:
    """(count, capped) of each select(), counting no further than COUNT_CAP + 1: one query."""
    counts = [sa.select(sa.func.count()).select_from(
        query.order_by(None).limit(COUNT_CAP + 1).subquery()).scalar_subquery()
        for query in queries]
    totals = db.session.execute(sa.select(*counts)).one()
    return [(min(total, COUNT_CAP), total > COUNT_CAP) for total in totals]


def _overdue_actions(partnership_ids, today) -> Section:
    """Open actions past their due date, oldest first, and the (capped) count: two queries.

    The first ten are read in order off ix_reviews_action_open_due per partnership
    (tracker.dashboard.first_in_order): PostgreSQL, given every partnership at once or an
    index without the id, joined and sorted every overdue action (60 ms at 100,000 cases)."""
    query = (
        sa.select(ReviewAction.incident_id, SeriousIncident.reference,
                  ReviewAction.description, ReviewAction.agency, ReviewAction.due_on,
                  ReviewAction.id)
        .join(SeriousIncident, SeriousIncident.id == ReviewAction.incident_id)
        .where(ReviewAction.completed_on.is_(None), ReviewAction.due_on < today)
    )
    first = dashboard.first_in_order(query, ReviewAction.partnership_id, partnership_ids,
                                     (ReviewAction.due_on, ReviewAction.id), SHOWN)
    rows = [HomeAction(*found[:-1]) for found in db.session.execute(first)]
    return Section(rows, *_capped_count(
        query.where(ReviewAction.partnership_id.in_(partnership_ids)), ReviewAction.id))
