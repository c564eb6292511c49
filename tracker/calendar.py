"""Working-day calendar for England: weekends, bank holidays and partnership closure days."""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache
from itertools import accumulate, compress

import holidays

# "'Working day' means any day which is not a Saturday, Sunday or Bank Holiday."
# Working Together 2018, chapter 4 footnote 90 ([003] L1512). The guidance covers England
# only, so the England and Wales bank holidays are used (DOMAIN.md 1A, A-23).

FIRST_DAY = date(1990, 1, 1)
LAST_DAY = date(2100, 12, 31)

_ORD0 = FIRST_DAY.toordinal()
_SPAN = LAST_DAY.toordinal() - _ORD0 + 1
_WEEKEND_NAMES = {5: "Saturday", 6: "Sunday"}


class _Calendar:
    """Precomputed working days for one set of closure dates, so every lookup is O(1)."""

    __slots__ = ("before", "working", "working_dates")

    def __init__(self, working: bytearray):
        self.working = working
        # before[i]: how many working days fall strictly before day i of the range, so
        # before[i + 1] counts those on or before day i, and the n-th working day strictly
        # after day i (whatever day i is) sits at working_dates[before[i + 1] + n - 1].
        # The counts are drawn from one shared tuple of ints: a calendar then holds pointers
        # only, about 0.6 MB instead of 1.9 MB, which matters with 64 cached per process.
        self.before = list(map(_counts().__getitem__, accumulate(working, initial=0)))
        self.working_dates = list(compress(_all_days(), working))


@lru_cache(maxsize=1)
def _all_days() -> tuple[date, ...]:
    """Every date in the supported range, in order (built once, shared by every calendar)."""
    return tuple(date.fromordinal(_ORD0 + i) for i in range(_SPAN))


@lru_cache(maxsize=1)
def _counts() -> tuple[int, ...]:
    """The ints 0 to the number of days in the range, shared by every calendar."""
    return tuple(range(_SPAN + 1))


@lru_cache(maxsize=1)
def _bank_holiday_names() -> dict[date, str]:
    """England and Wales bank holidays over the whole supported range, from `holidays`."""
    # The package carries substitute days and one-off days (8 May 2020, 3 June 2022,
    # 19 September 2022, 8 May 2023), so no list is kept by hand here.
    found = holidays.UK(subdiv="ENG", years=range(FIRST_DAY.year, LAST_DAY.year + 1))
    return dict(sorted(found.items()))


@lru_cache(maxsize=1)
def _base_calendar() -> _Calendar:
    """The calendar with weekends and bank holidays only, shared by every partnership."""
    working = bytearray(1 if d.weekday() < 5 else 0 for d in _all_days())
    for day in _bank_holiday_names():
        working[day.toordinal() - _ORD0] = 0
    return _Calendar(working)


# Keyed by the frozenset of closure dates, never by partnership id: test databases reuse ids,
# and two partnerships with the same closures can share one calendar.
@lru_cache(maxsize=64)
def _calendar_with_closures(closures: frozenset[date]) -> _Calendar:
    """The base calendar with a partnership's local closure days also made non-working."""
    working = bytearray(_base_calendar().working)
    for day in closures:
        index = day.toordinal() - _ORD0
        if 0 <= index < _SPAN:
            working[index] = 0
    return _Calendar(working)


def _calendar_for(partnership) -> _Calendar:
    """The precomputed calendar that applies to a partnership (or to nobody)."""
    if partnership is None:
        return _base_calendar()
    closures = getattr(partnership, "closure_dates", None)
    if not closures:
        return _base_calendar()
    if type(closures) is not frozenset:
        closures = frozenset(closures)
    return _calendar_with_closures(closures)


def _range_error(value: date) -> ValueError:
    return ValueError(
        f"{value.isoformat()} is outside the supported calendar range 1990–2100 "
        f"({FIRST_DAY.isoformat()} to {LAST_DAY.isoformat()})"
    )


def _result_range_error(day: date, n: int, unit: str, direction: str) -> ValueError:
    return ValueError(
        f"{n} {unit} {direction} {day.isoformat()} is outside the supported calendar "
        f"range 1990–2100 ({FIRST_DAY.isoformat()} to {LAST_DAY.isoformat()})"
    )


def _index(day: date) -> int:
    """Position of a date in the supported range, or ValueError when it is outside."""
    index = day.toordinal() - _ORD0
    if not 0 <= index < _SPAN:
        raise _range_error(day)
    return index


def _negative_error(n: int) -> ValueError:
    return ValueError(
        f"The number to add or subtract must be 0 or more, not {n}; "
        "count backwards with the subtract_ functions"
    )


def _check_count(n: int) -> None:
    if n < 0:
        raise _negative_error(n)


