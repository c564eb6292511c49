"""Working-day calendar: bank holidays, weekends, closure days, month arithmetic, bad input."""

from dataclasses import dataclass, field
from datetime import date

import pytest

from tracker.calendar import (
    add_calendar_days,
    add_months,
    add_working_days,
    bank_holidays,
    is_working_day,
    non_working_days,
    subtract_calendar_days,
    subtract_months,
    subtract_working_days,
    working_days_between,
)


@dataclass
class FakePartnership:
    """Stands in for the Partnership model: only the attributes the calendar reads."""

    id: int
    closure_dates: frozenset = frozenset()
    closure_descriptions: dict = field(default_factory=dict)


CHRISTMAS_EVE_CLOSED = FakePartnership(
    id=1,
    closure_dates=frozenset({date(2025, 12, 24)}),
    closure_descriptions={date(2025, 12, 24): "Office closed for Christmas Eve"},
)
NO_CLOSURES = FakePartnership(id=2)


# --- Each kind of bank holiday is a non-working day -----------------------------------------


@pytest.mark.parametrize(
    "day",
    [
        pytest.param(date(2025, 12, 25), id="fixed: Christmas Day"),
        pytest.param(date(2025, 12, 26), id="fixed: Boxing Day"),
        pytest.param(date(2025, 4, 18), id="Easter: Good Friday"),
        pytest.param(date(2025, 4, 21), id="Easter: Easter Monday"),
        pytest.param(date(2020, 12, 28), id="substitute: Boxing Day 2020 on a Monday"),
        pytest.param(date(2022, 1, 3), id="substitute: New Year 2022"),
        pytest.param(date(2022, 12, 27), id="substitute: Christmas 2022"),
        pytest.param(date(2020, 5, 8), id="one-off: early May moved to VE Day 2020"),
        pytest.param(date(2022, 6, 3), id="one-off: Platinum Jubilee"),
        pytest.param(date(2022, 9, 19), id="one-off: State Funeral"),
        pytest.param(date(2023, 5, 8), id="one-off: Coronation"),
    ],
)
def test_bank_holidays_are_not_working_days(day):
    assert day.weekday() < 5  # a weekday, so only the holiday makes it non-working
    assert not is_working_day(day)


def test_the_usual_early_may_monday_was_a_working_day_in_2020():
    # The 2020 early May bank holiday moved to Friday 8 May, so Monday 4 May was worked.
    assert is_working_day(date(2020, 5, 4))


def test_ordinary_weekdays_are_working_days_and_weekends_are_not():
    assert is_working_day(date(2025, 12, 23))  # Tuesday
    assert not is_working_day(date(2025, 12, 27))  # Saturday
    assert not is_working_day(date(2025, 12, 28))  # Sunday


def test_bank_holidays_for_a_year_carry_their_names():
    found = bank_holidays(2022)
    assert found[date(2022, 6, 3)] == "Platinum Jubilee of Elizabeth II"
    assert found[date(2022, 9, 19)] == "State Funeral of Queen Elizabeth II"
    assert found[date(2022, 1, 3)] == "New Year's Day (observed)"
    assert list(found) == sorted(found)
    assert all(day.year == 2022 for day in found)


def test_scottish_only_holidays_are_working_days_in_england():
    assert date(2025, 1, 2) not in bank_holidays(2025)  # 2 January: Scotland only
    assert is_working_day(date(2025, 1, 2))


# --- Adding working days --------------------------------------------------------------------


def test_add_working_days_skips_christmas_boxing_day_and_new_year():
    # From Mon 23 Dec 2024: Tue 24 (1), Fri 27 (2), Mon 30 (3), Tue 31 (4), Thu 2 Jan (5).
    assert add_working_days(date(2024, 12, 23), 5) == date(2025, 1, 2)


