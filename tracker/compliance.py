"""Deadline compliance: per rule, how a partnership's deadlines due in a period went.

Which deadlines count, and how (the statuses of tracker.deadlines.deadline_status, frozen
at `today`):

- A deadline counts in a period when its **due date as the rules set it** (`due_date`)
  falls in the period, first and last day included. An extension does not move a deadline
  into another period, so a period's figures keep the same deadlines when they are run
  again; whether it was met on time is judged against the extended date, as its status is.
- **Met on time**: met on or before its due date (or extended date). **Met late**: met
  after it; **days late** are calendar days from that date to the day it was met.
- **Missed**: not met, not paused, and the due (or extended) date is before `today`.
  **Outstanding**: not met, not paused, due `today` or later.
- **Paused** (and not met) and **not applicable** deadlines are counted apart: they are
  neither met nor missed. A deadline met while paused counts as met.
- "Keep it public until" minimum periods are not deadlines to meet and are left out, and
  only the deadlines of the domains whose cases the user may see are counted.

Everything is counted in SQL, in one grouped query whatever the number of deadlines: by
rule, outcome and days late, so the medians come from the small distribution it returns.
The whole months of the period are read from the deadline tally, which the database keeps
per month (tracker.compliance_tally), so a year is a few hundred tally rows however many
cases it holds; only the days of a month the period starts or ends inside are counted from
the deadlines themselves, from the index range of those days (see _grouped).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date, timedelta
from typing import NamedTuple

import sqlalchemy as sa

from tracker import deadline_service, deadlines
from tracker.compliance_tally import OPEN, DeadlineTally
from tracker.deadline_models import Deadline
from tracker.extensions import db

ALL_RULES = "*"
TOTAL_TITLE = "All deadlines"


class Period(NamedTuple):
    """A period of days, first and last included."""

    start: date
    end: date


def reporting_year(today: date) -> Period:
    """The reporting year (1 April to 31 March) that `today` falls in."""
    start_year = today.year if today >= date(today.year, 4, 1) else today.year - 1
    return Period(date(start_year, 4, 1), date(start_year + 1, 3, 31))


def latest_complete_year(today: date) -> Period:
    """The last reporting year (1 April to 31 March) that ended before `today`."""
    current = reporting_year(today)
    return Period(date(current.start.year - 1, 4, 1), date(current.start.year, 3, 31))


class RuleCompliance(NamedTuple):
    """How the deadlines of one rule (or of all rules) due in the period went."""

    rule_key: str
    title: str
    due: int
    met_on_time: int
    met_late: int
    missed: int
    outstanding: int
    paused: int
    not_applicable: int
    extended: int
    median_days_late: float | None

    @property
    def decided(self) -> int:
        """Deadlines whose outcome is known: met (on time or late) or missed."""
        return self.met_on_time + self.met_late + self.missed

    @property
    def percent_on_time(self) -> int | None:
        """Met on time as a whole percentage of those decided; None when none are."""
        return round(self.met_on_time * 100 / self.decided) if self.decided else None


def _days_between(later, earlier):
    """Whole calendar days from `earlier` to `later`, in the database's own date arithmetic."""
    if db.session.get_bind().dialect.name == "postgresql":
        return later - earlier
    return sa.cast(sa.func.julianday(later) - sa.func.julianday(earlier), sa.Integer)


def _counted(partnership_id: int, days: Period, owner_types) -> list:
    """The where-clause of the deadlines counted (see the module's docstring)."""
    return [Deadline.partnership_id == partnership_id,
            Deadline.due_date.between(days.start, days.end),
            Deadline.owner_type.in_(list(owner_types)),
            Deadline.rule_key.not_in(deadline_service.NOT_THE_PARTNERSHIPS)]


def _next_month(day: date) -> date:
    """The first day of the month after `day`'s."""
    return (day.replace(day=1) + timedelta(days=32)).replace(day=1)


def split_period(period: Period) -> tuple[Period | None, list[Period]]:
    """(the first days of the first and last whole months in the period, or None; the days
    left over, before and after them).

    1 April to 31 March is twelve whole months and no days left over; 15 April to 14 June
    is May, with 15 to 30 April and 1 to 14 June left over.
    """
    if period.end.year == date.max.year:  # no month after it: its days are counted one by one
        return None, [period]
    first = period.start if period.start.day == 1 else _next_month(period.start)
    day_after = period.end + timedelta(days=1)
    # The day after the last whole month.
    after = day_after if day_after.day == 1 else period.end.replace(day=1)
    if first >= after:
        return None, [period]
    left = [Period(period.start, first - timedelta(days=1))] if period.start < first else []
    if after <= period.end:
        left.append(Period(after, period.end))
    return Period(first, (after - timedelta(days=1)).replace(day=1)), left


OUTCOMES = ("met_on_time", "met_late", "missed", "outstanding", "paused", "not_applicable")


def _outcome(today: date, plain: bool = False):
    """A deadline row's outcome (see the module's docstring), as one SQL CASE.

    `plain`: as if the deadline were neither not applicable nor paused (see _grouped).
    """
    effective = sa.func.coalesce(Deadline.extended_to, Deadline.due_date)
    special = () if plain else ((Deadline.not_applicable_reason.is_not(None), "not_applicable"),)
    paused = () if plain else ((Deadline.paused_reason.is_not(None), "paused"),)
    return sa.case(
        *special,
        (Deadline.met_on <= effective, "met_on_time"),
        (Deadline.met_on > effective, "met_late"),
        *paused,
        (effective < today, "missed"),
        else_="outstanding",
    )


