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

Everything is counted in SQL: one grouped query for the counts and one for the medians,
whatever the number of deadlines.
"""

from __future__ import annotations

from datetime import date
from typing import NamedTuple

import sqlalchemy as sa

from tracker import deadline_service, deadlines
from tracker.deadline_models import Deadline
from tracker.extensions import db

ALL_RULES = "*"
TOTAL_TITLE = "All deadlines"
# Inline, not a bound parameter: PostgreSQL cannot type a parameter in a UNION's select list.
_ALL_RULES_SQL = sa.literal_column(f"'{ALL_RULES}'")


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


def _counted(partnership_id: int, period: Period, owner_types) -> list:
    """The where-clause of the deadlines counted (see the module's docstring)."""
    return [Deadline.partnership_id == partnership_id,
            Deadline.due_date.between(period.start, period.end),
            Deadline.owner_type.in_(list(owner_types)),
            Deadline.rule_key.not_in(deadline_service.MINIMUM_PERIOD_RULES)]


def _outcomes(today: date) -> dict[str, sa.ColumnElement]:
    """Each outcome as a condition on a deadline row (they do not overlap)."""
    effective = sa.func.coalesce(Deadline.extended_to, Deadline.due_date)
    applies = Deadline.not_applicable_reason.is_(None)
    open_ = sa.and_(applies, Deadline.met_on.is_(None), Deadline.paused_reason.is_(None))
    return {
        "met_on_time": sa.and_(applies, Deadline.met_on <= effective),
        "met_late": sa.and_(applies, Deadline.met_on > effective),
        "missed": sa.and_(open_, effective < today),
        "outstanding": sa.and_(open_, effective >= today),
        "paused": sa.and_(applies, Deadline.met_on.is_(None), Deadline.paused_reason.is_not(None)),
        "not_applicable": sa.not_(applies),
        "extended": sa.and_(applies, Deadline.extended_to.is_not(None)),
    }


def _sums(today: date) -> list:
    return [sa.func.sum(sa.case((condition, 1), else_=0)).label(name)
            for name, condition in _outcomes(today).items()]


def _count_rows(where: list, today: date) -> dict[str, dict]:
    """{rule key or ALL_RULES: {outcome: count}}, one grouped query (with a total row)."""
    per_rule = (sa.select(Deadline.rule_key.label("key"), sa.func.count().label("due"),
                          *_sums(today))
                .where(*where).group_by(Deadline.rule_key))
    total = sa.select(_ALL_RULES_SQL.label("key"), sa.func.count().label("due"),
                      *_sums(today)).where(*where)
    rows = db.session.execute(sa.union_all(per_rule, total)).mappings().all()
    return {row["key"]: {name: int(value or 0) for name, value in row.items() if name != "key"}
            for row in rows if row["due"]}


def _medians(where: list) -> dict[str, float]:
    """{rule key or ALL_RULES: median calendar days late} of deadlines met late (one query)."""
    effective = sa.func.coalesce(Deadline.extended_to, Deadline.due_date)
    late = (sa.select(Deadline.rule_key.label("key"),
                      _days_between(Deadline.met_on, effective).label("days"))
            .where(*where, Deadline.not_applicable_reason.is_(None), Deadline.met_on > effective)
            .cte("late"))
    ranked = sa.union_all(*(
        sa.select(key.label("key"), late.c.days,
                  sa.func.row_number().over(partition_by=partition, order_by=late.c.days)
                  .label("n"),
                  sa.func.count().over(partition_by=partition).label("of"))
        for key, partition in ((late.c.key, late.c.key), (_ALL_RULES_SQL, None))
    )).subquery()
    # The middle row, or the mean of the two middle rows (// is integer division).
    middle = sa.or_(ranked.c.n == (ranked.c.of + 1) // 2, ranked.c.n == (ranked.c.of + 2) // 2)
    rows = db.session.execute(
        sa.select(ranked.c.key, sa.func.avg(ranked.c.days)).where(middle).group_by(ranked.c.key)
    ).all()
    return {key: float(value) for key, value in rows}


def _title(rule_key: str) -> str:
    """The rule's title as the rules module gives it (any edition), or its key."""
    for edition in deadlines.RULESETS.values():
        if rule_key in edition:
            return edition[rule_key].label
    return rule_key


def _row(key: str, title: str, counts: dict, median: float | None) -> RuleCompliance:
    return RuleCompliance(key, title, counts["due"], counts["met_on_time"], counts["met_late"],
                          counts["missed"], counts["outstanding"], counts["paused"],
                          counts["not_applicable"], counts["extended"], median)


def rule_compliance(partnership_id: int, period: Period, owner_types, today: date
                    ) -> tuple[list[RuleCompliance], RuleCompliance | None]:
    """(a row per rule with deadlines due in the period, in the rules' order; the total row).

    `owner_types` are the deadline owners the user may see; the total is None when no
    deadline counts. Two queries, whatever the number of deadlines.
    """
    if not owner_types:
        return [], None
    where = _counted(partnership_id, period, owner_types)
    counts, medians = _count_rows(where, today), _medians(where)
    order = {rule.key: n for n, rule in enumerate(deadlines.all_rules())}
    keys = sorted((key for key in counts if key != ALL_RULES),
                  key=lambda key: (order.get(key, len(order)), key))
    rows = [_row(key, _title(key), counts[key], medians.get(key)) for key in keys]
    total = counts.get(ALL_RULES)
    return rows, (_row(ALL_RULES, TOTAL_TITLE, total, medians.get(ALL_RULES)) if total else None)
