"""The tracker list: every serious incident and review of the user's partnerships, with
filters, sort and pages.

`tracker_list` issues a fixed number of queries whatever the number of incidents: a capped
count, the partnerships' calendar settings, then one query for the page with each incident's
next open deadline and the reason of its latest publication delay.
"""

import math
from dataclasses import dataclass
from datetime import date, timedelta
from typing import NamedTuple

import sqlalchemy as sa

from reviews.models import (
    DECISIONS,
    DELAY_REASONS,
    NOT_NOTIFIABLE_REASON,
    STAGES,
    PublicationDelay,
    Reviewer,
    SeriousIncident,
)
from tracker import deadline_service, deadlines, overdue_owners
from tracker.deadline_models import Deadline
from tracker.extensions import db

# Rows are counted only up to this many; past it the list says "more than".
COUNT_CAP = 10_000
# Far beyond any real list, and small enough that the OFFSET never overflows.
_MAX_PAGE = 1_000_000
# "Due soon" on this list: due in the next this many calendar days.
DUE_WITHIN_DAYS = 14
SORTS = {"la_aware_on": "Date aware", "reference": "Reference", "stage": "Stage"}
OWNER = SeriousIncident.__tablename__


@dataclass(frozen=True)
class TrackerFilters:
    """What the user asked the list for; empty values filter nothing."""

    stage: str | None = None
    overdue: bool = False
    due_soon: bool = False
    decision: str | None = None
    reviewer: str = ""
    converted: bool | None = None
    sort: str = "la_aware_on"
    descending: bool = True


class NextDeadline(NamedTuple):
    """An incident's soonest open deadline."""

    label: str
    due: date
    status: deadlines.DeadlineStatus


class TrackerRow(NamedTuple):
    """One incident as the list shows it."""

    id: int
    reference: str
    child_reference: str
    child_died: bool
    la_aware_on: date
    stage_label: str
    decision_label: str | None
    converted: bool
    next_deadline: NextDeadline | None
    delay_reason: str | None
    # Why the incident is not notifiable to the Panel (None when it is).
    not_notifiable_reason: str | None = None


class TrackerList(NamedTuple):
    """One page of the list."""

    rows: list[TrackerRow]
    total: int
    capped: bool
    page: int
    pages: int
    per_page: int


def filtered_incidents(filters: TrackerFilters, partnership_ids, today: date):
    """A select() of the incidents of these partnerships that match the filters."""
    incident = SeriousIncident
    ids = list(partnership_ids)
    conditions = [incident.partnership_id.in_(ids)]
    if filters.stage:
        conditions.append(incident.stage == filters.stage)
    if filters.decision == "undecided":
        conditions.append(incident.decision.is_(None))
    elif filters.decision:
        conditions.append(incident.decision == filters.decision)
    if filters.converted is not None:
        conditions.append(incident.converted.is_(filters.converted))
    if filters.reviewer:
        conditions.append(sa.exists().where(
            Reviewer.incident_id == incident.id,
            Reviewer.name.ilike(f"%{_escape(filters.reviewer)}%", escape="\\")))
    if filters.overdue:
        # The figure the database keeps on each incident (reviews.incident_due), held by the
        # list's indexes: read in list order to the page without reading a deadline.
        conditions.append(incident.overdue_from < today)
    if filters.due_soon:
        conditions.append(incident.id.in_(_with_deadline("due_soon", ids, today)))
    return sa.select(incident).where(*conditions)


def _with_deadline(which, partnership_ids, today):
    """The ids of incidents with an open deadline due in the next 14 days, read from the
    overdue-deadline index alone (tracker.overdue_owners) by partnership and due date."""
    horizon = today + timedelta(days=DUE_WITHIN_DAYS)
    # A range of the index: first due from today to the horizon, and not extended beyond it
    # (as on the home page).
    return sa.select(Deadline.owner_id).where(
        overdue_owners.open_unpaused(OWNER, partnership_ids),
        Deadline.due_date >= today, Deadline.due_date <= horizon,
        sa.func.coalesce(Deadline.extended_to, Deadline.due_date) <= horizon)


def tracker_list(filters: TrackerFilters, partnership_ids, page: int, today: date,
                 per_page: int = 50) -> TrackerList:
    """The page of matching incidents the user asked for (one that exists), with the count."""
    ids = sorted(partnership_ids)
    query = filtered_incidents(filters, ids, today)
    matched = _matched_ids(query, filters)
    counted = len(matched) if matched is not None else db.session.scalar(
        sa.select(sa.func.count()).select_from(
            query.with_only_columns(SeriousIncident.id).limit(COUNT_CAP + 1).subquery()))
    capped = counted > COUNT_CAP
    total = COUNT_CAP if capped else counted
    pages = max(math.ceil(total / per_page), 1)
    page = min(max(page, 1), pages, _MAX_PAGE)
    rules = deadline_service.load_rules(ids)
    offset = (page - 1) * per_page
    if matched is not None:
        query = sa.select(SeriousIncident).where(
            SeriousIncident.id.in_(matched[offset:offset + per_page]))
        offset = 0
    rows = _page_rows(query, filters, offset, per_page, rules, today)
    return TrackerList(rows, total, capped, page, pages, per_page)


