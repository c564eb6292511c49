"""Deadline rules for child death reviews and practice reviews, as data, with status logic.

The one rules module: every due date in the tracker comes from here.

- `rule`: the Rule type and its vocabulary (units, duties, labels).
- `wt2018`: Working Together 2018's timescales, each with its citation.
- `wt2023`: Working Together 2023's (in force from 15 December 2023): every 2018 key with the
  same arithmetic, 2023 citations, and the rules the 2023 edition adds.
- `compute`: the rule sets by edition, which edition was in force on a day, due dates and
  windows, a partnership's own amounts.
- `overrides`: checking a partnership's own amounts before they are saved.
- `status`: where a deadline stands on a given day.
"""

from tracker.deadlines.compute import (
    RULESETS,
    EffectiveAmounts,
    all_rules,
    counting_calendar,
    due_date,
    edition_in_force,
    effective_amounts,
    get_rule,
    window,
)
from tracker.deadlines.overrides import validate_override
from tracker.deadlines.rule import (
    CURRENT_EDITION,
    DIRECTIONS,
    DOMAINS,
    DUTIES,
    DUTY_LABELS,
    EDITION_LABELS,
    EDITIONS,
    FIXED_DUTIES,
    MAX_AMOUNTS,
    MAX_REASON_LENGTH,
    UNIT_LABELS,
    UNIT_SINGULAR_LABELS,
    UNITS,
    Rule,
)
from tracker.deadlines.status import DeadlineStatus, days_late, deadline_status

__all__ = [
    "CURRENT_EDITION",
    "DIRECTIONS",
    "DOMAINS",
    "DUTIES",
    "DUTY_LABELS",
    "EDITIONS",
    "EDITION_LABELS",
    "FIXED_DUTIES",
    "MAX_AMOUNTS",
    "MAX_REASON_LENGTH",
    "RULESETS",
    "UNITS",
    "UNIT_LABELS",
    "UNIT_SINGULAR_LABELS",
    "DeadlineStatus",
    "EffectiveAmounts",
    "Rule",
    "all_rules",
    "counting_calendar",
    "days_late",
    "deadline_status",
    "due_date",
    "edition_in_force",
    "effective_amounts",
    "get_rule",
    "validate_override",
    "window",
]
