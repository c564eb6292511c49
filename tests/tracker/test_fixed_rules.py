"""Issue 23, corrections 1 and 2: a partnership's closure days and its own timescales never move
a statutory or Panel deadline; they apply to local-practice rules alone."""

from dataclasses import dataclass, field
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tracker import deadlines
from tracker.calendar import add_working_days, is_working_day
from tracker.deadlines import all_rules, due_date, window
from tracker.reminders.policy import BEFORE, DUE, Policy, due_now, latest_firing
from tracker.reminders.sources import counting_calendar_of

# A council closed on Christmas Eve and from 29 to 31 December 2025 (25, 26 December and
# 1 January are bank holidays anyway).
CHRISTMAS_CLOSURES = frozenset({date(2025, 12, 24), date(2025, 12, 29), date(2025, 12, 30),
                                date(2025, 12, 31)})


@dataclass(frozen=True)
class Override:
    amount: int
    earliest_amount: int | None = None
    switched_off_on: date | None = None


@dataclass(frozen=True)
class FakePartnership:
    """Only what tracker.calendar and tracker.deadlines read."""

    closure_dates: frozenset = frozenset()
    rule_overrides: dict = field(default_factory=dict, hash=False)


CLOSED_AT_CHRISTMAS = FakePartnership(CHRISTMAS_CLOSURES)


def test_a_coroners_decision_before_christmas_is_due_on_the_third_working_day_regardless():
    assert due_date("coroner_notification", date(2025, 12, 22), CLOSED_AT_CHRISTMAS) == \
        date(2025, 12, 29)


def test_a_panel_notification_before_christmas_is_due_on_31_december_whatever_the_council_closes():
    assert due_date("panel_notification", date(2025, 12, 22), CLOSED_AT_CHRISTMAS) == \
        date(2025, 12, 31)


def test_a_local_practice_rule_still_skips_the_closure_days():
    # Agency information: 15 working days, local practice. Without the closures it would be
    # due on Thursday 15 January 2026; the four closure days put it 4 working days later.
    assert due_date("agency_information_request", date(2025, 12, 22)) == date(2026, 1, 15)
    assert due_date("agency_information_request", date(2025, 12, 22), CLOSED_AT_CHRISTMAS) == \
        date(2026, 1, 21)


# Every edition's rules: a case under Working Together 2018 keeps its rules after 2023's came in.
EVERY_RULE = [rule for edition in deadlines.RULESETS for rule in all_rules(edition)]
FIXED = [rule for rule in EVERY_RULE if rule.fixed]
LOCAL_WORKING_DAYS = [rule for rule in EVERY_RULE
                      if not rule.fixed and rule.unit == "working_days"]


def test_every_statutory_and_panel_rule_is_fixed_and_only_local_rules_are_not():
    assert {rule.duty for rule in FIXED} == {"must", "should", "panel"}
    assert {rule.duty for rule in EVERY_RULE if not rule.fixed} == {"local"}
    assert {rule.edition for rule in FIXED} == set(deadlines.RULESETS)
    assert LOCAL_WORKING_DAYS  # the property below has a local rule to try


closure_sets = st.frozensets(st.dates(min_value=date(2024, 1, 1), max_value=date(2027, 12, 31)),
                             min_size=1, max_size=30)
triggers = st.dates(min_value=date(2024, 1, 1), max_value=date(2026, 12, 31))


@settings(deadline=None, max_examples=150)
@given(trigger=triggers, closures=closure_sets, rule=st.sampled_from(FIXED))
def test_no_fixed_rule_is_ever_moved_by_closure_days(trigger, closures, rule):
    closed = FakePartnership(closures)
    assert window(rule.key, trigger, closed, rule.edition) == window(rule.key, trigger, None,
                                                                      rule.edition)


@settings(deadline=None, max_examples=150)
@given(trigger=triggers, rule=st.sampled_from(LOCAL_WORKING_DAYS), data=st.data())
def test_a_local_working_day_rule_is_moved_by_a_closure_day_inside_its_count(trigger, rule,
                                                                             data):
    standard = due_date(rule.key, trigger, None, rule.edition)
    # Close one of the working days the rule counts: the due date moves one working day on.
    counted = [date.fromordinal(n) for n in range(trigger.toordinal() + 1,
                                                  standard.toordinal() + 1)
               if is_working_day(date.fromordinal(n))]
    closed = data.draw(st.sampled_from(counted))
    moved = due_date(rule.key, trigger, FakePartnership(frozenset({closed})), rule.edition)
    assert moved == add_working_days(standard, 1)


