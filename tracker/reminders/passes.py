"""One reminder pass: work out from the database what is due, claim it once, queue e-mail.

A pass never trusts memory: each run reads open deadlines and actions, works out each one's
latest reminder stage for today (tracker.reminders.policy), and inserts a ledger row per
recipient under a unique key with ON CONFLICT DO NOTHING. Only the rows this pass inserted
are its own; the e-mails that carry them are queued in the same transaction, then sent
(tracker.mail). A repeated pass, a second scheduler or a pass after a crash claims nothing
twice and loses nothing.
"""

from __future__ import annotations

import secrets
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import NamedTuple

import sqlalchemy as sa
from flask import current_app, has_request_context

from tracker import agency_chasing, mail
from tracker.calendar import add_working_days, is_working_day
from tracker.deadline_service import load_rules
from tracker.extensions import db
from tracker.models import User, user_partnership
from tracker.reminders import emails
from tracker.reminders.models import CLAIMED_COLUMNS, Reminder, ReminderPolicy
from tracker.reminders.policy import (
    DEFAULT_POLICY,
    DUE,
    DUE_NOW,
    ESCALATION,
    MAX_BEFORE,
    Policy,
    due_now,
    escalation,
    latest_firing,
)
from tracker.reminders.sources import ReminderSource, all_sources, counting_calendar_of
from tracker.roles import role_has
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
    chases_queued: int = 0
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
        self.memo: dict[tuple, list] = {}
        self._managers: dict[tuple, list[Person]] = {}
        self._allowed: dict[tuple, list[Person]] = {}

    def policy(self, partnership_id: int, key: str) -> Policy:
        return self.policies.get((partnership_id, key), DEFAULT_POLICY)

    def allowed(self, user_ids, partnership_id, permission) -> list[Person]:
        key = (tuple(user_ids), partnership_id, permission)
        if key not in self._allowed:
            found = (self.people.get(uid) for uid in dict.fromkeys(key[0]) if uid)
            self._allowed[key] = [p for p in found
                                  if p is not None and p.may_see(partnership_id, permission)]
        return self._allowed[key]

    def managers(self, partnership_id, permission) -> list[Person]:
        key = (partnership_id, permission)
        if key not in self._managers:
            self._managers[key] = [p for p in self.people.values()
                                   if p.manager and p.may_see(partnership_id, permission)]
        return self._managers[key]

    def team(self, partnership_id, permission) -> list[Person]:
        """Everyone in the partnership holding `permission`: the last resort for a reminder."""
        key = ("team", partnership_id, permission)
        if key not in self._managers:
            self._managers[key] = [p for p in self.people.values()
                                   if p.may_see(partnership_id, permission)]
        return self._managers[key]

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
    """(firing, is_escalation) pairs due today for one row, worked out once per due date."""
    memo_key = (row.partnership_id, row.policy_key, due)
    found = world.memo.get(memo_key)
    if found is not None:
        return found
    rules = world.rules.get(row.partnership_id)
    counting = counting_calendar_of(row.policy_key, rules)
    policy = world.policy(row.partnership_id, row.policy_key)
    found = []
    firing = latest_firing(policy, due, world.today, rules, counting)
    if firing is not None:
        found.append((firing, False))
    now_firing = due_now(policy, due, world.today, rules, counting) if hour_reached else None
    if now_firing is not None:
        found.append((now_firing, False))
    escalated = escalation(policy, due, world.today, rules, counting)
    if escalated is not None:
        found.append((escalated, True))
    world.memo[memo_key] = found
    return found


class Wanted(NamedTuple):
    """A reminder that should exist by today: its unique key and where it comes from."""

    key: tuple  # (subject_type, subject_id, stage, recipient_id, fire_date)
    source: ReminderSource
    row: sa.Row
    due: date