def test_add_working_days_skips_the_state_funeral():
    # Mon 19 Sep 2022 was a bank holiday: Tue 20 (1) ... Fri 23 (4), Mon 26 (5).
    assert add_working_days(date(2022, 9, 16), 5) == date(2022, 9, 26)


def test_add_working_days_skips_good_friday_and_easter_monday():
    # Thu 17 Apr 2025: Tue 22 (1), Wed 23, Thu 24, Fri 25 (4), Mon 28 (5).
    assert add_working_days(date(2025, 4, 17), 5) == date(2025, 4, 28)


def test_add_working_days_skips_a_substitute_day():
    # Thu 24 Dec 2020: Fri 25 and Mon 28 (Boxing Day substitute) are holidays; Tue 29 is (1).
    assert add_working_days(date(2020, 12, 24), 1) == date(2020, 12, 29)


def test_add_working_days_skips_the_moved_may_day_2020():
    # Thu 7 May 2020: Fri 8 May was the bank holiday; Mon 11 (1), Tue 12 (2), Wed 13 (3).
    assert add_working_days(date(2020, 5, 7), 3) == date(2020, 5, 13)


# "Within N working days of X" is the N-th working day strictly after X, whatever day X is:
# a trigger on a weekend, bank holiday or closure day counts as one on the working day before.


@pytest.mark.parametrize(
    ("trigger", "n", "expected"),
    [
        # Mon 23, Tue 24, Fri 27, Mon 30, Tue 31 December 2024.
        pytest.param(date(2024, 12, 21), 5, date(2024, 12, 31), id="Saturday 21 Dec 2024 + 5"),
        # Tue 22 (1), Wed 23 (2), Thu 24 (3): Easter Monday 21 April is skipped.
        pytest.param(date(2025, 4, 18), 3, date(2025, 4, 24), id="Good Friday 2025 + 3"),
        # Mon 5 May 2025 was a bank holiday: Tue 6 (1) ... Fri 9 (4), Mon 12 (5).
        pytest.param(date(2025, 5, 4), 5, date(2025, 5, 12), id="Sunday 4 May 2025 + 5"),
        pytest.param(date(2024, 12, 20), 5, date(2024, 12, 31), id="Friday 20 Dec 2024 + 5"),
    ],
)
def test_the_issue_examples_count_from_the_first_working_day_after_the_trigger(
    trigger, n, expected
):
    assert add_working_days(trigger, n) == expected
    assert working_days_between(trigger, expected) == n


def test_a_saturday_or_sunday_trigger_gives_the_same_date_as_the_friday_before():
    friday, saturday, sunday = date(2024, 12, 20), date(2024, 12, 21), date(2024, 12, 22)
    for n in range(1, 30):
        assert add_working_days(saturday, n) == add_working_days(friday, n)
        assert add_working_days(sunday, n) == add_working_days(friday, n)
    assert add_working_days(saturday, 1) == date(2024, 12, 23)  # Monday is day 1, not day 0


@pytest.mark.parametrize(
    ("holiday", "working_day_before", "day_1"),
    [
        pytest.param(date(2025, 12, 25), date(2025, 12, 24), date(2025, 12, 29),
                     id="fixed: Christmas Day 2025 (Boxing Day after it)"),
        pytest.param(date(2025, 4, 21), date(2025, 4, 17), date(2025, 4, 22),
                     id="Easter: Easter Monday 2025"),
        pytest.param(date(2022, 12, 27), date(2022, 12, 23), date(2022, 12, 28),
                     id="substitute: Christmas 2022 observed"),
        pytest.param(date(2023, 5, 8), date(2023, 5, 5), date(2023, 5, 9),
                     id="one-off: Coronation 2023"),
        pytest.param(date(2022, 9, 19), date(2022, 9, 16), date(2022, 9, 20),
                     id="one-off: State Funeral 2022"),
    ],
)
def test_a_bank_holiday_trigger_counts_as_the_working_day_before_it(
    holiday, working_day_before, day_1
):
    assert not is_working_day(holiday) and is_working_day(working_day_before)
    assert add_working_days(holiday, 1) == day_1
    for n in (1, 2, 5, 15):
        assert add_working_days(holiday, n) == add_working_days(working_day_before, n)
        assert working_days_between(holiday, add_working_days(holiday, n)) == n


