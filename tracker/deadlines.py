"""Deadline rules for child death reviews and practice reviews, as data, with status logic."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date
from typing import NamedTuple

from tracker.calendar import (
    add_calendar_days,
    add_months,
    add_working_days,
    is_working_day,
    subtract_calendar_days,
    subtract_months,
    subtract_working_days,
    working_days_between,
)

CURRENT_EDITION = "WT2018"

UNITS = ("working_days", "calendar_days", "weeks", "months", "years")
DIRECTIONS = ("after", "before")
DUTIES = ("must", "should", "panel", "local")
DOMAINS = ("cdr", "reviews", "partnership")

UNIT_SINGULAR_LABELS = {
    "working_days": "working day",
    "calendar_days": "calendar day",
    "weeks": "week",
    "months": "month",
    "years": "year",
}
UNIT_LABELS = {
    "working_days": "working days",
    "calendar_days": "calendar days",
    "weeks": "weeks",
    "months": "months",
    "years": "years",
}
DUTY_LABELS = {
    "must": "Statutory duty",
    "should": "Statutory guidance",
    # The national Panel's own guidance, which Working Together defers to (not statutory).
    "panel": "Panel guidance",
    "local": "Local practice",
}

# The largest amount a partnership may set, per unit: about a year, however it is counted.
MAX_AMOUNTS = {
    "working_days": 260,
    "calendar_days": 365,
    "weeks": 52,
    "months": 24,
    "years": 10,
}
MAX_REASON_LENGTH = 1000

_WT = "Working Together 2018"
_HANTS = "Hampshire County Council Children's Services safeguarding procedure (local practice)"


@dataclass(frozen=True)
class Rule:
    """One timescale: what starts the clock, how long it runs, and where it comes from."""

    key: str
    label: str
    domain: str
    trigger: str
    unit: str
    amount: int
    direction: str
    duty: str
    citation: str
    earliest_amount: int | None = None
    note: str = ""
    inferred: bool = False
    # A literal, not CURRENT_EDITION: these rules stay WT2018 when a later edition is current.
    edition: str = "WT2018"

    def __post_init__(self):
        # Rules are hand-written data: catch a typo when the module loads, not on a case page.
        allowed = (
            ("unit", UNITS),
            ("direction", DIRECTIONS),
            ("duty", DUTIES),
            ("domain", DOMAINS),
        )
        problems = [
            f"{field} {getattr(self, field)!r}"
            for field, values in allowed
            if getattr(self, field) not in values
        ]
        if self.earliest_amount is not None and (
            self.direction != "after" or not 0 <= self.earliest_amount <= self.amount
        ):
            problems.append("earliest_amount (a window runs forwards, earliest <= amount)")
        if problems:
            raise ValueError(f"Rule {self.key!r} has an invalid " + ", ".join(problems))

    @property
    def is_window(self) -> bool:
        """Whether the rule gives a window (earliest and latest date), not a single deadline."""
        return self.earliest_amount is not None

    @property
    def unit_label(self) -> str:
        """The unit in words, such as "working days"."""
        return UNIT_LABELS[self.unit]

    @property
    def duty_label(self) -> str:
        """The duty in words: statutory duty, statutory guidance, Panel guidance or local."""
        return DUTY_LABELS[self.duty]

    @property
    def timescale(self) -> str:
        """In words, such as "5 working days after" or "1 to 5 calendar days after"."""
        return self.timescale_with()

    def timescale_with(self, amount=None, earliest_amount=None) -> str:
        """The timescale in words with other amounts, such as a partnership's override."""
        amount = self.amount if amount is None else amount
        earliest = self.earliest_amount if earliest_amount is None else earliest_amount
        text = f"{earliest} to {amount}" if self.is_window else str(amount)
        units = UNIT_SINGULAR_LABELS[self.unit] if text == "1" else self.unit_label
        return f"{text} {units} {self.direction}"


def _wt(chapter: int, paragraph: str, lines: str) -> str:
    return f"{_WT}, chapter {chapter} paragraph {paragraph} ([003] {lines})"


