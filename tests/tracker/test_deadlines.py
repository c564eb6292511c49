"""Deadline rules: every rule's dates, windows, overrides, closure days and status tags."""

import dataclasses
from dataclasses import dataclass, field
from datetime import date
from types import SimpleNamespace

import pytest

from tracker.deadlines import (
    CURRENT_EDITION,
    RULESETS,
    DeadlineStatus,
    all_rules,
    days_late,
    deadline_status,
    due_date,
    effective_amounts,
    get_rule,
    validate_override,
    window,
)


@dataclass
class FakePartnership:
    """Stands in for the Partnership model: only the attributes the rules read."""

    id: int
    closure_dates: frozenset = frozenset()
    rule_overrides: dict = field(default_factory=dict)


def override(amount, earliest_amount=None):
    return SimpleNamespace(amount=amount, earliest_amount=earliest_amount)


CHRISTMAS_EVE_CLOSED = FakePartnership(id=1, closure_dates=frozenset({date(2025, 12, 24)}))
NO_CLOSURES = FakePartnership(id=2)


# --- Every rule, with a date checked by hand --------------------------------------------------

# (rule key, trigger date, expected due date); the comment says how it was counted.
HAND_CHECKED = [
    # Fri 19 Dec 2025 + 7 calendar days lands on Boxing Day and is not moved.
    ("registrar_notification", date(2025, 12, 19), date(2025, 12, 26)),
    # Thu 7 May 2020; Fri 8 May (VE Day) skipped: Mon 11, Tue 12, Wed 13.
    ("coroner_notification", date(2020, 5, 7), date(2020, 5, 13)),
    ("rr_meeting_1", date(2025, 3, 1), date(2025, 3, 6)),
    ("rr_meeting_2", date(2025, 3, 1), date(2025, 3, 8)),
    # Post-mortem results Thu 17 Apr 2025: Easter and Mon 5 May skipped; Tue 22 ... Tue 6 May.
    ("rr_meeting_3", date(2025, 4, 17), date(2025, 5, 6)),
    # Tue 1 Apr 2025: 2-4 Apr (3), 7-11 (8), 14-17 (12), Easter skipped, 22-24 Apr (15).
    ("agency_information_request", date(2025, 4, 1), date(2025, 4, 24)),
    # The examples from the issue.
    ("panel_notification", date(2024, 12, 23), date(2025, 1, 2)),
    # Thu 17 Apr 2025; Good Friday and Easter Monday skipped: Tue 22 ... Mon 28.
    ("partners_notification", date(2025, 4, 17), date(2025, 4, 28)),
    # Fri 2 May 2025; Mon 5 May bank holiday skipped: Tue 6, Wed 7, Thu 8, Fri 9, Mon 12.
    ("sos_ofsted_lac_notification", date(2025, 5, 2), date(2025, 5, 12)),
    # Mon 15 Dec 2025: 16-19 (4), 22-24 (7), 29-31 (10), 2 Jan (11), 5-8 Jan (15).
    ("rapid_review", date(2025, 12, 15), date(2026, 1, 8)),
    ("cspr_publication", date(2025, 8, 31), date(2026, 2, 28)),
    ("cspr_prepublication_copies", date(2026, 1, 5), date(2025, 12, 22)),
    ("cspr_public_until", date(2024, 2, 29), date(2025, 2, 28)),
    ("national_publication", date(2023, 8, 31), date(2024, 2, 29)),
    # Tue 9 Apr 2024 back: 8, 5, 4, 3, 2 Apr (5); Easter Monday and Good Friday; 28, 27 Mar.
    ("national_prepublication_copies", date(2024, 4, 9), date(2024, 3, 27)),
    ("national_public_until", date(2024, 2, 29), date(2027, 2, 28)),
    ("yearly_report", date(2024, 2, 29), date(2025, 2, 28)),
    ("yearly_report_copies", date(2025, 12, 22), date(2025, 12, 29)),
]