def _matched_ids(query, filters):
    """With a deadline filter, the ids of every matching incident in list order (up to one
    past the cap), else None.

    Matching against the deadlines is the costly part of such a list, so it is done once,
    for the count and the page together, rather than once to count and again for the page.
    """
    if not (filters.overdue or filters.due_soon):
        return None
    sort = filters.sort if filters.sort in SORTS else "la_aware_on"
    return db.session.scalars(
        query.with_only_columns(SeriousIncident.id)
        .order_by(*_order(SeriousIncident, sort, filters.descending))
        .limit(COUNT_CAP + 1)
    ).all()


def _escape(text):
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _open_deadlines_of(incident_id):
    """A where-clause for an incident's open, unpaused deadlines that have a due date."""
    return sa.and_(Deadline.owner_type == OWNER, Deadline.owner_id == incident_id,
                   deadline_service.open_deadlines(), Deadline.paused_reason.is_(None),
                   Deadline.due_date.is_not(None))


def _next_deadline_id(page):
    """The id of the page row's soonest open deadline (a correlated scalar subquery)."""
    return (
        sa.select(Deadline.id)
        .where(_open_deadlines_of(page.c.id))
        .order_by(sa.func.coalesce(Deadline.extended_to, Deadline.due_date), Deadline.id)
        .limit(1)
        .correlate(page)
        .scalar_subquery()
    )


def _order(columns, sort, descending):
    """ORDER BY for the chosen sort, ending in the id so pages never overlap."""
    if sort == "reference":
        keys = [columns.reference]
    elif sort == "stage":
        stage_order = sa.case({key: n for n, key in enumerate(STAGES)}, value=columns.stage,
                              else_=len(STAGES))
        keys = [stage_order, columns.la_aware_on]
    else:
        keys = [columns.la_aware_on]
    keys.append(columns.id)
    return [key.desc() if descending else key.asc() for key in keys]


def _page_rows(query, filters, offset, limit, rules, today) -> list[TrackerRow]:
    """One query: the page of incidents, each with its next open deadline and delay reason."""
    sort = filters.sort if filters.sort in SORTS else "la_aware_on"
    incident = SeriousIncident
    columns = (incident.id, incident.reference, incident.child_reference, incident.child_died,
               incident.la_aware_on, incident.stage, incident.decision, incident.converted,
               incident.partnership_id, incident.published_on,
               incident.abuse_or_neglect_suspected)
    page = (
        query.with_only_columns(*columns)
        .order_by(*_order(incident, sort, filters.descending))
        .limit(limit).offset(offset)
        .subquery("page")
    )
    delay = (
        sa.select(PublicationDelay.reason)
        .where(PublicationDelay.incident_id == page.c.id)
        .order_by(PublicationDelay.recorded_on.desc(), PublicationDelay.id.desc())
        .limit(1)
        .correlate(page)
        .scalar_subquery()
    )
    statement = (
        sa.select(page, Deadline, delay.label("delay_reason")).select_from(page)
        .outerjoin(Deadline, Deadline.id == _next_deadline_id(page))
    )
    statement = statement.order_by(*_order(page.c, sort, filters.descending))
    return [_row(found, rules, today) for found in db.session.execute(statement)]


def _row(found, rules, today) -> TrackerRow:
    """A result row as the list shows it."""
    deadline = found.Deadline
    upcoming = None
    if deadline is not None:
        upcoming = NextDeadline(
            deadlines.get_rule(deadline.rule_key, deadline.edition).label,
            deadline.extended_to or deadline.due_date,
            deadline_service.status_of(deadline, today, rules.get(found.partnership_id)),
        )
    # Once published, a delay is history (the review page keeps it): not "delayed" here.
    reason = DELAY_REASONS.get(found.delay_reason, found.delay_reason) \
        if found.delay_reason and found.published_on is None else None
    return TrackerRow(found.id, found.reference, found.child_reference, found.child_died,
                      found.la_aware_on, STAGES.get(found.stage, found.stage),
                      DECISIONS.get(found.decision) if found.decision else None,
                      found.converted, upcoming, reason,
                      None if found.abuse_or_neglect_suspected else NOT_NOTIFIABLE_REASON)
