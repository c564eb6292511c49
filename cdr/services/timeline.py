"""The case timeline: every notification, meeting, request, transfer and change, in order."""

from datetime import date

import sqlalchemy as sa
from flask_login import current_user

from cdr.models import TimelineEntry
from tracker.extensions import db


def add(case, kind: str, text: str, happened_on: date | None = None) -> TimelineEntry:
    """Add a line to a case's timeline (no commit). Never put the child's name in `text`."""
    user_id = current_user.id if current_user and current_user.is_authenticated else None
    entry = TimelineEntry(case_id=case.id, partnership_id=case.partnership_id, kind=kind,
                          text=text[:500], happened_on=happened_on, user_id=user_id)
    db.session.add(entry)
    return entry


def entries(case) -> list[TimelineEntry]:
    """A case's timeline, newest first (one query)."""
    return db.session.scalars(
        sa.select(TimelineEntry)
        .where(TimelineEntry.case_id == case.id)
        .order_by(TimelineEntry.occurred_at.desc(), TimelineEntry.id.desc())
    ).all()
