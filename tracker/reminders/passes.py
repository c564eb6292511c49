"""One reminder pass: work out from the database what is due, claim it once, queue e-mail.

A pass never trusts memory: each run reads open deadlines and actions, works out each one's
latest reminder stage for today (tracker.reminders.policy), and inserts a ledger row per
recipient under a unique key with ON CONFLICT DO NOTHING. Only the rows this pass inserted
are its own; the e-mails that carry them are queued in the same transaction, then sent
(tracker.mail). A repeated pass, a second scheduler or a pass after a crash claims nothing
twice and loses nothing.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime

import sqlalchemy as sa
from flask import current_app, has_request_context
from sqlalchemy.dialects import postgresql, sqlite

from tracker import mail
from tracker.calendar import add_working_days, is_working_day
from tracker.deadline_service import load_rules
from tracker.extensions import db
from tracker.models import User, user_partnership
from tracker.reminders import emails
from tracker.reminders.models import Reminder, ReminderPolicy
from tracker.reminders.policy import (
    DEFAULT_POLICY,
    DUE_NOW,
    MAX_BEFORE,
    Firing,
    Policy,
    escalation,
    latest_firing,
)
from tracker.reminders.sources import all_sources
from tracker.timeutil import to_london, utcnow

CHUNK = 2000


@dataclass
class Person:
    """What a pass needs of a user: never their name."""

    id: int
    email: str
    role: str
    partnership_ids: set[int]
    mode: str
    paused_until: date | None
    manager: bool

    def may_see(self, partnership_id: int, permission) -> bool:
        """Whether this user may be told about a record of that partnership."""
        from tracker.roles import role_has

        return partnership_id in self.partnership_ids and role_has(self.role, permission)

    def paused(self, today: date) -> bool:
        """Whether e-mail is paused (on leave) on `today`."""
        return self.paused_until is not None and today <= self.paused_until


@dataclass
class PassReport:
    """What one pass did: the reminders it claimed (or would), and e-mails sent and failed."""

    today: date
    claimed: list[dict] = field(default_factory=list)
    emails_queued: int = 0
    sent: int = 0
    failed: int = 0
    dry_run: bool = False


class _World:
    """The partnerships, people and policies a pass reads once."""

    def __init__(self, today: date):
        self.today = today
        self.rules = load_rules()
        self.working = {pid: is_working_day(today, rules) for pid, rules in self.rules.items()}
        self.people = _people()
        self.policies = {(p.partnership_id, p.policy_key): p.policy
                         for p in db.session.scalars(sa.select(ReminderPolicy))}

    def policy(self, partnership_id: int, key: str) -> Policy:
        return self.policies.get((partnership_id, key), DEFAULT_POLICY)

    def allowed(self, user_ids, partnership_id, permission) -> list[Person]:
        found = (self.people.get(uid) for uid in dict.fromkeys(user_ids) if uid)
        return [p for p in found if p is not None and p.may_see(partnership_id, permission)]

    def managers(self, partnership_id, permission) -> list[Person]:
        return [p for p in self.people.values()
                if p.manager and p.may_see(partnership_id, permission)]

    def horizon(self) -> date:
        """The furthest due date whose 'before' reminder can have come today."""
        longest = max([MAX_BEFORE, *(p.before_working_days or 0
                                     for p in self.policies.values())])
        # Closure days only push a 'before' stage earlier, so allow for a few of them.
        return add_working_days(self.today, longest + 10)


def _people() -> dict[int, Person]:
    """Every active user with their partnerships (two queries)."""
    users = db.session.execute(sa.select(
        User.id, User.email, User.role, User.reminder_email, User.email_paused_until,
        User.receives_escalations).where(User.active.is_(True))).all()
    memberships = defaultdict(set)
    for uid, pid in db.session.execute(sa.select(user_partnership.c.user_id,
                                                 user_partnership.c.partnership_id)):
        memberships[uid].add(pid)
    return {u.id: Person(u.id, u.email, u.role, memberships[u.id], u.reminder_email,
                         u.email_paused_until, u.receives_escalations) for u in users}


def _firings(world: _World, row, due: date, hour_reached: bool):
    """(firing, is_escalation) pairs due today for one row."""
    rules = world.rules.get(row.partnership_id)
    policy = world.policy(row.partnership_id, row.policy_key)
    found = []
    firing = latest_firing(policy, due, world.today, rules)
    if firing is not None:
        found.append((firing, False))
    if hour_reached and due == world.today:
        found.append((Firing(DUE_NOW, world.today), False))
    escalated = escalation(policy, due, world.today, rules)
    if escalated is not None:
        found.append((escalated, True))
    return found


def candidates(today: date, now: datetime) -> list[dict]:
    """Every reminder that should exist by today, as ledger rows (not yet claimed)."""
    world = _World(today)
    hour_reached = to_london(now).hour >= current_app.config["REMINDER_DUE_TODAY_HOUR"]
    wanted = []
    for source in all_sources():
        for row in db.session.execute(source.rows(world.horizon())):
            if not world.working.get(row.partnership_id, False):
                continue  # a weekend, bank holiday or closure day: the next working day sends
            due = getattr(row, "extended_to", None) or row.due_date
            firings = _firings(world, row, due, hour_reached)
            if firings:
                wanted.extend(_rows_for(world, source, row, due, firings))
    return wanted


def _rows_for(world, source, row, due, firings):
    owners = world.allowed(source.recipients(row), row.partnership_id, source.permission)
    managers = None
    shared = None
    for firing, escalated in firings:
        if escalated or not owners:
            managers = managers if managers is not None else world.managers(
                row.partnership_id, source.permission)
        people = managers if escalated or not owners else owners
        if people and shared is None:
            shared = {
                "subject_type": source.subject_type, "subject_id": row.subject_id,
                "partnership_id": row.partnership_id, "policy_key": row.policy_key,
                "step": source.step_of(row)[:300], "reference": row.reference,
                "link": source.link(row)[:500], "due_date": due,
            }
        for person in people:
            yield {**shared, "stage": firing.stage, "fire_date": firing.fire_date,
                   "recipient_id": person.id}


def _insert_claims(rows: list[dict]) -> list[int]:
    """Insert ledger rows, skipping keys already there; the ids this call inserted."""
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    claimed = []
    now = utcnow()
    for start in range(0, len(rows), CHUNK):
        chunk = [{**row, "created_at": now} for row in rows[start:start + CHUNK]]
        stmt = insert(Reminder).on_conflict_do_nothing(
            index_elements=["subject_type", "subject_id", "stage", "recipient_id", "fire_date"]
        ).returning(Reminder.id)
        claimed.extend(db.session.scalars(stmt, chunk))
    return claimed


def claim(today: date, now: datetime) -> list[Reminder]:
    """Claim today's reminders and queue their e-mails, in the current transaction."""
    claimed_ids = _insert_claims(candidates(today, now))
    if not claimed_ids:
        return []
    reminders = []
    for start in range(0, len(claimed_ids), CHUNK):
        reminders.extend(db.session.scalars(
            sa.select(Reminder).where(Reminder.id.in_(claimed_ids[start:start + CHUNK]))))
    emails.queue_for(reminders, _people(), today, now)
    return reminders


def run_pass(today: date, now: datetime | None = None, *, dry_run: bool = False,
             send: bool = True) -> PassReport:
    """One whole pass: claim and queue in one transaction, commit, then send what is due."""
    now = now or utcnow()
    report = PassReport(today=today, dry_run=dry_run)
    with _url_context():
        reminders = claim(today, now)
    report.claimed = [_line(r) for r in reminders]
    report.emails_queued = len({r.email_id for r in reminders if r.email_id})
    if dry_run:
        db.session.rollback()
        return report
    db.session.commit()
    if send:
        report.sent, report.failed = mail.send_due(now)
    return report


def _line(reminder: Reminder) -> dict:
    return {"stage": reminder.stage, "reference": reminder.reference, "step": reminder.step,
            "due_date": reminder.due_date, "recipient_id": reminder.recipient_id,
            "email": reminder.email_skipped or ("queued" if reminder.email_id else "none")}


def _url_context():
    """A request context for url_for, from BASE_URL, unless there is one already."""
    from contextlib import nullcontext

    if has_request_context():
        return nullcontext()
    return current_app.test_request_context("/", base_url=current_app.config["BASE_URL"])
