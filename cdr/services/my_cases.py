"""The designated doctor's list: their open cases that need them, next deadline first.

A case needs its doctor while a rapid response meeting's deadline is open or another
deadline is overdue or due soon (DUE_SOON_WORKING_DAYS).
"""

from datetime import date
from typing import NamedTuple

import sqlalchemy as sa

from cdr.models import ChildDeathCase, RapidResponseMeeting
from cdr.services import stages
from tracker import deadline_service, deadlines
from tracker.calendar import add_working_days
from tracker.deadline_models import Deadline
from tracker.extensions import db


def _due():
    """A stored deadline's date: the date it was extended to, or its due date."""
    return sa.func.coalesce(Deadline.extended_to, Deadline.due_date)


def my_cases(doctor_id: int, partnership_ids, today: date, rules: dict, due_soon_days: int):
    """A select() of the open cases assigned to a designated doctor that need their action:
    rows of (case_id, next_due, date_of_death), earliest next deadline first (paginated,
    a page is its case ids); `cases_of` loads a page's cases. `rules` are the partnerships'
    closure days (load_rules).

    A case needs them while a rapid response meeting's deadline is open (a Joint Agency
    Response with a meeting not yet held) or another deadline is overdue or due soon.

    Read from the figures the database keeps on each case from its open deadlines
    (cdr.case_due: its next due date, next unpaused due date, and whether a meeting's
    deadline is open), in order off `ix_cdr_case_doctor_due` to the page: joining the
    doctor's open cases to their deadlines and grouping them read every one of the
    doctor's cases (7,400 at 100,000 cases) and their deadlines for each page and count.
    """
    ids = sorted(partnership_ids)
    case = ChildDeathCase
    soon = sa.or_(sa.false(), *[
        sa.and_(case.partnership_id == pid,
                case.next_unpaused_due <= add_working_days(today, due_soon_days, rules.get(pid)))
        for pid in ids])
    return (
        sa.select(case.id.label("case_id"), case.next_due, case.date_of_death)
        .where(case.designated_doctor_id == doctor_id, case.closed_on.is_(None),
               case.next_due.is_not(None), case.partnership_id.in_(ids),
               sa.or_(case.meeting_open.is_(True), soon))
        .order_by(case.next_due, case.date_of_death, case.id)
        # With statistics (ANALYZE), SQLite takes `closed_on IS NULL` for a rare value (one
        # average per index) and reads every open case off ix_cdr_case_closed_on instead.
        .with_hint(case, "INDEXED BY ix_cdr_case_doctor_due", "sqlite")
    )


def cases_of(case_ids) -> list[ChildDeathCase]:
    """The cases of a page of `my_cases` (its case ids, as paginated), in that order (one
    query)."""
    ids = list(case_ids)
    found = {case.id: case for case in db.session.scalars(
        sa.select(ChildDeathCase).where(ChildDeathCase.id.in_(ids or [-1])))}
    return [found[case_id] for case_id in ids if case_id in found]


class MyCase(NamedTuple):
    """One row of the designated doctor's list."""

    case: ChildDeathCase
    next_deadline: Deadline | None
    label: str
    status: object  # tracker.deadlines.DeadlineStatus, or None
    meetings_held: int
    meetings_needed: int  # three, or two when no post-mortem will be held


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
        found.append(MyCase(case, row, label or "", status, held.get(case.id, 0),
                            stages.meetings_needed(case)))
    return found
