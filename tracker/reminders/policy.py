"""When a deadline reminds: a pure function of its due date, the day and the policy.

A reminder policy has stages: a number of working days before the due date, on the due date,
overdue (daily for the first working days, then once a working week) and an escalation to the
partnership's managers once a deadline is a number of working days overdue. Reminders go on
the partnership's open days only (not a weekend, bank holiday or closure day).

Two calendars meet here: the partnership's open days, when reminders go and are counted, and
the rule's own (tracker.deadlines.counting_calendar: weekends and bank holidays only for a
statutory or Panel rule). A deadline due on a weekend or bank holiday is due on the rule's next
working day. When that day is one of the partnership's closure days, the due-date reminder goes
as "Due soon" on the last open day *before* it, so nobody learns of a statutory date after it
has passed; overdue and escalation stages that fall on a closure day go on the next open day.
For a local-practice rule the two calendars are one, so nothing moves.

A pass on day D sends, for each deadline, only the latest stage whose day has come by D: so a
scheduler that was down for a week sends what it missed once, not once per missed day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from tracker.calendar import (
    add_working_days,
    is_working_day,
    subtract_working_days,
    working_days_between,
)

BEFORE = "before"
DUE = "due"
OVERDUE = "overdue"
ESCALATION = "escalation"
DUE_NOW = "due_now"  # due today and still open at the configured hour: an immediate e-mail

STAGE_LABELS = {
    BEFORE: "Due soon",
    DUE: "Due today",
    OVERDUE: "Overdue",
    ESCALATION: "Overdue: escalated",
    DUE_NOW: "Due today and still open",
}
MAX_BEFORE = 20
MAX_DAILY = 20
MAX_ESCALATE = 120


@dataclass(frozen=True)
class Policy:
    """A rule's reminder stages. None switches a stage off."""

    before_working_days: int | None = 2
    on_due: bool = True
    overdue_daily_days: int = 5
    overdue_weekly: bool = True
    escalate_after: int | None = 5

    def describe(self) -> str:
        """The policy in one line, as the settings page shows it."""
        parts = []
        if self.before_working_days:
            parts.append(f"{self.before_working_days} working days before")
        if self.on_due:
            parts.append("on the due date")
        if self.overdue_daily_days:
            parts.append(f"daily for {self.overdue_daily_days} working days when overdue")
        if self.overdue_weekly:
            parts.append("then weekly" if self.overdue_daily_days else "weekly when overdue")
        if self.escalate_after:
            parts.append(f"escalated after {self.escalate_after} working days overdue")
        return ", ".join(parts) or "No reminders"


DEFAULT_POLICY = Policy()


@dataclass(frozen=True)
class Firing:
    """A stage of a deadline's reminders and the working day it belongs to."""

    stage: str
    fire_date: date


def next_working_day(day: date, partnership=None) -> date:
    """`day` itself when it is a working day, else the first working day after it."""
    if is_working_day(day, partnership):
        return day
    return add_working_days(day, 1, partnership)


# `counting` left out: the rule's calendar is the partnership's (a local-practice rule).
_SAME = object()


def _counting(partnership, counting):
    return partnership if counting is _SAME else counting


def due_stage(due: date, partnership=None, counting=_SAME) -> Firing:
    """The due-date reminder: on the rule's working day the deadline is due, or, when the
    partnership is closed that day, as "Due soon" on its last open day before it."""
    day = next_working_day(due, _counting(partnership, counting))
    if is_working_day(day, partnership):
        return Firing(DUE, day)
    return Firing(BEFORE, subtract_working_days(day, 1, partnership))


def _before(policy: Policy, due: date, partnership) -> date | None:
    if not policy.before_working_days:
        return None
    return subtract_working_days(due, policy.before_working_days, partnership)


def _overdue(policy: Policy, due: date, today: date, partnership, counting) -> date | None:
    """The latest overdue stage's day on or before today, or None.

    Daily on working days 1 to `overdue_daily_days` after the due day, then (if weekly)
    every 5th working day after the last daily one. A due date on a non-working day is due
    on the next working day: overdue counts from there, so "Due today" is never skipped.
    Overdue days are the partnership's open days after the rule's due day.
    """
    due = next_working_day(due, counting)
    late = working_days_between(due, today, partnership)  # working days in (due, today]
    if late < 1:
        return None
    daily = policy.overdue_daily_days or 0
    if late <= daily:
        step = late
    else:
        step = daily or None
        weeks = (late - daily) // 5
        if policy.overdue_weekly and weeks >= 1:
            step = daily + 5 * weeks
    return add_working_days(due, step, partnership) if step else None


def latest_firing(policy: Policy, due: date, today: date, partnership=None,
                  counting=_SAME) -> Firing | None:
    """The latest reminder stage of a deadline due on `due` whose day has come by `today`.

    None on a non-working day (nothing is sent then) or when no stage has come yet.
    `counting` is the rule's calendar (tracker.deadlines.counting_calendar), when it is not
    the partnership's.
    """
    counting = _counting(partnership, counting)
    if not is_working_day(today, partnership):
        return None
    candidates = []
    before = _before(policy, due, partnership)
    if before is not None and before <= today and before < due:
        candidates.append(Firing(BEFORE, before))
    if policy.on_due:
        on_due = due_stage(due, partnership, counting)
        if on_due.fire_date <= today:
            candidates.append(on_due)
    overdue = _overdue(policy, due, today, partnership, counting)
    if overdue is not None:
        candidates.append(Firing(OVERDUE, overdue))
    if not candidates:
        return None
    return max(candidates, key=lambda firing: (firing.fire_date, _ORDER[firing.stage]))


_ORDER = {BEFORE: 0, DUE: 1, OVERDUE: 2}


def due_now(policy: Policy, due: date, today: date, partnership=None,
            counting=_SAME) -> Firing | None:
    """The immediate "due today and still open" stage: only where the policy reminds on the
    due date, on the working day the deadline is due (never moved to an earlier day)."""
    if policy.on_due and due_stage(due, partnership, counting) == Firing(DUE, today) \
            and is_working_day(today, partnership):
        return Firing(DUE_NOW, today)
    return None


def escalation(policy: Policy, due: date, today: date, partnership=None,
               counting=_SAME) -> Firing | None:
    """The escalation to managers, once the deadline is `escalate_after` working days late."""
    if not policy.escalate_after or not is_working_day(today, partnership):
        return None
    due_day = next_working_day(due, _counting(partnership, counting))
    fire_date = add_working_days(due_day, policy.escalate_after, partnership)
    return Firing(ESCALATION, fire_date) if fire_date <= today else None