@pytest.mark.parametrize(
    ("key", "trigger", "expected"), HAND_CHECKED, ids=[row[0] for row in HAND_CHECKED]
)
def test_each_rule_gives_the_hand_checked_due_date(key, trigger, expected):
    assert due_date(key, trigger) == expected


def test_every_rule_has_a_hand_checked_date():
    # The 2018 rules; Working Together 2023 shares their arithmetic (tests/tracker/test_editions).
    assert {row[0] for row in HAND_CHECKED} == set(RULESETS["WT2018"])


@pytest.mark.parametrize(
    ("key", "trigger", "expected"),
    [
        pytest.param(
            "panel_notification", date(2024, 12, 23), date(2025, 1, 2), id="over Christmas"
        ),
        pytest.param(
            "panel_notification", date(2022, 9, 16), date(2022, 9, 26), id="State Funeral"
        ),
        pytest.param("cspr_publication", date(2025, 8, 31), date(2026, 2, 28), id="month end"),
        pytest.param(
            "cspr_prepublication_copies", date(2026, 1, 5), date(2025, 12, 22), id="backwards"
        ),
    ],
)
def test_the_examples_in_the_issue(key, trigger, expected):
    assert due_date(key, trigger) == expected


def test_a_saturday_trigger_counts_as_the_friday_before():
    # Aware Sat 21 Dec 2024: Mon 23, Tue 24, Fri 27, Mon 30, Tue 31 December.
    assert due_date("panel_notification", date(2024, 12, 21)) == date(2024, 12, 31)
    assert due_date("panel_notification", date(2024, 12, 20)) == date(2024, 12, 31)


def test_a_bank_holiday_trigger_counts_as_the_working_day_before():
    # Aware on Boxing Day 2024 (Thu): Fri 27 (1), Mon 30, Tue 31, Thu 2, Fri 3 Jan (5).
    assert due_date("panel_notification", date(2024, 12, 26)) == date(2025, 1, 3)
    assert due_date("panel_notification", date(2024, 12, 24)) == date(2025, 1, 3)


# --- Windows --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "earliest", "latest"),
    [
        ("rr_meeting_1", date(2025, 3, 2), date(2025, 3, 6)),
        ("rr_meeting_2", date(2025, 3, 6), date(2025, 3, 8)),
    ],
)
def test_rapid_response_meetings_have_an_earliest_and_a_latest_date(key, earliest, latest):
    # Death on Sat 1 Mar 2025; calendar days, so weekends are not skipped.
    assert window(key, date(2025, 3, 1)) == (earliest, latest)


def test_a_single_deadline_has_no_earliest_date():
    assert window("panel_notification", date(2024, 12, 23)) == (None, date(2025, 1, 2))


# --- Local closure days ---------------------------------------------------------------------


def test_a_closure_day_moves_a_local_working_day_deadline_for_that_partnership_only():
    # Requested Mon 22 Dec 2025: 15 working days is Thu 15 Jan; closed on the 24th: Fri 16 Jan.
    sent = date(2025, 12, 22)
    assert due_date("agency_information_request", sent) == date(2026, 1, 15)
    assert due_date("agency_information_request", sent, NO_CLOSURES) == date(2026, 1, 15)
    assert due_date("agency_information_request", sent, CHRISTMAS_EVE_CLOSED) == date(2026, 1, 16)


def test_a_closure_day_never_moves_a_statutory_deadline_forwards_or_backwards():
    # Footnote 90: a working day is any day but a weekend or bank holiday (issue 23).
    aware = date(2025, 12, 22)
    assert due_date("panel_notification", aware, CHRISTMAS_EVE_CLOSED) == date(2025, 12, 31)
    planned = date(2026, 1, 5)
    assert due_date("cspr_prepublication_copies", planned, CHRISTMAS_EVE_CLOSED) == date(
        2025, 12, 22
    )


