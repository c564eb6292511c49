"""The designated doctor's list: their open cases that need them, next deadline first.

A case needs its doctor while a rapid response meeting's deadline is open or another
deadline is overdue or due soon (DUE_SOON_WORKING_DAYS).
"""

from datetime import date
from typing import NamedTuple

import sqlalchemy as sa

from cdr.models import ChildDeathCase, RapidResponseMeeting
from cdr.services.meetings import MEETING_NUMBERS, rule_key
from tracker import deadline_service, deadlines
from tracker.calendar import add_working_days
from tracker.deadline_models import Deadline
from tracker.extensions import db


def _open_case_deadline():
    """Open stored deadlines of the case in the enclosing query (correlated)."""
    return sa.and_(Deadline.owner_type == ChildDeathCase.__tablename__,
                   Deadline.owner_id == ChildDeathCase.id, Deadline.item == "",
                   deadline_service.open_deadlines())


def _due():
    """A stored deadline's date: the date it was extended to, or its due date."""
    return sa.func.coalesce(Deadline.extended_to, Deadline.due_date)


def my_cases(doctor_id: int, partnership_ids, today: date, rules: dict, due_soon_days: int):
    """A select() of the open cases assigned to a designated doctor that need their action.

    A case needs them while a rapid response meeting's deadline is open (a Joint Agency
    Response with a meeting not yet held) or another deadline is overdue or due soon.
    Earliest next deadline first. `rules` are the partnerships' closure days (load_rules).
    """
    ids = sorted(partnership_ids)
    soon = [sa.and_(ChildDeathCase.partnership_id == pid,
                    _due() <= add_working_days(today, due_soon_days, rules.get(pid)))
            for pid in ids]
    meeting_open = sa.exists().where(
        _open_case_deadline(), Deadline.rule_key.in_([rule_key(n) for n in MEETING_NUMBERS]))
    due_soon = sa.exists().where(_open_case_deadline(), Deadline.paused_reason.is_(None),
                                 sa.or_(sa.false(), *soon))
    next_due = sa.select(sa.func.min(_due())).where(_open_case_deadline()).scalar_subquery()
    return (
        sa.select(ChildDeathCase)
        .where(ChildDeathCase.designated_doctor_id == doctor_id,
               ChildDeathCase.closed_on.is_(None),
               ChildDeathCase.partnership_id.in_(ids),
               sa.or_(meeting_open, due_soon))
        .order_by(next_due.asc().nulls_last(), ChildDeathCase.date_of_death,
                  ChildDeathCase.id)
    )


class MyCase(NamedTuple):
    """One row of the designated doctor's list."""

    case: ChildDeathCase
    next_deadline: Deadline | None
    label: str
    status: object  # tracker.deadlines.DeadlineStatus, or None
    meetings_held: int


def my_case_rows(cases, today: date, rules: dict) -> list[MyCase]:
    """Each case of a page with its next open deadline, its status and meetings held
    (two queries whatever the number of cases)."""
    ids = [case.id for case in cases] or [-1]
    first = {}
    for row in db.session.scalars(
        sa.select(Deadline).where(
            Deadline.owner_type == ChildDeathCase.__tablename__, Deadline.owner_id.in_(ids),
            Deadline.item == "", deadline_service.open_deadlines())
        .order_by(_due(), Deadline.rule_key)
    ):
        first.setdefault(row.owner_id, row)
    held = dict(db.session.execute(
        sa.select(RapidResponseMeeting.case_id, sa.func.count())
        .where(RapidResponseMeeting.case_id.in_(ids), RapidResponseMeeting.held.is_(True))
        .group_by(RapidResponseMeeting.case_id)).all())
    found = []
    for case in cases:
        row = first.get(case.id)
        label = status = None
        if row is not None:
            label = deadlines.get_rule(row.rule_key, row.edition).label
            status = deadline_service.status_of(row, today, rules.get(case.partnership_id))
        found.append(MyCase(case, row, label or "", status, held.get(case.id, 0)))
    return found
