"""When a deadline reminds: before, on the day, overdue daily then weekly, escalation."""

from datetime import date

from tracker.reminders.policy import (
    BEFORE,
    DUE,
    OVERDUE,
    Policy,
    escalation,
    latest_firing,
)

DEFAULT = Policy()


def firings(due, days, policy=DEFAULT):
    """The (stage, fire date) a daily pass would find on each day, skipping repeats."""
    seen = []
    for day in days:
        firing = latest_firing(policy, due, day)
        if firing is not None and (firing.stage, firing.fire_date) not in seen:
            seen.append((firing.stage, firing.fire_date))
    return seen


def december_2026():
    return [date(2026, 12, d) for d in range(1, 32)]


def test_before_on_the_day_daily_then_weekly_across_christmas():
    # Due Monday 14 December 2026. Christmas Day is a Friday and Boxing Day's substitute is
    # Monday 28 December, so the weekly reminder after the daily ones is Wednesday 30 December.
    assert firings(date(2026, 12, 14), december_2026()) == [
        (BEFORE, date(2026, 12, 10)),
        (DUE, date(2026, 12, 14)),
        (OVERDUE, date(2026, 12, 15)),
        (OVERDUE, date(2026, 12, 16)),
        (OVERDUE, date(2026, 12, 17)),
        (OVERDUE, date(2026, 12, 18)),
        (OVERDUE, date(2026, 12, 21)),
        (OVERDUE, date(2026, 12, 30)),
    ]


def test_nothing_on_a_weekend_or_bank_holiday():
    due = date(2026, 12, 14)
    for day in (date(2026, 12, 19), date(2026, 12, 25), date(2026, 12, 28)):
        assert latest_firing(DEFAULT, due, day) is None


def test_a_missed_week_gives_only_the_latest_stage():
    # A scheduler down from the 9th to the 17th sends one reminder on the 17th, not five.
    firing = latest_firing(DEFAULT, date(2026, 12, 14), date(2026, 12, 17))
    assert (firing.stage, firing.fire_date) == (OVERDUE, date(2026, 12, 17))


def test_due_on_a_bank_holiday_reminds_on_the_next_working_day():
    # A calendar-day deadline due on Easter Monday 2027: nothing Friday to Monday (Good Friday,
    # the weekend, Easter Monday); "Due today" on Tuesday 30 March, overdue from Wednesday.
    due = date(2027, 3, 29)
    days = [date(2027, 3, d) for d in range(25, 32)]
    assert firings(due, days, Policy(before_working_days=None)) == [
        (DUE, date(2027, 3, 30)), (OVERDUE, date(2027, 3, 31))]
    assert escalation(Policy(escalate_after=1), due, date(2027, 3, 31)).fire_date == date(
        2027, 3, 31)


def test_a_closure_day_moves_the_reminder_to_the_next_working_day():
    class Closed:
        closure_dates = frozenset({date(2026, 12, 10)})

    firing = latest_firing(DEFAULT, date(2026, 12, 14), date(2026, 12, 10), Closed())
    assert firing is None
    # Two working days before the 14th, counting the closure, is now the 9th.
    firing = latest_firing(DEFAULT, date(2026, 12, 14), date(2026, 12, 11), Closed())
    assert (firing.stage, firing.fire_date) == (BEFORE, date(2026, 12, 9))


def test_stages_switched_off():
    policy = Policy(before_working_days=None, on_due=False, overdue_daily_days=0,
                    overdue_weekly=True, escalate_after=None)
    assert firings(date(2026, 12, 14), december_2026(), policy) == [
        (OVERDUE, date(2026, 12, 21)), (OVERDUE, date(2026, 12, 30))]
    assert escalation(policy, date(2026, 12, 14), date(2026, 12, 31)) is None


def test_escalation_after_the_configured_working_days():
    policy = Policy(escalate_after=3)
    assert escalation(policy, date(2026, 12, 14), date(2026, 12, 16)) is None
    assert escalation(policy, date(2026, 12, 14), date(2026, 12, 17)).fire_date == date(2026,
                                                                                        12, 17)
    # Still the same escalation (one key) days later.
    assert escalation(policy, date(2026, 12, 14), date(2026, 12, 22)).fire_date == date(2026,
                                                                                        12, 17)


def test_describe():
    assert DEFAULT.describe() == (
        "2 working days before, on the due date, daily for 5 working days when overdue, "
        "then weekly, escalated after 5 working days overdue")