def test_a_closure_day_trigger_counts_as_the_working_day_before_it():
    # Christmas Eve 2025 (Wednesday) is closed: a trigger then counts as one on Tue 23 Dec.
    closed = date(2025, 12, 24)
    assert add_working_days(closed, 1, CHRISTMAS_EVE_CLOSED) == date(2025, 12, 29)
    for n in (1, 3, 5):
        assert add_working_days(closed, n, CHRISTMAS_EVE_CLOSED) == add_working_days(
            date(2025, 12, 23), n, CHRISTMAS_EVE_CLOSED
        )
    # For a partnership without the closure, 24 December is day 0 and Mon 29 is day 1.
    assert add_working_days(closed, 1, NO_CLOSURES) == date(2025, 12, 29)
    assert add_working_days(date(2025, 12, 23), 1, NO_CLOSURES) == date(2025, 12, 24)


def test_zero_working_days_from_a_non_working_day_is_the_same_day():
    assert add_working_days(date(2025, 12, 25), 0) == date(2025, 12, 25)


def test_zero_working_days_from_a_working_day_is_the_same_day():
    assert add_working_days(date(2025, 12, 23), 0) == date(2025, 12, 23)


# --- Subtracting working days ---------------------------------------------------------------


def test_subtract_working_days_counts_back_over_christmas_and_new_year():
    # Before Mon 5 Jan 2026: Fri 2 (1), Wed 31 (2), Tue 30 (3), Mon 29 (4), Wed 24 (5),
    # Tue 23 (6), Mon 22 Dec 2025 (7).
    assert subtract_working_days(date(2026, 1, 5), 7) == date(2025, 12, 22)


def test_subtract_working_days_counts_back_over_easter():
    # Before Tue 9 Apr 2024: Mon 8, Fri 5, Thu 4, Wed 3, Tue 2 (5); Easter Monday 1 Apr and
    # Good Friday 29 Mar skipped; Thu 28 Mar (6), Wed 27 Mar (7).
    assert subtract_working_days(date(2024, 4, 9), 7) == date(2024, 3, 27)


def test_subtract_working_days_from_a_weekend_is_a_plain_count():
    # Sunday 7 Dec 2025: the 1st working day before it is Friday 5 Dec.
    assert subtract_working_days(date(2025, 12, 7), 1) == date(2025, 12, 5)


def test_subtract_zero_working_days_returns_the_date_unchanged():
    assert subtract_working_days(date(2025, 12, 27), 0) == date(2025, 12, 27)


# --- Counting working days between dates ------------------------------------------------------


def test_working_days_between_counts_after_start_up_to_and_including_end():
    assert working_days_between(date(2024, 12, 23), date(2025, 1, 2)) == 5
    assert working_days_between(date(2025, 12, 22), date(2025, 12, 22)) == 0


def test_working_days_between_is_negative_when_end_is_before_start():
    assert working_days_between(date(2025, 1, 2), date(2024, 12, 23)) == -5


# --- Calendar days and months ---------------------------------------------------------------


