"""The timeline of a case of any domain: what happened, when, in words a user reads.

Each domain's case (and anything else with a `partnership_id` and an `id`) can have one.
Entries are owned like stored deadlines, by owner_type (the owner's table name) and owner_id,
so the shell keeps every domain's timeline without knowing the domains. Texts never hold the
child's name: the timeline is shown to everyone who may open the case.
"""

from datetime import date, datetime

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_login import current_user

from tracker.audit import Audited
from tracker.case_records import PartnershipScoped
from tracker.extensions import db
from tracker.timeutil import to_london, utcnow


class TimelineEntry(PartnershipScoped, Audited, db.Model):
    """One line of a case's timeline."""

    __tablename__ = "timeline_entry"
    __audit_label__ = "kind"
    __table_args__ = (
        sa.Index("ix_timeline_entry_owner", "owner_type", "owner_id", "occurred_at"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    owner_type: so.Mapped[str] = so.mapped_column(sa.String(32))
    owner_id: so.Mapped[int]
    occurred_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    # The date it happened, when that differs from when it was recorded.
    happened_on: so.Mapped[date | None]
    kind: so.Mapped[str] = so.mapped_column(sa.String(32))
    text: so.Mapped[str] = so.mapped_column(sa.String(500))
    user_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("user.id"))

    @property
    def recorded_on(self) -> date:
        """The day (in England) it was recorded."""
        return to_london(self.occurred_at).date()

    @property
    def event_on(self) -> date:
        """The day it happened: its own date, else the day it was recorded."""
        return self.happened_on or self.recorded_on


def add(owner, kind: str, text: str, happened_on: date | None = None) -> TimelineEntry:
    """Add a line to an owner's timeline (no commit). Never put the child's name in `text`."""
    user_id = current_user.id if current_user and current_user.is_authenticated else None
    entry = TimelineEntry(owner_type=owner.__tablename__, owner_id=owner.id,
                          partnership_id=owner.partnership_id, kind=kind, text=text[:500],
                          happened_on=happened_on, user_id=user_id)
    db.session.add(entry)
    return entry


def entries(owner) -> list[TimelineEntry]:
    """An owner's timeline, newest first (one query)."""
    return db.session.scalars(
        sa.select(TimelineEntry)
        .where(TimelineEntry.owner_type == owner.__tablename__,
               TimelineEntry.owner_id == owner.id)
        .order_by(TimelineEntry.occurred_at.desc(), TimelineEntry.id.desc())
    ).all()


def entries_by_event(owner) -> list[TimelineEntry]:
    """An owner's timeline, newest first by when each thing happened, then by when it was
    recorded (one query).

    An entry's own date (a meeting held last week, recorded today) places it among the
    others, not the day it was typed in; things of the same day stay in the order they were
    recorded. Sorted here, not by the database: an entry without its own date happened on the
    day it was recorded in England, which is no column.
    """
    return sorted(entries(owner), key=lambda entry: (entry.event_on, entry.occurred_at,
                                                     entry.id), reverse=True)


def move_to_partnership(owner, partnership_id: int) -> None:
    """After a case moves to another partnership, its timeline moves with it (no commit)."""
    db.session.execute(
        sa.update(TimelineEntry)
        .where(TimelineEntry.owner_type == owner.__tablename__,
               TimelineEntry.owner_id == owner.id)
        .values(partnership_id=partnership_id)
    )