@settings(deadline=None, max_examples=100)
@given(trigger=triggers, closures=closure_sets, rule=st.sampled_from(FIXED),
       amount=st.integers(min_value=0, max_value=30))
def test_no_fixed_rule_follows_a_stored_override(trigger, closures, rule, amount):
    partnership = FakePartnership(closures, {rule.key: Override(amount)})
    assert deadlines.effective_amounts(rule, partnership).overridden is False
    assert window(rule.key, trigger, partnership, rule.edition) == window(rule.key, trigger, None,
                                                                          rule.edition)


def test_a_local_rules_override_applies_until_it_is_switched_off():
    rule = deadlines.get_rule("agency_information_request")
    on = FakePartnership(rule_overrides={rule.key: Override(20)})
    off = FakePartnership(rule_overrides={rule.key: Override(20, None, date(2026, 1, 5))})
    assert deadlines.effective_amounts(rule, on) == (20, None, True)
    assert deadlines.effective_amounts(rule, off) == (15, None, False)


@pytest.mark.parametrize("key,duty_words", [
    ("coroner_notification", "statutory duty"),
    ("panel_notification", "statutory guidance"),
    ("rapid_review", "Panel's guidance"),
])
def test_an_override_of_a_fixed_rule_is_refused_whatever_its_numbers(key, duty_words):
    errors = deadlines.validate_override(deadlines.get_rule(key), "10", None, "Agreed locally")
    assert len(errors) == 1
    assert errors[0].startswith("You cannot change this timescale")
    assert duty_words in errors[0]


# --- Reminders: a statutory date the partnership is closed on ---------------------------------

ON_THE_DAY_ONLY = Policy(before_working_days=None, on_due=True, overdue_daily_days=0,
                         overdue_weekly=False, escalate_after=None)


def _firing(key, due, today, policy=ON_THE_DAY_ONLY):
    counting = counting_calendar_of(key, CLOSED_AT_CHRISTMAS)
    return latest_firing(policy, due, today, CLOSED_AT_CHRISTMAS, counting)


def test_a_statutory_date_on_a_closure_day_reminds_on_the_last_open_day_before_it():
    # The Panel notification is due Wednesday 31 December 2025, a closure day; the council is
    # closed from 24 December, so the reminder goes on Tuesday 23 December, as "Due soon".
    due = due_date("panel_notification", date(2025, 12, 22), CLOSED_AT_CHRISTMAS)
    assert _firing("panel_notification", due, date(2025, 12, 22)) is None
    firing = _firing("panel_notification", due, date(2025, 12, 23))
    assert (firing.stage, firing.fire_date) == (BEFORE, date(2025, 12, 23))
    # Never after the date has passed, and no "due today and still open" e-mail then.
    assert _firing("panel_notification", due, date(2026, 1, 2)).fire_date == date(2025, 12, 23)
    assert due_now(ON_THE_DAY_ONLY, due, date(2026, 1, 2), CLOSED_AT_CHRISTMAS, None) is None


def test_a_statutory_date_on_an_open_day_reminds_on_the_day():
    firing = _firing("panel_notification", date(2025, 12, 22), date(2025, 12, 22))
    assert (firing.stage, firing.fire_date) == (DUE, date(2025, 12, 22))


def test_a_local_rule_is_never_due_on_a_closure_day_so_its_reminder_stays_on_the_day():
    due = due_date("agency_information_request", date(2025, 12, 1), CLOSED_AT_CHRISTMAS)
    assert due == date(2025, 12, 22)
    firing = _firing("agency_information_request", due, due)
    assert (firing.stage, firing.fire_date) == (DUE, due)


def test_a_calendar_day_deadline_on_a_closure_day_also_reminds_before_it():
    # The registrar's 7 calendar days from 23 December 2025 end on Tuesday 30 December.
    due = due_date("registrar_notification", date(2025, 12, 23), CLOSED_AT_CHRISTMAS)
    assert due == date(2025, 12, 30)
    firing = _firing("registrar_notification", due, date(2025, 12, 23))
    assert (firing.stage, firing.fire_date) == (BEFORE, date(2025, 12, 23))
