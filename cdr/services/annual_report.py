"""The child death review partners' annual report data, small numbers suppressed.

For a partnership and a reporting year (1 April to 31 March):

- **Deaths notified**: cases whose notification reached the CDOP (`notification_received_on`)
  in the year, by age band at death, sex, expected or unexpected, and place of death.
- **Reviews completed**: cases whose CDOP panel review was completed
  (`review_completed_on`, cleared if the case is reopened) in the year, by the same four and
  by category of death and modifiable factors identified (known only once reviewed), with the
  time from death to completion (median and bands).

The age band comes from `cdr_case.age_at_death_days` (worked out from the date of birth when
the case is recorded); `cdr_child_identity` is never read. Every count of 1 or 2 is shown
as "fewer than 3", to everyone who sees the report, with other cells hidden where a total
would give it away (tracker.suppression): the exact counts never leave this module. One
query, whatever the number of cases, reading only the year's cases from two indexes.
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from datetime import date
from typing import NamedTuple

import sqlalchemy as sa

from cdr.models import CATEGORIES, MODIFIABLE, PLACES_OF_DEATH, SEXES, ChildDeathCase
from tracker.compliance import Period
from tracker.extensions import db
from tracker.suppression import FEWER_THAN, Figure, breakdown, figure

Case = ChildDeathCase
NOT_KNOWN = "Not known"
NOT_RECORDED = "Not recorded"

# (first day of age in days, band): the panel pages' bands (cdr.services.panel.age_band),
# where a whole year is the fewest days it can span (365 a year, one leap day in four).
AGE_BANDS = ((0, "Under 28 days"), (28, "28 to 364 days"), (365, "1 to 4 years"),
             (1826, "5 to 9 years"), (3652, "10 to 14 years"), (5478, "15 to 17 years"),
             (6574, "18 years or over"))
EXPECTED_LABELS = {"yes": "Expected", "no": "Unexpected", "not_known": NOT_KNOWN}
# Time from death to review completion, in days: (first day, band).
TIME_BANDS = ((0, "Under 6 months (0 to 182 days)"), (183, "6 to 12 months (183 to 364 days)"),
              (365, "1 to 2 years (365 to 729 days)"), (730, "2 years or more (730 days or more)"))

NOTIFIED, COMPLETED = "Deaths notified", "Reviews completed"


class Dimension(NamedTuple):
    """A way of breaking the counts down: its title, column label and the groups in order."""

    key: str
    title: str
    groups: tuple[tuple[str | None, str], ...]  # (stored value, label); None: not recorded


DIMENSIONS = (
    Dimension("age", "Age at death", (*((label, label) for _, label in AGE_BANDS),
                                      (None, NOT_KNOWN))),
    Dimension("sex", "Sex", (*SEXES.items(), (None, NOT_RECORDED))),
    Dimension("expected", "Expected or unexpected death",
              (*EXPECTED_LABELS.items(), (None, NOT_RECORDED))),
    Dimension("place", "Place of death", (*PLACES_OF_DEATH.items(), (None, NOT_RECORDED))),
    Dimension("category", "Category of death", (*CATEGORIES.items(), (None, NOT_RECORDED))),
    Dimension("modifiable", "Modifiable factors identified",
              (*MODIFIABLE.items(), (None, NOT_RECORDED))),
)
_BY_KEY = {dimension.key: dimension for dimension in DIMENSIONS}
NOTIFIED_DIMENSIONS = ("age", "sex", "expected", "place")
COMPLETED_DIMENSIONS = ("age", "sex", "expected", "place", "category", "modifiable")


class Breakdown(NamedTuple):
    """One table of the report: a measure by one dimension, suppressed."""

    measure: str
    title: str
    rows: list[tuple[str, Figure]]
    total: Figure


class AnnualReport(NamedTuple):
    """What the report page and workbook show: only suppressed figures."""

    period: Period
    notified: Figure
    completed: Figure
    breakdowns: list[Breakdown]
    time_to_review: Breakdown
    # The median days from death to completion; withheld below 3 reviews.
    median_days: Figure


def _age_band():
    """The age band of a case, in SQL (NULL when the age is not known)."""
    # A case is in a band when its age is below the next band's first day.
    labels = [label for _, label in AGE_BANDS]
    whens = [(Case.age_at_death_days < next_first, label)
             for label, (next_first, _) in zip(labels, AGE_BANDS[1:], strict=False)]
    return sa.case((Case.age_at_death_days.is_(None), None), (Case.age_at_death_days < 0, None),
                   *whens, else_=AGE_BANDS[-1][1])


def _columns():
    return {"age": _age_band(), "sex": Case.sex, "expected": Case.death_expected,
            "place": Case.place_of_death, "category": Case.category,
            "modifiable": Case.modifiable_factors}


def _days_to_review():
    """Calendar days from the death to the review's completion, in the database's arithmetic."""
    if db.session.get_bind().dialect.name == "postgresql":
        return Case.review_completed_on - Case.date_of_death
    return sa.cast(sa.func.julianday(Case.review_completed_on)
                   - sa.func.julianday(Case.date_of_death), sa.Integer)


def _year_cases(partnership_id: int, period: Period):
    """The partnership's cases notified or completed in the period, as a CTE of the six
    dimensions' values, notified in the period (1 or 0) and days from death to a review
    completed in the period (or NULL).

    The cases notified in the period, then those completed in it but notified in another,
    each read from its covering index (ix_cdr_case_notified_report, ..._reviewed_report):
    two index ranges rather than every case of the partnership.
    """
    notified = Case.notification_received_on.between(*period)
    completed = Case.review_completed_on.between(*period)
    columns = [*(_columns()[key].label(key) for key in COMPLETED_DIMENSIONS),
               sa.case((notified, 1), else_=0).label("notified"),
               sa.case((completed, _days_to_review())).label("days")]
    mine = Case.partnership_id == partnership_id
    return sa.union_all(sa.select(*columns).where(mine, notified),
                        sa.select(*columns).where(mine, completed, sa.not_(notified))
                        ).cte("year_cases")


def _grouped(partnership_id: int, period: Period) -> list[tuple]:
    """(dimension key, value, notified (1 or 0), completed (1 or 0), count) for each of the six
    dimensions, then ("days", days from death to completion, 0, 1, count): one query, whose
    few rows are the breakdowns themselves."""
    cases = _year_cases(partnership_id, period)
    completed = sa.case((cases.c.days.is_not(None), 1), else_=0)
    parts = [sa.select(sa.literal(key), sa.cast(cases.c[key], sa.String), cases.c.notified,
                       completed, sa.func.count())
             .group_by(cases.c[key], cases.c.notified, completed)
             for key in COMPLETED_DIMENSIONS]
    days = sa.cast(cases.c.days, sa.String)
    parts.append(sa.select(sa.literal("days"), days, sa.literal(0), sa.literal(1),
                           sa.func.count()).where(cases.c.days.is_not(None)).group_by(days))
    return db.session.execute(sa.union_all(*parts)).all()


def _split(rows) -> tuple[dict[str, Counter], dict[str, Counter], list[tuple[int, int]]]:
    """({dimension key: Counter of values} notified, the same completed, [(days, count)])."""
    notified, completed, days = defaultdict(Counter), defaultdict(Counter), []
    for key, value, was_notified, was_completed, count in rows:
        if key == "days":
            days.append((int(value), count))
            continue
        if was_notified:
            notified[key][value] += count
        if was_completed:
            completed[key][value] += count
    return notified, completed, days


def _breakdown(measure: str, dimension: Dimension, counter: Counter) -> Breakdown:
    """A dimension's counts in its groups' order (an unknown stored value: not recorded)."""
    known = {value for value, _ in dimension.groups if value is not None}
    counts = [sum(n for value, n in counter.items() if value == stored or
                  (stored is None and value not in known))
              for stored, _ in dimension.groups]
    cells, total = breakdown(counts)
    rows = [(label, cell) for (_, label), cell in zip(dimension.groups, cells, strict=True)]
    return Breakdown(measure, dimension.title, rows, total)


def _breakdowns(measure: str, keys, counters: dict[str, Counter]) -> list[Breakdown]:
    """One breakdown per dimension in `keys`."""
    return [_breakdown(measure, _BY_KEY[key], counters[key]) for key in keys]


def _time_to_review(days: list[tuple[int, int]]) -> tuple[Breakdown, Figure]:
    """The bands of time from death to completion, and the median (3 or more reviews)."""
    firsts = [first for first, _ in TIME_BANDS]
    counts = [0] * len(TIME_BANDS)
    for value, n in days:
        band = max(i for i, first in enumerate(firsts) if value >= first) if value >= 0 else 0
        counts[band] += n
    cells, total = breakdown(counts)
    rows = [(label, cell) for (_, label), cell in zip(TIME_BANDS, cells, strict=True)]
    table = Breakdown(COMPLETED, "Time from death to review completion", rows, total)
    if not counts or sum(counts) == 0:
        return table, Figure(None, "no reviews")
    if sum(counts) < 3:
        return table, Figure(None, FEWER_THAN)
    median = statistics.median(value for value, n in days for _ in range(n))  # a few thousand
    return table, Figure(median, f"{median:g} days")


def annual_report(partnership_id: int, period: Period) -> AnnualReport:
    """The report's figures for one partnership and period (one query)."""
    notified, completed, days = _split(_grouped(partnership_id, period))
    breakdowns = (_breakdowns(NOTIFIED, NOTIFIED_DIMENSIONS, notified)
                  + _breakdowns(COMPLETED, COMPLETED_DIMENSIONS, completed))
    table, median = _time_to_review(days)
    # Every case has one value (maybe none) of each dimension: any one's total is the count.
    return AnnualReport(period, figure(sum(notified["sex"].values())),
                        figure(sum(completed["sex"].values())), breakdowns, table, median)


def reporting_years(today: date, first_year: int = 2019) -> list[Period]:
    """Every reporting year from 1 April `first_year` to the current one, latest first."""
    current = today.year if today >= date(today.year, 4, 1) else today.year - 1
    return [Period(date(year, 4, 1), date(year + 1, 3, 31))
            for year in range(current, first_year - 1, -1)]
