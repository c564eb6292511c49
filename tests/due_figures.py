"""What the tests of the figures the database keeps on a case or an incident from its open
deadlines (cdr.case_due, reviews.incident_due) share: the seed they start from, its open
deadlines, and the check that the kept figures equal a recount."""

from datetime import date

import sqlalchemy as sa

from tracker import demo
from tracker.deadline_models import Deadline
from tracker.extensions import db
from tracker.models import Partnership

SEED_TODAY = date(2026, 11, 23)


def seed() -> list[Partnership]:
    """Demo people and 120 synthetic cases of both domains (the cdr ones: by bulk insert),
    committed: the partnerships."""
    demo.seed_people()
    demo.seed_cases(120, today=SEED_TODAY)
    db.session.commit()
    return db.session.scalars(sa.select(Partnership).order_by(Partnership.id)).all()


def open_deadlines(owner_type: str) -> list[Deadline]:
    """The owner type's deadlines not met that have a due date, oldest first."""
    return db.session.scalars(
        sa.select(Deadline).filter_by(owner_type=owner_type, met_on=None)
        .where(Deadline.due_date.is_not(None)).order_by(Deadline.id)).all()


def assert_exact(kept, recounted):
    """The figures as the triggers left them (`kept()`, read afresh) equal `recounted()`:
    the kept figures."""
    db.session.expire_all()
    found = kept()
    assert found == recounted()
    return found
