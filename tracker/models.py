"""Partnerships, their local calendar settings, and users."""

from datetime import date, datetime

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_login import UserMixin

from tracker.audit import Audited
from tracker.extensions import db
from tracker.roles import Role, role_has
from tracker.timeutil import utcnow
from tracker.versioning import Versioned

user_partnership = sa.Table(
    "user_partnership",
    db.metadata,
    sa.Column("user_id", sa.ForeignKey("user.id", ondelete="CASCADE"), primary_key=True),
    sa.Column(
        "partnership_id", sa.ForeignKey("partnership.id", ondelete="CASCADE"), primary_key=True
    ),
    sa.Index("ix_user_partnership_partnership_id", "partnership_id"),
)


class Partnership(Audited, db.Model):
    """A CDOP footprint and/or safeguarding partnership; every case belongs to one."""

    __tablename__ = "partnership"
    __audit_label__ = "name"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    code: so.Mapped[str] = so.mapped_column(sa.String(16), unique=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(200))
    # Bumped whenever closure days or overrides change, so stored deadlines know to recompute.
    rules_version: so.Mapped[int] = so.mapped_column(default=0)
    # Whether people without an account may notify a death through /notify/<code>.
    takes_public_notifications: so.Mapped[bool] = so.mapped_column(
        default=False, server_default=sa.false())
    # How many days a personal link to an agency works (tracker.agency_links); None: the
    # service's AGENCY_LINK_DAYS.
    agency_link_days: so.Mapped[int | None]
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)

    closure_days: so.Mapped[list["ClosureDay"]] = so.relationship(
        back_populates="partnership", cascade="all, delete-orphan", order_by="ClosureDay.day"
    )
    overrides: so.Mapped[list["RuleOverride"]] = so.relationship(
        back_populates="partnership", cascade="all, delete-orphan"
    )

    @property
    def closure_dates(self):
        """Local non-working days, for tracker.calendar."""
        return frozenset(c.day for c in self.closure_days)

    @property
    def closure_descriptions(self):
        """Each local non-working day with its description."""
        return {c.day: c.description for c in self.closure_days}

    @property
    def rule_overrides(self):
        """This partnership's overridden rule amounts, keyed by rule, for tracker.deadlines.

        Switched-off overrides (of fixed rules, which no partnership may change) are left out.
        """
        return {o.rule_key: o for o in self.overrides if o.switched_off_on is None}

    @property
    def switched_off_overrides(self):
        """Overrides kept for the record but no longer applied, by rule key."""
        return sorted((o for o in self.overrides if o.switched_off_on is not None),
                      key=lambda o: o.rule_key)

    def __repr__(self):
        return f"<Partnership {self.code}>"


class ClosureDay(Audited, db.Model):
    """A local non-working day for one partnership, such as an office closure on 24 December."""

    __tablename__ = "closure_day"
    __table_args__ = (sa.UniqueConstraint("partnership_id", "day"),)
    __audit_label__ = "day"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    partnership_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("partnership.id", ondelete="CASCADE"), index=True
    )
    day: so.Mapped[date]
    description: so.Mapped[str] = so.mapped_column(sa.String(200))
    created_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("user.id"), index=True)
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)

    partnership: so.Mapped[Partnership] = so.relationship(back_populates="closure_days")

    @property
    def audit_partnership_id(self):
        """The partnership an audit row about this record belongs to."""
        return self.partnership_id


class RuleOverride(Versioned, Audited, db.Model):
    """A partnership's own amount for a deadline rule, with the reason it was changed."""

    __record_noun__ = "timescale"

    __tablename__ = "rule_override"
    __table_args__ = (sa.UniqueConstraint("partnership_id", "rule_key"),)
    __audit_label__ = "rule_key"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    partnership_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("partnership.id", ondelete="CASCADE"), index=True
    )
    rule_key: so.Mapped[str] = so.mapped_column(sa.String(64))
    amount: so.Mapped[int]
    earliest_amount: so.Mapped[int | None]
    reason: so.Mapped[str] = so.mapped_column(sa.Text)
    created_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("user.id"), index=True)
    updated_at: so.Mapped[datetime] = so.mapped_column(default=utcnow, onupdate=utcnow)
    # Set when the override stopped applying: only local-practice rules may be changed, so
    # overrides of statutory and Panel rules were switched off (migration 0015), kept to show.
    switched_off_on: so.Mapped[date | None]

    partnership: so.Mapped[Partnership] = so.relationship(back_populates="overrides")

    @property
    def audit_partnership_id(self):
        """The partnership an audit row about this record belongs to."""
        return self.partnership_id


class User(Audited, UserMixin, db.Model):
    """Someone who signs in. One role; sees only the partnerships they belong to."""

    __tablename__ = "user"
    __audit_label__ = "email"
    __audit_redact__ = frozenset({"password_hash", "session_version"})
    __record_noun__ = "user"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    email: so.Mapped[str] = so.mapped_column(sa.String(254), unique=True)
    full_name: so.Mapped[str] = so.mapped_column(sa.String(200))
    role: so.Mapped[str] = so.mapped_column(sa.String(32), index=True)
    password_hash: so.Mapped[str] = so.mapped_column(sa.String(255))
    active: so.Mapped[bool] = so.mapped_column(default=True)
    failed_logins: so.Mapped[int] = so.mapped_column(default=0)
    locked_until: so.Mapped[datetime | None]
    last_login_at: so.Mapped[datetime | None]
    # Part of the session identifier: bumping it signs the user out everywhere.
    session_version: so.Mapped[int] = so.mapped_column(default=0)
    # Bumped by each save of the account's details (tracker.versioning), so an administrator's
    # save made on a page opened before another's is refused. Signing in does not bump it.
    version: so.Mapped[int] = so.mapped_column(default=1, server_default="1")
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    # Reminders (tracker.reminders): a daily digest or one e-mail per reminder; e-mail paused
    # while on leave (in-app notices go on); a manager also gets overdue escalations.
    reminder_email: so.Mapped[str] = so.mapped_column(
        sa.String(16), default="digest", server_default="digest")
    email_paused_until: so.Mapped[date | None]
    receives_escalations: so.Mapped[bool] = so.mapped_column(
        default=False, server_default=sa.false())

    partnerships: so.Mapped[list[Partnership]] = so.relationship(
        secondary=user_partnership, order_by=Partnership.name
    )

    @property
    def is_active(self):
        """Flask-Login: deactivated users cannot sign in."""
        return self.active

    def get_id(self):
        """Flask-Login session id; changes when the password changes."""
        return f"{self.id}:{self.session_version}"

    @property
    def role_enum(self):
        """The user's role as a Role."""
        return Role(self.role)

    def can(self, permission):
        """Whether this user's role carries a permission."""
        return role_has(self.role, permission)

    @property
    def partnership_ids(self):
        """Ids of the partnerships this user may see."""
        return {p.id for p in self.partnerships}

    def __repr__(self):
        return f"<User {self.id} {self.role}>"
