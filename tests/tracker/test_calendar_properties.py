"""Property tests: working-day arithmetic agrees with itself and with a slow day-by-day count."""

from dataclasses import dataclass
from datetime import date, timedelta

import holidays
from hypothesis import given, settings
from hypothesis import strategies as st

from tracker.calendar import (
    add_working_days,
    is_working_day,
    subtract_working_days,
    working_days_between,
)

# No per-example deadline: the first example builds the calendar, and each new closure set
# builds another, so timings vary. Applied per test so other suites' settings are untouched.
calendar_settings = settings(deadline=None, max_examples=200)

FIRST = date(2000, 1, 1)
LAST = date(2090, 12, 31)
ENGLAND = holidays.UK(subdiv="ENG", years=range(2000, 2093))


@dataclass(frozen=True)
class FakePartnership:
    """Only the attribute the calendar reads."""

    closure_dates: frozenset


any_day = st.dates(min_value=FIRST, max_value=LAST)
counts = st.integers(min_value=0, max_value=400)
partnerships = st.one_of(
    st.none(),
    st.frozensets(any_day, max_size=8).map(FakePartnership),
)


def slow_is_working_day(day, partnership):
    """The definition, straight: not a weekend, bank holiday or closure day."""
    closures = partnership.closure_dates if partnership else frozenset()
    return day.weekday() < 5 and day not in ENGLAND and day not in closures


def slow_add_working_days(start, n, partnership):
    """Step one day at a time from start, whatever day it is, counting n working days after it."""
    day = start
    while n:
        day += timedelta(days=1)
        if slow_is_working_day(day, partnership):
            n -= 1
    return day


@calendar_settings
@given(start=any_day, n=counts, partnership=partnerships)
def test_add_working_days_matches_a_day_by_day_count(start, n, partnership):
    assert add_working_days(start, n, partnership) == slow_add_working_days(start, n, partnership)


@calendar_settings
@given(day=any_day, partnership=partnerships)
def test_is_working_day_matches_the_definition(day, partnership):
    assert is_working_day(day, partnership) == slow_is_working_day(day, partnership)


@calendar_settings
@given(start=any_day, n=st.integers(min_value=1, max_value=400), partnership=partnerships)
def test_the_result_is_always_a_working_day(start, n, partnership):
    assert is_working_day(add_working_days(start, n, partnership), partnership)


@calendar_settings
@given(start=any_day, n=counts, partnership=partnerships)
def test_working_days_between_inverts_adding_from_any_start(start, n, partnership):
    # Weekends, bank holidays and closure days included: the trigger is never counted.
    later = add_working_days(start, n, partnership)
    assert working_days_between(start, later, partnership) == n
    assert working_days_between(later, start, partnership) == -n


@calendar_settings
@given(
    friday=any_day.map(lambda day: day + timedelta(days=(4 - day.weekday()) % 7)),
    offset=st.sampled_from([1, 2]),
    n=st.integers(min_value=1, max_value=400),
    partnership=partnerships,
)
def test_a_weekend_start_gives_the_same_result_as_the_friday_before(
    friday, offset, n, partnership
):
    # With or without closure days (which may close the Friday itself: it is never counted).
    weekend_day = friday + timedelta(days=offset)
    assert add_working_days(weekend_day, n, partnership) == add_working_days(
        friday, n, partnership
    )


@calendar_settings
@given(data=st.data(), n=st.integers(min_value=1, max_value=400), partnership=partnerships)
def test_subtracting_undoes_adding_from_a_working_day(data, n, partnership):
    start = data.draw(any_day.filter(lambda day: is_working_day(day, partnership)))
    later = add_working_days(start, n, partnership)
    assert subtract_working_days(later, n, partnership) == start


@calendar_settings
@given(end=any_day, n=st.integers(min_value=1, max_value=400), partnership=partnerships)
def test_subtract_gives_the_nth_working_day_strictly_before(end, n, partnership):
    earlier = subtract_working_days(end, n, partnership)
    assert earlier < end
    assert is_working_day(earlier, partnership)
    # Exactly n working days lie in [earlier, end): earlier itself plus n - 1 after it.
    assert working_days_between(earlier, end - timedelta(days=1), partnership) == n - 1