def test_a_closure_day_does_not_move_a_calendar_day_deadline():
    registered = date(2025, 12, 17)
    assert due_date("registrar_notification", registered, CHRISTMAS_EVE_CLOSED) == date(
        2025, 12, 24
    )


# --- Partnership overrides --------------------------------------------------------------------


def test_an_override_replaces_the_amount_for_that_partnership_only():
    shorter = FakePartnership(id=3, rule_overrides={"agency_information_request": override(3),
                                                    "panel_notification": override(3)})
    sent = date(2024, 12, 23)
    # Tue 24 (1), Fri 27 (2), Mon 30 (3).
    assert due_date("agency_information_request", sent, shorter) == date(2024, 12, 30)
    assert due_date("agency_information_request", sent, NO_CLOSURES) == date(2025, 1, 16)
    # A statutory or Panel rule is fixed: a stored override of it is ignored.
    assert due_date("panel_notification", sent, shorter) == date(2025, 1, 2)


def test_an_override_of_a_window_replaces_both_ends():
    local = FakePartnership(id=4, rule_overrides={"rr_meeting_1": override(3, 2)})
    assert window("rr_meeting_1", date(2025, 3, 1), local) == (date(2025, 3, 3), date(2025, 3, 4))


def test_an_override_and_a_closure_day_apply_together():
    both = FakePartnership(
        id=5,
        closure_dates=frozenset({date(2025, 12, 24)}),
        rule_overrides={"agency_information_request": override(2)},
    )
    # Sent Mon 22 Dec 2025: Tue 23 (1), Wed 24 closed, Mon 29 (2).
    assert due_date("agency_information_request", date(2025, 12, 22), both) == date(2025, 12, 29)


def test_effective_amounts_say_whether_the_partnership_changed_them():
    rule = get_rule("rr_meeting_1")
    local = FakePartnership(id=6, rule_overrides={"rr_meeting_1": override(4, 2)})
    assert effective_amounts(rule, None) == (5, 1, False)
    assert effective_amounts(rule, NO_CLOSURES) == (5, 1, False)
    assert effective_amounts(rule, local) == (4, 2, True)


def test_an_earliest_amount_on_a_single_deadline_override_is_ignored():
    stray = FakePartnership(id=7, rule_overrides={"agency_information_request": override(3, 1)})
    assert window("agency_information_request", date(2024, 12, 23), stray) == (
        None, date(2024, 12, 30))


def test_an_invalid_stored_override_is_refused_rather_than_used():
    broken = FakePartnership(id=8, rule_overrides={"rr_meeting_1": override(2, 4)})
    with pytest.raises(ValueError, match="invalid amounts"):
        window("rr_meeting_1", date(2025, 3, 1), broken)


# --- Validating an override -------------------------------------------------------------------


def test_a_valid_override_has_no_errors():
    assert validate_override(get_rule("agency_information_request"), 3, None, "Agreed") == []
    assert validate_override(get_rule("rr_meeting_1"), "3", "2", "Agreed locally") == []