_WT2018_RULES = (
    # --- Child death reviews -------------------------------------------------------------
    Rule(
        key="registrar_notification",
        label="Registrar supplies the particulars of the death to the child death review partners",
        domain="cdr",
        trigger="Death registered, register entry corrected, or certificate of no liability "
        "to register issued",
        unit="calendar_days",
        amount=7,
        direction="after",
        duty="must",
        citation=f"{_WT}, chapter 5, statutory duties table after paragraph 14: Children and "
        "Young Persons Act 2008 section 31 ([003] L1599–L1601)",
        note="The source says 'seven days' with no 'working', so calendar days are used; a "
        "deadline on a weekend or bank holiday is not moved (ambiguity A-06).",
    ),
    Rule(
        key="coroner_notification",
        label="Coroner notifies the child death review partners",
        domain="cdr",
        trigger="Coroner decided to investigate the death or to commission a post-mortem",
        unit="working_days",
        amount=3,
        direction="after",
        duty="must",
        citation=f"{_WT}, chapter 5, statutory duties table after paragraph 14: Coroners "
        "(Investigations) Regulations 2013 ([003] L1601)",
        note="Goes to the partners for the area where the child died or the body was found.",
    ),
    Rule(
        key="rr_meeting_1",
        label="First rapid response meeting",
        domain="cdr",
        trigger="Child died",
        unit="calendar_days",
        amount=5,
        earliest_amount=1,
        direction="after",
        duty="local",
        citation=f"{_HANTS}, paragraph 5.15 ([004] L257)",
        note="Local practice only. The source says '1-5 days' without saying calendar or "
        "working days or what starts the clock; calendar days from the death are assumed "
        "(ambiguity A-04).",
    ),
    Rule(
        key="rr_meeting_2",
        label="Second rapid response meeting",
        domain="cdr",
        trigger="Child died",
        unit="calendar_days",
        amount=7,
        earliest_amount=5,
        direction="after",
        duty="local",
        citation=f"{_HANTS}, paragraph 5.15 ([004] L257)",
        note="Local practice only; calendar days from the death are assumed (ambiguity A-04).",
    ),
    Rule(
        key="rr_meeting_3",
        label="Third rapid response meeting",
        domain="cdr",
        trigger="Child died",
        unit="weeks",
        amount=12,
        earliest_amount=8,
        direction="after",
        duty="local",
        citation=f"{_HANTS}, paragraph 5.15 ([004] L257)",
        note="Held once all post-mortem results have been received; 8 to 12 weeks after the "
        "death is the usual timing, not a limit. It agrees the report for the CDOP and, if "
        "there is an inquest, the coroner.",
    ),
    Rule(
        key="agency_information_request",
        label="Agencies return the information requested (Agency Form B)",
        domain="cdr",
        trigger="Information request sent to the agency",
        unit="working_days",
        amount=15,
        direction="after",
        duty="local",
        citation=f"{_HANTS}, paragraph 5.20 ([004] L267)",
        note="The source gives no return date; 15 working days is a local default to confirm.",
        inferred=True,
    ),
    # --- Serious incidents and child safeguarding practice reviews -----------------------
    Rule(
        key="panel_notification",
        label="Notify the Child Safeguarding Practice Review Panel",
        domain="reviews",
        trigger="Local authority became aware of the serious incident",
        unit="working_days",
        amount=5,
        direction="after",
        duty="should",
        citation=_wt(4, "12", "L1377"),
        note="The duty to notify is statutory; the five-working-day timescale is guidance.",
    ),
    Rule(
        key="partners_notification",
        label="Report the serious incident to the safeguarding partners",
        domain="reviews",
        trigger="Local authority became aware of the serious incident",
        unit="working_days",
        amount=5,
        direction="after",
        duty="should",
        citation=_wt(4, "12", "L1377"),
        note="Includes partners in other areas where appropriate, for example for a "
        "looked-after child placed out of area (footnote 77, [003] L1388).",
    ),
    Rule(
        key="sos_ofsted_lac_notification",
        label="Notify the Secretary of State and Ofsted of the death of a looked-after child",
        domain="reviews",
        trigger="Local authority became aware of the death of a looked-after child",
        unit="working_days",
        amount=5,
        direction="after",
        duty="local",
        citation=_wt(4, "13", "L1378"),
        note="The duty to notify is statutory, whether or not abuse or neglect is known or "
        "suspected, but no timescale is given; five working days is assumed from paragraph 12 "
        "(ambiguity A-07).",
        inferred=True,
    ),
    Rule(
        key="rapid_review",
        label="Complete the rapid review and send it to the Panel",
        domain="reviews",
        trigger="Notification sent to the Child Safeguarding Practice Review Panel",
        unit="working_days",
        amount=15,
        direction="after",
        duty="panel",
        citation=f"{_WT}, chapter 4 paragraphs 20 and 9 ([003] L1418, L1359)",
        note="The guidance says 'promptly' and leaves the timescale to the Panel's guidance. "
        "15 working days from the notification is the Panel's published expectation, not "
        "stated in the source texts (DOMAIN G-01): check it against current Panel guidance.",
        inferred=True,
    ),
    Rule(
        key="cspr_publication",
        label="Publish the local child safeguarding practice review",
        domain="reviews",
        trigger="Safeguarding partners decided to carry out a local review",
        unit="months",
        amount=6,
        direction="after",
        duty="should",
        citation=_wt(4, "41", "L1505"),
        note="As soon as possible and no later than six months. If other proceedings delay "
        "publication, tell the Panel and the Secretary of State why (ambiguity A-11).",
    ),
    Rule(
        key="cspr_prepublication_copies",
        label="Send the local review report to the Panel and the Secretary of State",
        domain="reviews",
        trigger="Planned publication date of the local review",
        unit="working_days",
        amount=7,
        direction="before",
        duty="must",
        citation=f"{_WT}, chapter 4 paragraph 40 and footnote 90 ([003] L1504, L1512)",
        note="The latest date to send, counted back from the planned publication date. Ofsted "
        "should get a copy within the same timescale.",
    ),
    Rule(
        key="cspr_public_until",
        label="Keep the local review report publicly available",
        domain="reviews",
        trigger="Local review report published",
        unit="years",
        amount=1,
        direction="after",
        duty="must",
        citation=_wt(4, "38", "L1495"),
        note="The earliest date the report or information may be taken down (ambiguity A-12).",
    ),
    Rule(
        key="national_publication",
        label="Publish the national child safeguarding practice review",
        domain="reviews",
        trigger="Panel decided to carry out a national review",
        unit="months",
        amount=6,
        direction="after",
        duty="should",
        citation=_wt(4, "50", "L1529"),
        note="If other proceedings delay publication, the Panel tells the Secretary of State why.",
    ),
    Rule(
        key="national_prepublication_copies",
        label="Send the national review report to the Secretary of State",
        domain="reviews",
        trigger="Planned publication date of the national review",
        unit="working_days",
        amount=7,
        direction="before",
        duty="must",
        citation=f"{_WT}, chapter 4 paragraph 49 ([003] L1528); working day as defined in "
        "footnote 90 ([003] L1512)",
        note="Copies to the safeguarding partners, Ofsted, the CQC and HMICFRS have no "
        "timescale (ambiguity A-13).",
    ),
    Rule(
        key="national_public_until",
        label="Keep the national review report publicly available",
        domain="reviews",
        trigger="National review report published",
        unit="years",
        amount=3,
        direction="after",
        duty="must",
        citation=_wt(4, "49", "L1528"),
        note="The earliest date the report or information may be taken down (ambiguity A-12).",
    ),
    # --- Safeguarding partnership --------------------------------------------------------
    Rule(
        key="yearly_report",
        label="Publish the safeguarding partners' yearly report",
        domain="partnership",
        trigger="Previous yearly report published",
        unit="months",
        amount=12,
        direction="after",
        duty="must",
        citation=_wt(3, "41", "L1325"),
        note="'At least once in every 12-month period': the stricter rolling 12 months from "
        "the previous report is used (ambiguity A-14).",
    ),
    Rule(
        key="yearly_report_copies",
        label="Send the yearly report to the Panel and the What Works Centre",
        domain="partnership",
        trigger="Yearly report published",
        unit="calendar_days",
        amount=7,
        direction="after",
        duty="should",
        citation=_wt(3, "44", "L1335"),
        note="'Within seven days' has no 'working', so calendar days are used (ambiguity A-06).",
    ),
)


