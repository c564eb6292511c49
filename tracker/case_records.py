"""What every table of case data shares, so scoping and the audit trail treat them alike.

`PartnershipScoped` is for every row of case data (a case, its notifications, meetings,
requests, panel items, outcomes): it carries the partnership the row belongs to, which
`tracker.security` scopes lists and lookups by and `tracker.audit` files audit rows under.
`CaseRecord` adds what a case itself has: a readable reference, a stage, the guidance edition
its clocks started under, the user who owns it, and a version that refuses a stale save.
"""

from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from tracker.deadlines import CURRENT_EDITION
from tracker.timeutil import utcnow


class PartnershipScoped:
    """Mixin: a row of case data belonging to one partnership."""

    @so.declared_attr
    def partnership_id(cls) -> so.Mapped[int]:  # noqa: N805 (declared_attr takes the class)
        """The partnership whose users may see this row."""
        return so.mapped_column(sa.ForeignKey("partnership.id"), index=True)

    @property
    def audit_partnership_id(self):
        """The partnership an audit row about this record belongs to."""
        return self.partnership_id


class CaseRecord(PartnershipScoped):
    """Mixin: a case (a child death, a serious incident) with its own statutory clocks."""

    # Readable and unique, such as CDOP-NSP-2026-0042.
    reference: so.Mapped[str] = so.mapped_column(sa.String(40), unique=True)
    # An imported reference that is not of the partnership's own form (an old system's, such
    # as "CDOP-NSP-2019-0042/A"): kept beside the issued one and searchable, never issued
    # (tracker.references).
    previous_reference: so.Mapped[str | None] = so.mapped_column(sa.String(40), index=True)
    stage: so.Mapped[str] = so.mapped_column(sa.String(32), index=True, default="notified")
    # The edition of the rules in force when the case's clocks started (tracker.deadlines),
    # kept so a later edition can be added without moving old cases' deadlines. Every sync
    # sets it from the day the clock started (tracker.deadline_service.edition_of); the
    # database default is the first edition's, as the tables were made.
    rules_edition: so.Mapped[str] = so.mapped_column(
        sa.String(16), default=CURRENT_EDITION, server_default="WT2018"
    )
    # Optimistic locking: every save checks and bumps it, so two people editing one case
    # at once cannot silently overwrite each other (refused through tracker.versioning).
    __record_noun__ = "case"
    version: so.Mapped[int] = so.mapped_column(default=1, server_default="1")
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    updated_at: so.Mapped[datetime] = so.mapped_column(default=utcnow, onupdate=utcnow)

    @so.declared_attr
    def owner_id(cls) -> so.Mapped[int | None]:  # noqa: N805
        """The user who owns the case: the one reminders go to (the reminders issue)."""
        return so.mapped_column(sa.ForeignKey("user.id"), index=True)

    @so.declared_attr.directive
    def __mapper_args__(cls):  # noqa: N805
        return {"version_id_col": cls.__table__.c.version}