def _keys(today: date, plain: bool) -> tuple:
    """The grouping columns: (rule key, outcome, days late or None, extended 1 or 0)."""
    effective = sa.func.coalesce(Deadline.extended_to, Deadline.due_date)
    applicable = sa.true() if plain else Deadline.not_applicable_reason.is_(None)
    late = sa.and_(applicable, Deadline.met_on > effective)
    days = sa.case((late, _days_between(Deadline.met_on, effective)), else_=None)
    extended = sa.case((sa.and_(applicable, Deadline.extended_to.is_not(None)), 1), else_=0)
    return Deadline.rule_key, _outcome(today, plain), days, extended


def _grouped(where: list, today: date) -> list:
    """Selects of (rule key, outcome, days late or None, extended or not, count) for the
    deadlines counted one by one (`where`).

    Every counted deadline is first grouped as if it were neither not applicable nor paused,
    from the covering index ix_deadline_compliance alone (the reasons are free text, too
    long for an index); the few that are one or the other then move from that group to
    their own (a negative count and a positive one), found through ix_deadline_set_aside.
    That index leads with the partnership and the owner type, which these selects name:
    SQLite, without statistics to tell that a partial index is small, took
    ix_deadline_partnership_due (the same columns) instead and read every deadline of the
    days from the table, twice (the query took 22 ms at 100,000 cases, 7 ms since);
    PostgreSQL chose the small index either way. Days late are grouped too, so the medians
    come from each rule's distribution of them (a few hundred rows at most), not from
    sorting every late deadline in the database.
    """
    set_aside = [*where, sa.or_(Deadline.not_applicable_reason.is_not(None),
                                Deadline.paused_reason.is_not(None))]
    plain, real = _keys(today, plain=True), _keys(today, plain=False)
    return [sa.select(*plain, sa.func.count()).where(*where).group_by(*plain),
            sa.select(*plain, -sa.func.count()).where(*set_aside).group_by(*plain),
            sa.select(*real, sa.func.count()).where(*set_aside).group_by(*real)]


def _tallied(partnership_id: int, months: Period, owner_types, today: date):
    """The same select as _grouped's, for whole months, from the deadline tally: an open
    deadline is missed when the day it was due by is before `today`, else outstanding."""
    tally = DeadlineTally
    outcome = sa.case((tally.outcome != OPEN, tally.outcome),
                      (tally.open_until < today, "missed"), else_="outstanding")
    days = sa.case((tally.outcome == "met_late", tally.days_late), else_=None)
    keys = (tally.rule_key, outcome, days, tally.extended)
    return (sa.select(*keys, sa.func.sum(tally.n))
            .where(tally.partnership_id == partnership_id,
                   tally.month.between(months.start, months.end),
                   tally.owner_type.in_(list(owner_types)),
                   tally.rule_key.not_in(deadline_service.NOT_THE_PARTNERSHIPS))
            .group_by(*keys))


def _counts(partnership_id: int, period: Period, owner_types, today: date) -> list:
    """(rule key, outcome, days late or None, extended or not, count) rows: one query, the
    whole months from the tally and the days left over from the deadlines."""
    months, left = split_period(period)
    parts = [_tallied(partnership_id, months, owner_types, today)] if months else []
    for days in left:
        parts += _grouped(_counted(partnership_id, days, owner_types), today)
    return db.session.execute(sa.union_all(*parts)).all()


def _median(days_counts: dict[int, int]) -> float | None:
    """The median of a distribution {days: how many}; the mean of the middle two if even."""
    size = sum(days_counts.values())
    if not size:
        return None
    middle, seen, found = ((size + 1) // 2, (size + 2) // 2), 0, []
    for value in sorted(days_counts):
        before, seen = seen, seen + days_counts[value]
        found += [value for position in middle if before < position <= seen]
    return sum(found) / 2


def _tally(rows) -> tuple[dict[str, Counter], dict[str, Counter]]:
    """({rule key or ALL_RULES: Counter of outcomes}, {same: Counter of days late})."""
    counts, late = defaultdict(Counter), defaultdict(Counter)
    for rule_key, outcome, days, extended, number in rows:
        for key in (rule_key, ALL_RULES):
            counts[key][outcome] += number
            counts[key]["due"] += number
            counts[key]["extended"] += number * extended
            if days is not None:
                late[key][int(days)] += number
    return counts, late


def _title(rule_key: str) -> str:
    """The rule's title as the rules module gives it (any edition), or its key."""
    for edition in deadlines.RULESETS.values():
        if rule_key in edition:
            return edition[rule_key].label
    return rule_key


def _row(key: str, title: str, counts: Counter, late: Counter) -> RuleCompliance:
    return RuleCompliance(key, title, counts["due"], *(counts[name] for name in OUTCOMES),
                          counts["extended"], _median(late))


def rule_compliance(partnership_id: int, period: Period, owner_types, today: date
                    ) -> tuple[list[RuleCompliance], RuleCompliance | None]:
    """(a row per rule with deadlines due in the period, in the rules' order; the total row).

    `owner_types` are the deadline owners the user may see; the total is None when no
    deadline counts. One query, whatever the number of deadlines.
    """
    if not owner_types:
        return [], None
    counts, late = _tally(_counts(partnership_id, period, owner_types, today))
    order = {rule.key: n for n, rule in enumerate(deadlines.all_rules())}
    keys = sorted((key for key in counts if key != ALL_RULES),
                  key=lambda key: (order.get(key, len(order)), key))
    rows = [_row(key, _title(key), counts[key], late[key]) for key in keys]
    if ALL_RULES not in counts:
        return rows, None
    return rows, _row(ALL_RULES, TOTAL_TITLE, counts[ALL_RULES], late[ALL_RULES])
