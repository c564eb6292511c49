"""Checking a partnership's own amounts for a rule before they are saved."""

from __future__ import annotations

from tracker.deadlines.rule import MAX_AMOUNTS, MAX_REASON_LENGTH, Rule


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
    """A reason is always required."""
    text = reason.strip() if isinstance(reason, str) else ""
    if not text:
        return ["Enter the reason for changing this timescale"]
    if len(text) > MAX_REASON_LENGTH:
        return [f"Reason must be {MAX_REASON_LENGTH} characters or fewer"]
    return []


FIXED_RULE_MESSAGES = {
    "must": "You cannot change this timescale: it is a statutory duty. A partnership can "
    "only change timescales of local practice",
    "should": "You cannot change this timescale: it is set by statutory guidance. A "
    "partnership can only change timescales of local practice",
    "panel": "You cannot change this timescale: it is set by the Panel's guidance. A "
    "partnership can only change timescales of local practice",
}


def validate_override(rule: Rule, amount, earliest_amount, reason) -> list[str]:
    """GOV.UK style error messages for a partnership's override of a rule (empty when valid).

    A statutory or Panel rule is fixed: any override of it is refused, whatever the amounts.
    """
    if rule.fixed:
        return [FIXED_RULE_MESSAGES[rule.duty]]
    qualifier = "latest " if rule.is_window else ""
    errors, number = _amount_errors(rule, amount, f"{qualifier}number of {rule.unit_label}")
    errors += _earliest_errors(rule, number, earliest_amount)
    errors += _reason_errors(rule, reason)
    return errors
