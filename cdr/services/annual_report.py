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
would give it away (tracker.suppression): the exact counts never leave this module.

The counts come from the tally the database keeps per partnership and month (cdr.report_tally):
one query adding up the year's twelve months, whatever the number of cases.
"""

from __future__ import annotations

import bisect
import itertools
from collections import Counter, defaultdict
from datetime import date, timedelta
from typing import NamedTuple

import sqlalchemy as sa

from cdr import report_tally as tally
from cdr.models import CATEGORIES, MODIFIABLE, PLACES_OF_DEATH, SEXES
from cdr.report_tally import AGE_BANDS, COMPLETED_DIMENSIONS, NOTIFIED_DIMENSIONS
from tracker.compliance import Period
from tracker.extensions import db
from tracker.suppression import FEWER_THAN, Figure, breakdown, figure

__all__ = ["AGE_BANDS", "COMPLETED_DIMENSIONS", "NOTIFIED_DIMENSIONS", "AnnualReport",
           "Breakdown", "annual_report", "reporting_years"]

NOT_KNOWN = "Not known"
NOT_RECORDED = "Not recorded"

EXPECTED_LABELS = {"yes": "Expected", "no": "Unexpected", "not_known": NOT_KNOWN}
# Time from death to review completion, in days: (first day, band).
TIME_BANDS = ((0, "Under 6 months (0 to 182 days)"), (183, "6 to 12 months (183 to 364 days)"),
              (365, "1 to 2 years (365 to 729 days)"), (730, "2 years or more (730 days or more)"))
_TIME_FIRSTS = [first for first, _ in TIME_BANDS]

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


_TALLY = tally.report_tally.c
# The year's months of one partnership, added up by group: a few hundred rows of the tally's
# primary key, however many cases there are. Built once; only the parameters change.
_YEAR_COUNTS = (
    sa.select(_TALLY.measure, _TALLY.dimension, _TALLY.value, sa.func.sum(_TALLY.n))
    .where(_TALLY.partnership_id == sa.bindparam("partnership_id"),
           _TALLY.month.between(sa.bindparam("first", type_=sa.Date),
                                sa.bindparam("last", type_=sa.Date)))
    .group_by(_TALLY.measure, _TALLY.dimension, _TALLY.value)
)


def _whole_months(period: Period) -> bool:
    return period.start.day == 1 and (period.end + timedelta(days=1)).day == 1


def _grouped(partnership_id: int, period: Period) -> list[tuple]:
    """(measure, dimension key or "days", value, count) for the period: one query."""
    if not _whole_months(period):
        # The tally is kept by month; a report year always is twelve whole ones.
        raise ValueError(f"The annual report needs whole months, not {period}")
    return db.session.execute(_YEAR_COUNTS, {"partnership_id": partnership_id,
                                             "first": period.start, "last": period.end}).all()


def _split(rows) -> tuple[dict[str, Counter], dict[str, Counter], list[tuple[int, int]]]:
    """({dimension key: Counter of values} notified, the same completed, [(days, count)])."""
    counters = {tally.NOTIFIED: defaultdict(Counter), tally.COMPLETED: defaultdict(Counter)}
    days = []
    for measure, key, value, count in rows:
        if not count:
            continue
        if key == tally.DAYS:
            days.append((int(value), int(count)))
        else:
            counters[measure][key][value] += int(count)
    return counters[tally.NOTIFIED], counters[tally.COMPLETED], sorted(days)


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
    counts = [0] * len(TIME_BANDS)
    for value, n in days:  # a negative number of days (a date mistyped): the first band
        counts[max(bisect.bisect_right(_TIME_FIRSTS, value) - 1, 0)] += n
    cells, total = breakdown(counts)
    rows = [(label, cell) for (_, label), cell in zip(TIME_BANDS, cells, strict=True)]
    table = Breakdown(COMPLETED, "Time from death to review completion", rows, total)
    if not counts or sum(counts) == 0:
        return table, Figure(None, "no reviews")
    if sum(counts) < 3:
        return table, Figure(None, FEWER_THAN)
    median = _median(days)
    return table, Figure(median, f"{median:g} days")


def _median(days: list[tuple[int, int]]) -> float:
    """The median of the values `days` holds (value, how many), in order of value: the middle
    one, or the mean of the middle two, as statistics.median gives."""
    total = sum(n for _, n in days)
    seen = list(itertools.accumulate(n for _, n in days))  # how many values up to each

    def at(position):  # the value at a 0-based position of the sorted values
        return days[bisect.bisect_right(seen, position)][0]

    if total % 2:
        return at(total // 2)
    return (at(total // 2 - 1) + at(total // 2)) / 2


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