@pytest.mark.parametrize(
    ("key", "amount", "earliest", "reason", "expected"),
    [
        pytest.param(
            "coroner_notification",
            2,
            None,
            "",
            ["You cannot change this timescale: it is a statutory duty. A partnership can "
             "only change timescales of local practice"],
            id="statutory rule is fixed",
        ),
        pytest.param(
            "agency_information_request",
            2,
            None,
            "   ",
            ["Enter the reason for changing this timescale"],
            id="local rule needs a reason",
        ),
        pytest.param(
            "agency_information_request",
            None,
            None,
            "Agreed",
            ["Enter the number of working days"],
            id="missing amount",
        ),
        pytest.param(
            "agency_information_request",
            "five",
            None,
            "Agreed",
            ["Number of working days must be a whole number"],
            id="words",
        ),
        pytest.param(
            "agency_information_request",
            2.5,
            None,
            "Agreed",
            ["Number of working days must be a whole number"],
            id="fraction",
        ),
        pytest.param(
            "agency_information_request",
            True,
            None,
            "Agreed",
            ["Number of working days must be a whole number"],
            id="boolean",
        ),
        pytest.param(
            "agency_information_request",
            -1,
            None,
            "Agreed",
            ["Number of working days must be between 0 and 260"],
            id="negative",
        ),
        pytest.param(
            "rr_meeting_2",
            366,
            5,
            "Agreed",
            ["Latest number of calendar days must be between 0 and 365"],
            id="more than a year of days",
        ),
        pytest.param(
            "cspr_publication",
            25,
            None,
            "Agreed",
            ["You cannot change this timescale: it is set by statutory guidance. A "
             "partnership can only change timescales of local practice"],
            id="a guidance rule is fixed",
        ),
        pytest.param(
            "agency_information_request",
            5,
            2,
            "Agreed",
            [
                "Leave the earliest number of working days empty because this timescale has "
                "a single deadline"
            ],
            id="earliest on a single deadline",
        ),
        pytest.param(
            "rr_meeting_1",
            3,
            4,
            "Agreed",
            [
                "Earliest number of calendar days must be the same as or less than the latest "
                "number of calendar days"
            ],
            id="earliest after latest",
        ),
        pytest.param(
            "rr_meeting_1",
            3,
            None,
            "Agreed",
            ["Enter the earliest number of calendar days"],
            id="window without earliest",
        ),
        pytest.param(
            "rr_meeting_1",
            "",
            1,
            "Agreed",
            ["Enter the latest number of calendar days"],
            id="window without latest",
        ),
        pytest.param(
            "rr_meeting_3",
            None,
            None,
            None,
            ["Enter the number of working days", "Enter the reason for changing this timescale"],
            id="several errors at once",
        ),
        pytest.param(
            "agency_information_request",
            3,
            None,
            "x" * 1001,
            ["Reason must be 1000 characters or fewer"],
            id="reason too long",
        ),
    ],
)
def test_override_errors_are_in_govuk_style(key, amount, earliest, reason, expected):
    assert validate_override(get_rule(key), amount, earliest, reason) == expected


# --- Status -----------------------------------------------------------------------------------

DUE = date(2025, 1, 2)  # Thursday


@pytest.mark.parametrize(
    ("today", "options", "expected"),
    [
        pytest.param(
            date(2025, 2, 1),
            {"not_applicable": True, "met_on": date(2025, 1, 1)},
            DeadlineStatus.NOT_APPLICABLE,
            id="not applicable wins over everything",
        ),
        pytest.param(
            date(2025, 2, 1), {"met_on": DUE}, DeadlineStatus.MET_ON_TIME, id="met on the day"
        ),
        pytest.param(
            date(2025, 2, 1), {"met_on": date(2025, 1, 3)}, DeadlineStatus.MET_LATE, id="met late"
        ),
        pytest.param(
            date(2025, 2, 1),
            {"met_on": date(2025, 1, 10), "extended_to": date(2025, 1, 31)},
            DeadlineStatus.MET_ON_TIME,
            id="met within an extension",
        ),
        pytest.param(
            date(2025, 2, 1), {"paused": True}, DeadlineStatus.PAUSED, id="paused when overdue"
        ),
        pytest.param(date(2025, 1, 3), {}, DeadlineStatus.OVERDUE, id="overdue the day after"),
        pytest.param(DUE, {}, DeadlineStatus.DUE_TODAY, id="due today"),
        # Tue 31 Dec and Thu 2 Jan are the 2 working days left: New Year's Day does not count.
        pytest.param(date(2024, 12, 30), {}, DeadlineStatus.DUE_SOON, id="2 working days left"),
        # Fri 27 Dec: Mon 30, Tue 31, Thu 2 are 3 working days away.
        pytest.param(date(2024, 12, 27), {}, DeadlineStatus.NOT_YET_DUE, id="3 working days left"),
        pytest.param(
            date(2024, 12, 30),
            {"due_soon_days": 1},
            DeadlineStatus.NOT_YET_DUE,
            id="a shorter due soon period",
        ),
        pytest.param(
            date(2025, 1, 3),
            {"extended_to": date(2025, 1, 31)},
            DeadlineStatus.EXTENDED,
            id="extended past the original date",
        ),
        pytest.param(
            date(2025, 1, 30),
            {"extended_to": date(2025, 1, 31)},
            DeadlineStatus.DUE_SOON,
            id="extended and now due soon",
        ),
        pytest.param(
            date(2025, 2, 3),
            {"extended_to": date(2025, 1, 31)},
            DeadlineStatus.OVERDUE,
            id="extension passed",
        ),
    ],
)
def test_deadline_status(today, options, expected):
    assert deadline_status(DUE, today, **options) is expected


