"""Stored deadlines: one row per deadline of a case, with its due date indexed.

Due dates are computed by tracker.deadlines (the rules) and stored, so lists, the
dashboard and reminders can filter by due date in SQL. Status is never stored: it is
derived from the dates each time (tracker.deadlines.deadline_status).
"""

from datetime import date, datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from tracker.audit import Audited
from tracker.extensions import db
from tracker.timeutil import utcnow

# Deadlines that can be overdue: open, applicable and not paused (ix_deadline_overdue).
_OPEN_UNPAUSED = "met_on IS NULL AND not_applicable_reason IS NULL AND paused_reason IS NULL"
_OPEN_APPLICABLE = "met_on IS NULL AND not_applicable_reason IS NULL"


class Deadline(Audited, db.Model):
    """One statutory or local deadline of a case (of any domain) or of a partnership.

    The owner is named by `owner_type` (the owning table's name, such as "cdr_case") and
    `owner_id`, so the shell holds every domain's deadlines without knowing the domains.
    """

    __tablename__ = "deadline"
    __audit_label__ = "rule_key"
    __table_args__ = (
        # Several deadlines of one rule on one case are told apart by `item` (e.g. per agency).
        sa.UniqueConstraint("owner_type", "owner_id", "rule_key", "item",
                            name="uq_deadline_owner_rule_item"),
        # Open deadlines by due date, per partnership: the dashboard's and reminders' query.
        # The id ends this index and the next: the home page reads them in (due date, id)
        # order and stops at its LIMIT. SQLite's indexes end in the rowid anyway; without it
        # PostgreSQL read and sorted every deadline of the date range (see tracker.dashboard).
        sa.Index(
            "ix_deadline_open_due",
            "partnership_id",
            "due_date",
            "id",
            postgresql_where=sa.text("met_on IS NULL"),
            sqlite_where=sa.text("met_on IS NULL"),
        ),
        sa.Index("ix_deadline_partnership_due", "partnership_id", "due_date", "id"),
        # Deadline compliance (tracker.compliance): a partnership's deadlines due in a period,
        # counted from the index alone. The free-text reasons stay out (too long for an index
        # row); the few deadlines set aside by one are found through the next index.
        sa.Index("ix_deadline_compliance", "partnership_id", "due_date", "owner_type",
                 "rule_key", "met_on", "extended_to"),
        # The owner type before the due date: SQLite, without statistics, cannot tell that this
        # partial index is small, and with the same columns as ix_deadline_partnership_due
        # read that one instead (every deadline of the days); an owner type it can seek too
        # makes this one the better (see tracker.compliance._grouped).
        sa.Index(
            "ix_deadline_set_aside",
            "partnership_id",
            "owner_type",
            "due_date",
            postgresql_where=sa.text(
                "not_applicable_reason IS NOT NULL OR paused_reason IS NOT NULL"),
            sqlite_where=sa.text(
                "not_applicable_reason IS NOT NULL OR paused_reason IS NOT NULL"),
        ),
        # The lists' overdue filter (tracker.overdue_owners): open, unpaused deadlines by
        # partnership, owner type and due date, holding every column the filter reads (the
        # always-NULL ones too: SQLite counts an index as covering only when it holds every
        # column the query names).
        sa.Index(
            "ix_deadline_overdue",
            "partnership_id", "owner_type", "due_date", "extended_to", "owner_id", "rule_key",
            "met_on", "not_applicable_reason", "paused_reason",
            postgresql_where=sa.text(_OPEN_UNPAUSED),
            sqlite_where=sa.text(_OPEN_UNPAUSED),
        ),
        # The open deadlines of given owners (a designated doctor's cases on My cases), with
        # every column the list reads, so they come from the index alone (the always-NULL
        # met_on and not_applicable_reason too, for SQLite, as above).
        sa.Index(
            "ix_deadline_open_owner",
            "owner_type", "owner_id", "item", "rule_key", "due_date", "extended_to",
            "paused_reason", "met_on", "not_applicable_reason",
            postgresql_where=sa.text(_OPEN_APPLICABLE),
            sqlite_where=sa.text(_OPEN_APPLICABLE),
        ),
        # One owner type's open deadlines by due date, per partnership: the reminder pass.
        sa.Index(
            "ix_deadline_open_owner_due",
            "owner_type",
            "partnership_id",
            "due_date",
            postgresql_where=sa.text("met_on IS NULL"),
            sqlite_where=sa.text("met_on IS NULL"),
        ),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    partnership_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("partnership.id"), index=True)
    owner_type: so.Mapped[str] = so.mapped_column(sa.String(32))
    owner_id: so.Mapped[int]
    rule_key: so.Mapped[str] = so.mapped_column(sa.String(64), index=True)
    edition: so.Mapped[str] = so.mapped_column(sa.String(16), default="WT2018")
    item: so.Mapped[str] = so.mapped_column(sa.String(64), default="")
    trigger_date: so.Mapped[date | None]
    earliest_date: so.Mapped[date | None]
    due_date: so.Mapped[date | None] = so.mapped_column(index=True)
    met_on: so.Mapped[date | None]
    not_applicable_reason: so.Mapped[str | None] = so.mapped_column(sa.Text)
    paused_reason: so.Mapped[str | None] = so.mapped_column(sa.Text)
    extended_to: so.Mapped[date | None]
    extension_reason: so.Mapped[str | None] = so.mapped_column(sa.Text)
    # The partnership's rules_version when due_date was computed.
    rules_version: so.Mapped[int] = so.mapped_column(default=0)
    updated_at: so.Mapped[datetime] = so.mapped_column(default=utcnow, onupdate=utcnow)

    @property
    def audit_partnership_id(self):
        """The partnership an audit row about this deadline belongs to."""
        return self.partnership_id


class DeadlineCorrection(db.Model):
    """A stored due date moved by a correction of the counting, kept to show administrators.

    Written by migration 0015 (closure days no longer move statutory and Panel deadlines, and
    overrides of those rules were switched off); its downgrade puts the old dates back from
    here. No foreign key to the deadline: the record of the move outlives a deleted deadline.
    """

    __tablename__ = "deadline_correction"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    partnership_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("partnership.id", ondelete="CASCADE"), index=True)
    deadline_id: so.Mapped[int]
    owner_type: so.Mapped[str] = so.mapped_column(sa.String(32))
    owner_id: so.Mapped[int]
    rule_key: so.Mapped[str] = so.mapped_column(sa.String(64))
    old_due_date: so.Mapped[date | None]
    new_due_date: so.Mapped[date | None]
    # Which correction: "closure_days" or "override_switched_off".
    cause: so.Mapped[str] = so.mapped_column(sa.String(32))
    corrected_on: so.Mapped[date]