def test_calendar_days_land_on_weekends_and_holidays_without_moving():
    assert add_calendar_days(date(2025, 12, 19), 7) == date(2025, 12, 26)  # Boxing Day
    assert subtract_calendar_days(date(2025, 12, 26), 7) == date(2025, 12, 19)


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        pytest.param(date(2025, 8, 31), 6, date(2026, 2, 28), id="31 Aug to 28 Feb"),
        pytest.param(date(2023, 8, 31), 6, date(2024, 2, 29), id="31 Aug to 29 Feb (leap)"),
        pytest.param(date(2024, 2, 29), 12, date(2025, 2, 28), id="29 Feb + 12 months"),
        pytest.param(date(2024, 2, 29), 48, date(2028, 2, 29), id="29 Feb + 4 years"),
        pytest.param(date(2025, 1, 31), 3, date(2025, 4, 30), id="31 Jan to 30 Apr"),
        pytest.param(date(2025, 11, 15), 2, date(2026, 1, 15), id="across the year end"),
        pytest.param(date(2025, 3, 10), 0, date(2025, 3, 10), id="zero months"),
    ],
)
def test_add_months_keeps_the_day_and_clamps_to_the_end_of_a_shorter_month(start, months, expected):
    assert add_months(start, months) == expected


def test_subtract_months_clamps_too():
    assert subtract_months(date(2025, 3, 31), 1) == date(2025, 2, 28)
    assert subtract_months(date(2026, 1, 15), 2) == date(2025, 11, 15)


# --- Local closure days ---------------------------------------------------------------------


def test_a_closure_day_is_a_non_working_day_for_that_partnership_only():
    christmas_eve = date(2025, 12, 24)
    assert not is_working_day(christmas_eve, CHRISTMAS_EVE_CLOSED)
    assert is_working_day(christmas_eve, NO_CLOSURES)
    assert is_working_day(christmas_eve)


def test_a_closure_day_moves_a_deadline_by_one_working_day():
    # From Mon 22 Dec 2025: Tue 23 (1), Wed 24 (2), Mon 29 (3). Closed on the 24th: Tue 30.
    assert add_working_days(date(2025, 12, 22), 3) == date(2025, 12, 29)
    assert add_working_days(date(2025, 12, 22), 3, NO_CLOSURES) == date(2025, 12, 29)
    assert add_working_days(date(2025, 12, 22), 3, CHRISTMAS_EVE_CLOSED) == date(2025, 12, 30)


def test_a_closure_day_moves_a_backwards_count_too():
    assert subtract_working_days(date(2026, 1, 5), 7, CHRISTMAS_EVE_CLOSED) == date(2025, 12, 19)


def test_partnerships_with_different_closures_do_not_share_a_cached_calendar():
    # Same id, as a test database would reuse: only the closure dates may decide the calendar.
    closed_23rd = FakePartnership(id=1, closure_dates=frozenset({date(2025, 12, 23)}))
    start = date(2025, 12, 22)
    results = [
        add_working_days(start, 1, partnership)
        for partnership in (CHRISTMAS_EVE_CLOSED, closed_23rd, None, CHRISTMAS_EVE_CLOSED)
    ]
    assert results == [
        date(2025, 12, 23),
        date(2025, 12, 24),
        date(2025, 12, 23),
        date(2025, 12, 23),
    ]
    assert add_working_days(start, 2, closed_23rd) == date(2025, 12, 29)
    assert add_working_days(start, 2, CHRISTMAS_EVE_CLOSED) == date(2025, 12, 29)
    assert add_working_days(start, 2) == date(2025, 12, 24)


def test_closure_dates_given_as_a_plain_set_work_too():
    partnership = FakePartnership(id=3, closure_dates={date(2025, 12, 24)})
    assert add_working_days(date(2025, 12, 22), 3, partnership) == date(2025, 12, 30)


def test_closure_days_count_in_working_days_between():
    assert working_days_between(date(2025, 12, 22), date(2025, 12, 30)) == 4
    assert working_days_between(date(2025, 12, 22), date(2025, 12, 30), CHRISTMAS_EVE_CLOSED) == 3


# --- The list of skipped days for the calculator page -----------------------------------------


def test_non_working_days_gives_each_skipped_day_with_its_reason():
    assert non_working_days(date(2025, 12, 22), date(2025, 12, 29), CHRISTMAS_EVE_CLOSED) == [
        (date(2025, 12, 24), "Local closure: Office closed for Christmas Eve"),
        (date(2025, 12, 25), "Christmas Day"),
        (date(2025, 12, 26), "Boxing Day"),
        (date(2025, 12, 27), "Saturday"),
        (date(2025, 12, 28), "Sunday"),
    ]


