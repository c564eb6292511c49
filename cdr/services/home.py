"""The home page's child death panel: overdue and due-soon deadlines to act on.

A CDOP administrator sees every open child death deadline of their partnerships' open cases;
a designated doctor those of the cases they are the designated doctor for. Read from the
stored deadlines through the open-deadline index (ix_deadline_open_due), in a fixed number of
queries.
"""

from datetime import date, timedelta
from typing import NamedTuple

import sqlalchemy as sa

from cdr.models import AgencyRequest, ChildDeathCase
from tracker import deadline_service, deadlines
from tracker.deadline_models import Deadline
from tracker.extensions import db
from tracker.roles import Role

TEMPLATE = "cdr/home/_deadlines.html"
# Deadlines due within this many calendar days count as due soon on the home page.
DUE_SOON_DAYS = 14
# Rows shown per section; the rest are reached from the case list.
SHOWN = 10


class HomeDeadline(NamedTuple):
    """One deadline as the panel lists it."""

    case_id: int
    reference: str
    label: str
    agency: str | None
    due: date
    status: deadlines.DeadlineStatus


class Section(NamedTuple):
    """Overdue, or due soon: the first rows, and whether there are more."""

    rows: list[HomeDeadline]
    more: bool


def panel(user, today: date):
    """(template, context) of the child death deadlines panel for `user` on `today`."""
    ids = sorted(user.partnership_ids)
    # A designated doctor acts on the cases they are the doctor for, not every case.
    doctor_id = user.id if user.role_enum is Role.DESIGNATED_DOCTOR else None
    rules = deadline_service.load_rules(ids)
    effective = sa.func.coalesce(Deadline.extended_to, Deadline.due_date)
    horizon = today + timedelta(days=DUE_SOON_DAYS)
    overdue = _open(ids, doctor_id).where(Deadline.due_date < today, effective < today)
    # Read as one range of the open-deadline index. A deadline already extended past its
    # first due date shows neither here nor as overdue: the case page shows it as extended.
    soon = _open(ids, doctor_id).where(Deadline.due_date >= today, Deadline.due_date <= horizon,
                                       effective <= horizon)
    return TEMPLATE, {
        # The most recently overdue first: read off the end of the open-deadline index, so
        # the page costs the same however many old deadlines were never closed.
        "overdue": _section(overdue, rules, today, Deadline.due_date.desc()),
        "due_soon": _section(soon, rules, today, Deadline.due_date),
        "days": DUE_SOON_DAYS,
        "doctor_id": doctor_id,
    }


def _open(partnership_ids, doctor_id):
    """A select() of open, unpaused child death deadlines (of cases and of agency requests)."""
    case_id = sa.case((Deadline.owner_type == "cdr_case", Deadline.owner_id),
                      else_=AgencyRequest.case_id)
    query = (
        sa.select(Deadline, ChildDeathCase.id, ChildDeathCase.reference, AgencyRequest.agency)
        .outerjoin(AgencyRequest, sa.and_(Deadline.owner_type == "cdr_agency_request",
                                          AgencyRequest.id == Deadline.owner_id))
        .join(ChildDeathCase, ChildDeathCase.id == case_id)
        .where(
            Deadline.partnership_id.in_(partnership_ids),
            Deadline.owner_type.in_(("cdr_case", "cdr_agency_request")),
            deadline_service.open_deadlines(),
            Deadline.paused_reason.is_(None),
            # A closed review's leftover deadlines are for the case page, not today's work.
            ChildDeathCase.closed_on.is_(None),
        )
    )
    if doctor_id is not None:
        query = query.where(ChildDeathCase.designated_doctor_id == doctor_id)
    return query


def _section(query, rules, today, order) -> Section:
    """The first SHOWN deadlines in this order, and whether there are more: one query."""
    found = db.session.execute(query.order_by(order, Deadline.id).limit(SHOWN + 1)).all()
    rows = [
        HomeDeadline(
            case_id, reference, deadlines.get_rule(row.rule_key, row.edition).label, agency,
            row.extended_to or row.due_date,
            deadline_service.status_of(row, today, rules.get(row.partnership_id)),
        )
        for row, case_id, reference, agency in found[:SHOWN]
    ]
    return Section(rows, len(found) > SHOWN)