def candidates(world: _World, now: datetime) -> list[Wanted]:
    """Every reminder that should exist by today (claimed already or not)."""
    hour_reached = to_london(now).hour >= current_app.config["REMINDER_DUE_TODAY_HOUR"]
    wanted = []
    # A weekend, bank holiday or closure day sends nothing: the next working day sends it.
    working = sorted(pid for pid, is_working in world.working.items() if is_working)
    if not working:
        return wanted
    horizon = world.horizon()
    for source in all_sources():
        for row in db.session.execute(source.rows(horizon, working)):
            due = row.due_date
            firings = _firings(world, row, due, hour_reached)
            if firings:
                wanted.extend(_wanted_for(world, source, row, due, firings))
    return wanted


def _owners(world, source, row) -> list[Person]:
    """Who a row reminds: its owners; with nobody to remind (no owner, or one who left), the
    managers, else the team."""
    return world.allowed(source.recipients(row), row.partnership_id, source.permission) \
        or world.managers(row.partnership_id, source.permission) \
        or world.team(row.partnership_id, source.team or source.permission)


def _wanted_for(world, source, row, due, firings):
    for firing, escalated in firings:
        if escalated:
            people = world.managers(row.partnership_id, source.permission)
        else:
            people = _owners(world, source, row)
        for person in people:
            key = (source.subject_type, row.subject_id, firing.stage, person.id,
                   firing.fire_date)
            yield Wanted(key, source, row, due)


def paused_steps(world: _World) -> dict[int, list[emails.PausedStep]]:
    """Per person, the paused deadlines of the cases they would be reminded of: one query
    per source, whatever the number of people."""
    found: dict[int, list[emails.PausedStep]] = defaultdict(list)
    partnership_ids = sorted(world.rules)
    if not partnership_ids:
        return found
    for source in all_sources():
        if source.paused is None:
            continue
        for row in db.session.execute(source.paused(partnership_ids)):
            step = emails.PausedStep(row.reference, source.step_of(row)[:300],
                                     source.link(row)[:500], row.subject_id)
            for person in _owners(world, source, row):
                found[person.id].append(step)
    return found


def _already_claimed(wanted: list[Wanted]) -> set[tuple]:
    """The keys among `wanted` the ledger holds already.

    Reminder stages are read by day (from the earliest wanted, normally days ago);
    escalations, whose day is fixed and can be long past, by their subjects. Only a speed-up:
    the unique key refuses a repeat in any case (another pass may be claiming right now).
    """
    table = Reminder.__table__
    columns = (table.c.subject_type, table.c.subject_id, table.c.stage, table.c.recipient_id,
               table.c.fire_date)
    staged = [w.key for w in wanted if w.key[2] != ESCALATION]
    found = set()
    if staged:
        earliest = min(key[4] for key in staged)
        found.update(tuple(row) for row in db.session.execute(
            sa.select(*columns).where(table.c.fire_date >= earliest,
                                      table.c.stage != ESCALATION)))
    escalated = sorted({w.key[1] for w in wanted if w.key[2] == ESCALATION})
    for start in range(0, len(escalated), CHUNK):
        found.update(tuple(row) for row in db.session.execute(
            sa.select(*columns).where(table.c.stage == ESCALATION,
                                      table.c.subject_id.in_(escalated[start:start + CHUNK]))))
    return found


def _due_now_after_due(fresh: list[Wanted], known: set[tuple]) -> list[Wanted]:
    """Drop an immediate "due today and still open" e-mail unless an earlier pass already
    sent that person the day's "Due today": one that came in the same pass says it already."""
    return [w for w in fresh if w.key[2] != DUE_NOW
            or (w.key[0], w.key[1], DUE, w.key[3], w.key[4]) in known]


LEDGER_COLUMNS = ("subject_type", "subject_id", "stage", "recipient_id", "fire_date",
                  "partnership_id", "policy_key", "step", "reference", "link", "due_date",
                  "created_at", "claim")