# Edition -> key -> Rule. A case keeps the edition in force when it started, so a later
# edition (Working Together 2023) is added alongside, never by editing these rules.
def _edition(name: str, rules: tuple[Rule, ...]) -> dict[str, Rule]:
    """Rules keyed by key, refusing a rule filed under the wrong edition or a repeated key."""
    keyed = {rule.key: rule for rule in rules}
    if len(keyed) != len(rules) or any(rule.edition != name for rule in rules):
        raise ValueError(f"Edition {name} has a repeated rule key or a rule of another edition")
    return keyed


RULESETS: dict[str, dict[str, Rule]] = {
    "WT2018": _edition("WT2018", _WT2018_RULES),
}

_DOMAIN_ORDER = {domain: position for position, domain in enumerate(DOMAINS)}


def _ruleset(edition: str) -> dict[str, Rule]:
    try:
        return RULESETS[edition]
    except KeyError:
        known = ", ".join(RULESETS)
        raise KeyError(f"Unknown rules edition {edition!r} (known editions: {known})") from None


def get_rule(key: str, edition: str = CURRENT_EDITION) -> Rule:
    """The rule with this key in an edition; KeyError naming the key if there is none."""
    try:
        return _ruleset(edition)[key]
    except KeyError as error:
        if edition not in RULESETS:
            raise
        raise KeyError(f"There is no deadline rule {key!r} in edition {edition}") from error