def test_due_soon_counts_the_partnerships_closure_days():
    # Due Tue 30 Dec 2025, today Tue 23 Dec: Wed 24, Mon 29, Tue 30 are 3 working days away,
    # but only 2 where the office is closed on the 24th.
    due, today = date(2025, 12, 30), date(2025, 12, 23)
    assert deadline_status(due, today) is DeadlineStatus.NOT_YET_DUE
    assert deadline_status(due, today, partnership=CHRISTMAS_EVE_CLOSED) is DeadlineStatus.DUE_SOON


def test_each_status_has_its_label_and_tag_colour():
    shown = {status: (status.label, status.tag_class) for status in DeadlineStatus}
    assert shown == {
        DeadlineStatus.NOT_YET_DUE: ("Not yet due", "govuk-tag--blue"),
        DeadlineStatus.DUE_SOON: ("Due soon", "govuk-tag--yellow"),
        DeadlineStatus.DUE_TODAY: ("Due today", "govuk-tag--yellow"),
        DeadlineStatus.OVERDUE: ("Overdue", "govuk-tag--red"),
        DeadlineStatus.MET_ON_TIME: ("Met on time", "govuk-tag--green"),
        DeadlineStatus.MET_LATE: ("Met late", "govuk-tag--orange"),
        DeadlineStatus.NOT_APPLICABLE: ("Not applicable", "govuk-tag--grey"),
        DeadlineStatus.PAUSED: ("Paused", "govuk-tag--purple"),
        DeadlineStatus.EXTENDED: ("Extended", "govuk-tag--light-blue"),
        DeadlineStatus.FOR_INFORMATION: ("The Panel's: for information", "govuk-tag--grey"),
    }


@pytest.mark.parametrize(
    ("due", "met", "unit", "expected"),
    [
        pytest.param(date(2024, 12, 20), date(2024, 12, 20), "working_days", 0, id="on time"),
        pytest.param(date(2024, 12, 20), date(2024, 12, 18), "working_days", 0, id="early"),
        # Fri 20 Dec 2024 to Fri 27 Dec: Mon 23, Tue 24, Fri 27 (Christmas skipped).
        pytest.param(date(2024, 12, 20), date(2024, 12, 27), "working_days", 3, id="over Xmas"),
        # Sent on the Saturday: counted as if received on the Monday.
        pytest.param(date(2024, 12, 13), date(2024, 12, 14), "working_days", 1, id="Saturday"),
        pytest.param(date(2025, 12, 26), date(2026, 1, 2), "calendar_days", 7, id="calendar"),
    ],
)
def test_days_late(due, met, unit, expected):
    assert days_late(due, met, unit=unit) == expected


def test_days_late_counts_closure_days_as_non_working():
    assert days_late(date(2025, 12, 23), date(2025, 12, 29)) == 2
    assert days_late(date(2025, 12, 23), date(2025, 12, 29), CHRISTMAS_EVE_CLOSED) == 1