def test_non_working_days_without_a_partnership_lists_no_closure():
    assert non_working_days(date(2025, 12, 24), date(2025, 12, 25)) == [
        (date(2025, 12, 25), "Christmas Day")
    ]


def test_a_closure_without_a_description_still_says_local_closure():
    partnership = FakePartnership(id=4, closure_dates=frozenset({date(2025, 12, 24)}))
    assert non_working_days(date(2025, 12, 24), date(2025, 12, 24), partnership) == [
        (date(2025, 12, 24), "Local closure")
    ]


def test_non_working_days_includes_both_ends_of_the_range():
    assert non_working_days(date(2022, 9, 17), date(2022, 9, 19)) == [
        (date(2022, 9, 17), "Saturday"),
        (date(2022, 9, 18), "Sunday"),
        (date(2022, 9, 19), "State Funeral of Queen Elizabeth II"),
    ]


def test_non_working_days_rejects_a_range_that_ends_before_it_starts():
    with pytest.raises(ValueError, match="before the start date"):
        non_working_days(date(2025, 12, 29), date(2025, 12, 22))


# --- Bad input ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "call",
    [
        pytest.param(lambda: add_working_days(date(2025, 1, 6), -1), id="add_working_days"),
        pytest.param(
            lambda: subtract_working_days(date(2025, 1, 6), -1), id="subtract_working_days"
        ),
        pytest.param(lambda: add_calendar_days(date(2025, 1, 6), -1), id="add_calendar_days"),
        pytest.param(lambda: add_months(date(2025, 1, 6), -1), id="add_months"),
        pytest.param(lambda: subtract_months(date(2025, 1, 6), -1), id="subtract_months"),
    ],
)
def test_negative_counts_are_refused(call):
    with pytest.raises(ValueError, match="must be 0 or more, not -1"):
        call()


@pytest.mark.parametrize(
    "call",
    [
        pytest.param(lambda: is_working_day(date(1989, 12, 31)), id="before 1990"),
        pytest.param(lambda: add_working_days(date(2101, 1, 3), 1), id="start after 2100"),
        pytest.param(lambda: add_working_days(date(2100, 12, 24), 10), id="result after 2100"),
        pytest.param(lambda: subtract_working_days(date(1990, 1, 3), 5), id="result before 1990"),
        pytest.param(
            lambda: working_days_between(date(1985, 1, 1), date(2025, 1, 1)), id="between"
        ),
        pytest.param(lambda: add_calendar_days(date(2100, 12, 30), 7), id="calendar days"),
        pytest.param(lambda: add_months(date(2100, 8, 31), 6), id="months"),
        pytest.param(lambda: bank_holidays(2101), id="bank holidays"),
        pytest.param(
            lambda: non_working_days(date(1989, 12, 1), date(1990, 1, 5)), id="non-working days"
        ),
    ],
)
def test_dates_outside_the_supported_range_are_refused(call):
    with pytest.raises(ValueError, match="outside the supported calendar range 1990–2100"):
        call()


def test_the_edges_of_the_supported_range_work():
    # New Year's Day 1990, the first day, counts like a working day before it: Tue 2 is day 1.
    assert add_working_days(date(1990, 1, 1), 1) == date(1990, 1, 2)
    # Fri 31 Dec 2100 is the last day: reachable, but nothing after it is.
    assert add_working_days(date(2100, 12, 30), 1) == date(2100, 12, 31)
    assert subtract_working_days(date(2100, 12, 31), 1) == date(2100, 12, 30)
    with pytest.raises(ValueError, match="outside the supported calendar range"):
        add_working_days(date(2100, 12, 31), 1)
    assert add_months(date(2100, 6, 30), 6) == date(2100, 12, 30)