def all_rules(edition: str = CURRENT_EDITION) -> list[Rule]:
    """Every rule in an edition: child death rules, then practice reviews, then partnership."""
    return sorted(_ruleset(edition).values(), key=lambda rule: _DOMAIN_ORDER[rule.domain])


class EffectiveAmounts(NamedTuple):
    """The amounts used for one partnership, and whether they are the partnership's own."""

    amount: int
    earliest_amount: int | None
    overridden: bool


def effective_amounts(rule: Rule, partnership=None) -> EffectiveAmounts:
    """The rule's amounts, or the partnership's override of them (same unit and direction)."""
    overrides = getattr(partnership, "rule_overrides", None) if partnership is not None else None
    override = overrides.get(rule.key) if overrides else None
    if override is None:
        return EffectiveAmounts(rule.amount, rule.earliest_amount, False)
    # Only a window rule has an earliest date; a stray earliest on a single deadline is ignored.
    earliest = override.earliest_amount if rule.is_window else None
    if override.amount < 0 or (earliest is not None and not 0 <= earliest <= override.amount):
        raise ValueError(
            f"The override of {rule.key!r} has invalid amounts "
            f"({earliest!r} to {override.amount!r})"
        )
    return EffectiveAmounts(override.amount, earliest, True)


def _shift(rule: Rule, trigger_date: date, amount: int, partnership) -> date:
    """The date `amount` units after (or before) the trigger date, per the rule's unit."""
    forwards = rule.direction == "after"
    unit = rule.unit
    if unit == "working_days":
        move = add_working_days if forwards else subtract_working_days
        return move(trigger_date, amount, partnership)
    if unit in ("calendar_days", "weeks"):
        days = amount * 7 if unit == "weeks" else amount
        move = add_calendar_days if forwards else subtract_calendar_days
        return move(trigger_date, days)
    months = amount * 12 if unit == "years" else amount
    move = add_months if forwards else subtract_months
    return move(trigger_date, months)


def window(
    rule_key: str, trigger_date: date, partnership=None, edition: str = CURRENT_EDITION
) -> tuple[date | None, date]:
    """(earliest, latest) dates for a rule; earliest is None unless the rule is a window."""
    rule = get_rule(rule_key, edition)
    amounts = effective_amounts(rule, partnership)
    latest = _shift(rule, trigger_date, amounts.amount, partnership)
    if amounts.earliest_amount is None:
        return None, latest
    return _shift(rule, trigger_date, amounts.earliest_amount, partnership), latest


def due_date(
    rule_key: str, trigger_date: date, partnership=None, edition: str = CURRENT_EDITION
) -> date:
    """The date a rule falls due (the latest date of a window)."""
    return window(rule_key, trigger_date, partnership, edition)[1]


# --- Validating a partnership's override -------------------------------------------------


def _is_blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _whole_number(value) -> int | None:
    """The value as a whole number, or None when it is not one (True/False are not numbers)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:
            return None
    return None


def _amount_errors(rule: Rule, value, noun: str) -> tuple[list[str], int | None]:
    """Errors for one amount field (noun names it), and the amount when it is valid."""
    if _is_blank(value):
        return [f"Enter the {noun}"], None
    number = _whole_number(value)
    if number is None:
        return [f"{noun.capitalize()} must be a whole number"], None
    highest = MAX_AMOUNTS[rule.unit]
    if not 0 <= number <= highest:
        return [f"{noun.capitalize()} must be between 0 and {highest}"], None
    return [], number


def _earliest_errors(rule: Rule, amount: int | None, earliest_amount) -> list[str]:
    """Errors for the earliest amount: only a window takes one, and it cannot pass the latest."""
    noun = f"earliest number of {rule.unit_label}"
    if not rule.is_window:
        if _is_blank(earliest_amount):
            return []
        return [f"Leave the {noun} empty because this timescale has a single deadline"]
    errors, earliest = _amount_errors(rule, earliest_amount, noun)
    if earliest is not None and amount is not None and earliest > amount:
        errors.append(
            f"{noun.capitalize()} must be the same as or less than the latest number "
            f"of {rule.unit_label}"
        )
    return errors


def _reason_errors(rule: Rule, reason) -> list[str]:
    """A reason is always required; a statutory rule says so in the message."""
    text = reason.strip() if isinstance(reason, str) else ""
    if not text:
        if rule.duty == "must":
            return ["Enter the reason for changing a statutory timescale"]
        return ["Enter the reason for changing this timescale"]
    if len(text) > MAX_REASON_LENGTH:
        return [f"Reason must be {MAX_REASON_LENGTH} characters or fewer"]
    return []


def validate_override(rule: Rule, amount, earliest_amount, reason) -> list[str]:
    """GOV.UK style error messages for a partnership's override of a rule (empty when valid)."""
    qualifier = "latest " if rule.is_window else ""
    errors, number = _amount_errors(rule, amount, f"{qualifier}number of {rule.unit_label}")
    errors += _earliest_errors(rule, number, earliest_amount)
    errors += _reason_errors(rule, reason)
    return errors


