"""What happens next on a case page: the stage in progress (a link to where it is done) and
the soonest open deadline, for the panel at the top of every domain's case page."""

from __future__ import annotations

from typing import NamedTuple

from tracker.deadlines.status import DeadlineStatus

OPEN = (DeadlineStatus.OVERDUE, DeadlineStatus.DUE_TODAY, DeadlineStatus.DUE_SOON,
        DeadlineStatus.EXTENDED, DeadlineStatus.NOT_YET_DUE)
IN_PROGRESS = "In progress"
NOT_STARTED = "Not yet started"


class NextStep(NamedTuple):
    """The stage to work on (a task with its link), and the deadline most pressing."""

    task: object | None
    deadline: object | None  # a case page's deadline row: label, deadline, status


def _due(row):
    return row.deadline.extended_to or row.deadline.due_date


def next_step(tasks, deadline_rows) -> NextStep:
    """The first stage in progress (else the first not started), and the open deadline that
    is most pressing: an overdue one before others, then the soonest due."""
    task = next((t for t in tasks if t.status == IN_PROGRESS), None) or next(
        (t for t in tasks if t.status == NOT_STARTED), None)
    open_rows = [row for row in deadline_rows
                 if row.status in OPEN and row.deadline.due_date is not None]
    deadline = min(open_rows, key=lambda row: (row.status != DeadlineStatus.OVERDUE,
                                               _due(row)), default=None)
    return NextStep(task, deadline)