def _ledger_row(wanted: Wanted, now: datetime, token: str, as_text: bool) -> tuple:
    """A ledger row in LEDGER_COLUMNS order; dates as ISO text where the driver needs it."""
    subject_type, subject_id, stage, recipient_id, fire_date = wanted.key
    row, source = wanted.row, wanted.source
    dates = (fire_date.isoformat(), wanted.due.isoformat(), now.isoformat(" ")) if as_text \
        else (fire_date, wanted.due, now)
    return (subject_type, subject_id, stage, recipient_id, dates[0], row.partnership_id,
            row.policy_key, source.step_of(row)[:300], row.reference, source.link(row)[:500],
            dates[1], dates[2], token)


_T = Reminder.__table__


def _insert_claims(wanted: list[Wanted], now: datetime) -> list[sa.Row]:
    """Insert ledger rows, skipping keys already there; the rows this call inserted.

    A plain DBAPI executemany with ON CONFLICT DO NOTHING (SQLAlchemy's per-row parameter
    handling cost more than the insert itself at 100,000 cases); what this pass won is read
    back by its claim token.
    """
    if not wanted:
        return []
    token = secrets.token_hex(16)
    connection = db.session.connection()
    sqlite_driver = connection.dialect.name == "sqlite"
    mark = "?" if connection.dialect.paramstyle == "qmark" else "%s"
    # Fixed column names and placeholders only: no value is ever formatted into the SQL.
    sql = (f"INSERT INTO reminder ({', '.join(LEDGER_COLUMNS)}) "  # noqa: S608
           f"VALUES ({', '.join([mark] * len(LEDGER_COLUMNS))}) "
           "ON CONFLICT (subject_type, subject_id, stage, recipient_id, fire_date) DO NOTHING")
    rows = [_ledger_row(w, now, token, sqlite_driver) for w in wanted]
    for start in range(0, len(rows), CHUNK):
        connection.exec_driver_sql(sql, rows[start:start + CHUNK])
    return connection.execute(
        sa.select(*CLAIMED_COLUMNS).where(_T.c.claim == token).order_by(_T.c.id)).all()


def claim(today: date, now: datetime) -> tuple[list[sa.Row], dict[int, str]]:
    """Claim today's reminders and queue their e-mails, in the current transaction.

    Returns the claimed ledger rows and, per reminder id, what became of its e-mail.
    """
    world = _World(today)
    wanted = candidates(world, now)
    known = _already_claimed(wanted)
    fresh = [w for key, w in {w.key: w for w in wanted}.items() if key not in known]
    # Inserted in key order, so two passes at once take their row locks in the same order.
    fresh = sorted(_due_now_after_due(fresh, known), key=lambda w: w.key)
    claimed = _insert_claims(fresh, utcnow())
    held = emails.held_for_digest(today)
    if not claimed and not held:
        return [], {}
    return claimed, emails.queue_for(claimed, held, world.people, today, now,
                                     paused=lambda: paused_steps(world))


def run_pass(today: date, now: datetime | None = None, *, dry_run: bool = False,
             send: bool = True) -> PassReport:
    """One whole pass: claim and queue in one transaction, commit, then send what is due."""
    now = now or utcnow()
    report = PassReport(today=today, dry_run=dry_run)
    with _url_context():
        claimed, outcome = claim(today, now)
    report.chases_queued = agency_chasing.chase(today, now)
    report.claimed = [_line(r, outcome) for r in claimed]
    report.emails_queued = len({v for v in outcome.values() if isinstance(v, int)})
    if dry_run:
        db.session.rollback()
        return report
    db.session.commit()
    if send:
        report.sent, report.failed = mail.send_due(now)
    return report


def _line(reminder: sa.Row, outcome: dict) -> dict:
    email = outcome.get(reminder.id)
    return {"stage": reminder.stage, "reference": reminder.reference, "step": reminder.step,
            "due_date": reminder.due_date, "recipient_id": reminder.recipient_id,
            "email": "queued" if isinstance(email, int) else (email or "none")}


def _url_context():
    """A request context for url_for, from BASE_URL, unless there is one already."""
    from contextlib import nullcontext

    if has_request_context():
        return nullcontext()
    return current_app.test_request_context("/", base_url=current_app.config["BASE_URL"])