# --- Status --------------------------------------------------------------------------------


class DeadlineStatus(enum.Enum):
    """Where a deadline stands on a given day; always derived, never stored."""

    NOT_YET_DUE = "not_yet_due"
    DUE_SOON = "due_soon"
    DUE_TODAY = "due_today"
    OVERDUE = "overdue"
    MET_ON_TIME = "met_on_time"
    MET_LATE = "met_late"
    NOT_APPLICABLE = "not_applicable"
    PAUSED = "paused"
    EXTENDED = "extended"

    @property
    def label(self) -> str:
        """The text shown in the status tag, such as "Due soon"."""
        return _STATUS_LABELS[self]

    @property
    def tag_class(self) -> str:
        """The GOV.UK Frontend tag colour modifier class, such as "govuk-tag--red"."""
        return _STATUS_TAG_CLASSES[self]


_STATUS_LABELS = {
    DeadlineStatus.NOT_YET_DUE: "Not yet due",
    DeadlineStatus.DUE_SOON: "Due soon",
    DeadlineStatus.DUE_TODAY: "Due today",
    DeadlineStatus.OVERDUE: "Overdue",
    DeadlineStatus.MET_ON_TIME: "Met on time",
    DeadlineStatus.MET_LATE: "Met late",
    DeadlineStatus.NOT_APPLICABLE: "Not applicable",
    DeadlineStatus.PAUSED: "Paused",
    DeadlineStatus.EXTENDED: "Extended",
}
_STATUS_TAG_CLASSES = {
    DeadlineStatus.NOT_YET_DUE: "govuk-tag--blue",
    DeadlineStatus.DUE_SOON: "govuk-tag--yellow",
    DeadlineStatus.DUE_TODAY: "govuk-tag--yellow",
    DeadlineStatus.OVERDUE: "govuk-tag--red",
    DeadlineStatus.MET_ON_TIME: "govuk-tag--green",
    DeadlineStatus.MET_LATE: "govuk-tag--orange",
    DeadlineStatus.NOT_APPLICABLE: "govuk-tag--grey",
    DeadlineStatus.PAUSED: "govuk-tag--purple",
    DeadlineStatus.EXTENDED: "govuk-tag--light-blue",
}


def deadline_status(
    due: date,
    today: date,
    *,
    met_on: date | None = None,
    not_applicable: bool = False,
    paused: bool = False,
    extended_to: date | None = None,
    due_soon_days: int = 2,
    partnership=None,
) -> DeadlineStatus:
    """The status of a deadline on `today` (passed in, so it can be tested without a clock)."""
    if not_applicable:
        return DeadlineStatus.NOT_APPLICABLE
    effective_due = extended_to or due
    if met_on is not None:
        on_time = met_on <= effective_due
        return DeadlineStatus.MET_ON_TIME if on_time else DeadlineStatus.MET_LATE
    if paused:
        return DeadlineStatus.PAUSED
    if today > effective_due:
        return DeadlineStatus.OVERDUE
    if today == effective_due:
        return DeadlineStatus.DUE_TODAY
    if working_days_between(today, effective_due, partnership) <= due_soon_days:
        return DeadlineStatus.DUE_SOON
    if extended_to is not None:
        return DeadlineStatus.EXTENDED
    return DeadlineStatus.NOT_YET_DUE


def days_late(
    due: date, met_on_or_today: date, partnership=None, *, unit: str = "working_days"
) -> int:
    """How late something is (0 when on time): in working days for working-day rules.

    For a working-day rule, a date on a non-working day counts as the next working day, so
    a report sent on the Saturday after a Friday deadline is 1 working day late, as it would
    have been if received on the Monday. For every other unit the count is calendar days.
    Pass the extended date as `due` when the deadline was extended.
    """
    if met_on_or_today <= due:
        return 0
    if unit != "working_days":
        return (met_on_or_today - due).days
    late = working_days_between(due, met_on_or_today, partnership)
    if not is_working_day(met_on_or_today, partnership):
        late += 1
    return late
