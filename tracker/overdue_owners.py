"""Which cases (of any domain) have an overdue deadline: the lists' overdue filter and its index.

A partnership may hold thousands of overdue deadlines (a quarter of its cases at 100,000), so
the case list and the tracker list read them from one partial index that holds every column
the filter looks at (ix_deadline_overdue, on the Deadline model): a range of it by
partnership, owner type and due date, without reading the deadline rows themselves.
"""

import sqlalchemy as sa

from tracker import deadline_service
from tracker.deadline_models import Deadline


def open_unpaused(owner_type, partnership_ids):
    """A where-clause for the open, unpaused deadlines of one owner type in these partnerships.

    Every term of the index's predicate is here, so both databases may use the index.
    """
    return sa.and_(
        Deadline.partnership_id.in_(list(partnership_ids)),
        Deadline.owner_type == owner_type,
        deadline_service.open_deadlines(),
        Deadline.paused_reason.is_(None),
    )


def overdue_owner_ids(owner_type, partnership_ids, today):
    """A select() of the owner ids with an open, unpaused deadline whose (extended) due date
    has passed; a deadline due today is not yet overdue."""
    effective = sa.func.coalesce(Deadline.extended_to, Deadline.due_date)
    # due_date < today bounds the index range; an extension only ever moves the date later.
    return sa.select(Deadline.owner_id).where(
        open_unpaused(owner_type, partnership_ids), Deadline.due_date < today, effective < today)