def is_working_day(d: date, partnership=None) -> bool:
    """Whether a date is a working day: not a weekend, bank holiday or local closure day."""
    return bool(_calendar_for(partnership).working[_index(d)])


def add_working_days(start: date, n: int, partnership=None) -> date:
    """The n-th working day strictly after start, whatever day start is (n=0 returns start).

    "Within N working days of X" counts the working days after X, so a trigger on a
    Saturday, Sunday, bank holiday or closure day gives the same date as one on the working
    day before it: the first working day after the trigger is day 1, never day 0. This is the
    exact inverse of working_days_between: working_days_between(d, add_working_days(d, n))
    == n for every d and n.
    """
    # Checks are written inline rather than through the helpers: this is the hot path, and a
    # benchmark makes a million calls.
    if n < 1:
        if n < 0:
            raise _negative_error(n)
        _index(start)
        return start
    cal = _calendar_for(partnership)
    index = start.toordinal() - _ORD0
    if not 0 <= index < _SPAN:
        raise _range_error(start)
    try:
        return cal.working_dates[cal.before[index + 1] + n - 1]
    except IndexError:
        raise _result_range_error(start, n, "working days", "after") from None


def subtract_working_days(end: date, n: int, partnership=None) -> date:
    """The n-th working day strictly before end (n=0 returns end unchanged)."""
    _check_count(n)
    if n == 0:
        _index(end)
        return end
    cal = _calendar_for(partnership)
    position = cal.before[_index(end)] - n
    if position < 0:
        raise _result_range_error(end, n, "working days", "before")
    return cal.working_dates[position]


def working_days_between(start: date, end: date, partnership=None) -> int:
    """How many working days d have start < d <= end; negative (mirrored) when end < start."""
    before = _calendar_for(partnership).before
    return before[_index(end) + 1] - before[_index(start) + 1]


def add_calendar_days(start: date, n: int) -> date:
    """The date n calendar days after start (no rolling off weekends or holidays)."""
    _check_count(n)
    if _index(start) + n >= _SPAN:
        raise _result_range_error(start, n, "calendar days", "after")
    return start + timedelta(days=n)


def subtract_calendar_days(end: date, n: int) -> date:
    """The date n calendar days before end (no rolling off weekends or holidays)."""
    _check_count(n)
    if _index(end) - n < 0:
        raise _result_range_error(end, n, "calendar days", "before")
    return end - timedelta(days=n)


def _shift_months(day: date, n: int) -> date:
    """Same day of the month n months on (or back), clamped to the end of a shorter month."""
    year, month0 = divmod(day.year * 12 + day.month - 1 + n, 12)
    month = month0 + 1
    if not FIRST_DAY.year <= year <= LAST_DAY.year:
        raise _result_range_error(day, abs(n), "months", "after" if n >= 0 else "before")
    first_of_next = date(year + month // 12, month % 12 + 1, 1)
    last_day = (first_of_next - timedelta(days=1)).day
    return date(year, month, min(day.day, last_day))


def add_months(start: date, n: int) -> date:
    """The same day n calendar months later, clamped (31 August + 6 months = 28 February)."""
    _check_count(n)
    _index(start)
    return _shift_months(start, n)


def subtract_months(end: date, n: int) -> date:
    """The same day n calendar months earlier, clamped to the end of a shorter month."""
    _check_count(n)
    _index(end)
    return _shift_months(end, -n)


def bank_holidays(year: int) -> dict[date, str]:
    """England and Wales bank holidays in a year, with their names, in date order."""
    if not FIRST_DAY.year <= year <= LAST_DAY.year:
        raise ValueError(f"{year} is outside the supported calendar range 1990–2100")
    return {d: name for d, name in _bank_holiday_names().items() if d.year == year}


def _reason(day: date, descriptions) -> str:
    """Why a non-working day is not a working day, as shown to users."""
    name = _bank_holiday_names().get(day)
    if name:
        return name
    weekend = _WEEKEND_NAMES.get(day.weekday())
    if weekend:
        return weekend
    description = descriptions.get(day) if descriptions else None
    return f"Local closure: {description}" if description else "Local closure"


def non_working_days(start: date, end: date, partnership=None) -> list[tuple[date, str]]:
    """Every non-working day from start to end inclusive, with the reason it is skipped."""
    first, last = _index(start), _index(end)
    if last < first:
        raise ValueError(
            f"The end date {end.isoformat()} is before the start date {start.isoformat()}"
        )
    working = _calendar_for(partnership).working
    descriptions = getattr(partnership, "closure_descriptions", None)
    days = _all_days()
    return [
        (days[i], _reason(days[i], descriptions)) for i in range(first, last + 1) if not working[i]
    ]