# --- The rule registry ----------------------------------------------------------------------


def test_rules_are_listed_child_deaths_then_reviews_then_partnership():
    domains = [rule.domain for rule in all_rules()]
    assert domains == sorted(domains, key=["cdr", "reviews", "partnership"].index)
    assert domains[0] == "cdr"
    assert domains[-1] == "partnership"
    assert len(domains) == len(RULESETS[CURRENT_EDITION]) == 20
    assert len(all_rules("WT2018")) == 18


def test_every_rule_cites_a_seed_line_and_belongs_to_its_edition():
    for rule in all_rules("WT2018"):
        assert rule.edition == "WT2018"
        assert "([003] L" in rule.citation or "([004] L" in rule.citation, rule.key
        assert rule.label and rule.trigger, rule.key
        if rule.inferred:
            assert rule.note, f"{rule.key} is inferred, so it must say why"


def test_rules_not_stated_in_the_sources_are_marked_inferred():
    inferred = {rule.key for rule in all_rules("WT2018") if rule.inferred}
    assert inferred == {
        "sos_ofsted_lac_notification", "rapid_review", "agency_information_request",
        "rr_meeting_3",
    }


def test_panel_notification_is_guidance_on_timing_of_a_statutory_duty():
    rule = get_rule("panel_notification", "WT2018")
    assert rule.label == "Notify the Child Safeguarding Practice Review Panel"
    assert rule.duty == "should"
    assert rule.note == (
        "The duty to notify is statutory; the five-working-day timescale is guidance."
    )
    assert rule.citation == "Working Together 2018, chapter 4 paragraph 12 ([003] L1377)"


@pytest.mark.parametrize(
    ("key", "duty", "timescale"),
    [
        ("panel_notification", "should", "5 working days after"),
        ("cspr_prepublication_copies", "must", "7 working days before"),
        ("national_prepublication_copies", "must", "7 working days before"),
        ("registrar_notification", "must", "7 calendar days after"),
        ("yearly_report_copies", "should", "7 calendar days after"),
        ("coroner_notification", "must", "3 working days after"),
        ("cspr_public_until", "must", "1 year after"),
        ("national_public_until", "must", "3 years after"),
        ("yearly_report", "must", "12 months after"),
        ("rr_meeting_1", "local", "1 to 5 calendar days after"),
        ("rr_meeting_3", "local", "10 working days after"),
        ("rapid_review", "panel", "15 working days after"),
        ("sos_ofsted_lac_notification", "local", "5 working days after"),
    ],
)
def test_rule_duty_and_timescale(key, duty, timescale):
    rule = get_rule(key)
    assert (rule.duty, rule.timescale) == (duty, timescale)


def test_unknown_rule_key_is_a_clear_key_error():
    with pytest.raises(KeyError, match="no deadline rule 'panel_notificaton' in edition WT2023"):
        get_rule("panel_notificaton")
    with pytest.raises(KeyError, match="no deadline rule"):
        due_date("nope", date(2025, 1, 6))


def test_unknown_edition_is_a_clear_key_error():
    with pytest.raises(KeyError, match="Unknown rules edition 'WT2030'"):
        get_rule("panel_notification", edition="WT2030")


def test_a_rule_with_a_typo_in_its_data_is_refused():
    rule = get_rule("panel_notification")
    with pytest.raises(ValueError, match="invalid unit 'fortnights'"):
        dataclasses.replace(rule, unit="fortnights")
    with pytest.raises(ValueError, match="earliest_amount"):
        dataclasses.replace(rule, earliest_amount=9)


def test_rules_cannot_be_changed_in_place():
    with pytest.raises(dataclasses.FrozenInstanceError):
        get_rule("panel_notification").amount = 10


def test_a_trigger_outside_the_calendar_range_is_refused():
    with pytest.raises(ValueError, match="outside the supported calendar range 1990–2100"):
        due_date("panel_notification", date(1989, 6, 1))
