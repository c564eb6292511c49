"""Due dates and windows from the rules, with a partnership's own amounts.

Two editions of the rules stand side by side: Working Together 2018 and Working Together 2023
(in force from 15 December 2023). A case follows the edition in force on the day its clock
started (`edition_in_force`), so a case reviewed under 2018 keeps its citations.
"""

from __future__ import annotations

from datetime import date
from typing import NamedTuple

from tracker.calendar import (
    add_calendar_days,
    add_months,
    add_working_days,
    subtract_calendar_days,
    subtract_months,
    subtract_working_days,
)
from tracker.deadlines import wt2018, wt2023
from tracker.deadlines.rule import CURRENT_EDITION, DOMAINS, EDITIONS, Rule


# Edition -> key -> Rule. A case keeps the edition in force when it started, so a later
# edition (Working Together 2023 beside 2018) is added alongside, never by editing the older.
def _edition(name: str, rules: tuple[Rule, ...]) -> dict[str, Rule]:
    """Rules keyed by key, refusing a rule filed under the wrong edition or a repeated key."""
    keyed = {rule.key: rule for rule in rules}
    if len(keyed) != len(rules) or any(rule.edition != name for rule in rules):
        raise ValueError(f"Edition {name} has a repeated rule key or a rule of another edition")
    return keyed


RULESETS: dict[str, dict[str, Rule]] = {
    "WT2018": _edition("WT2018", wt2018.RULES),
    "WT2023": _edition("WT2023", wt2023.RULES),
}

if tuple(RULESETS) != EDITIONS:
    raise ValueError("RULESETS and EDITIONS name different editions")


def edition_in_force(day: date, wt2023_from: date) -> str:
    """The edition in force on a day: Working Together 2018 before the switch date (15
    December 2023 in the app's settings), Working Together 2023 from it."""
    return "WT2023" if day >= wt2023_from else "WT2018"


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


def counting_calendar(rule: Rule, partnership=None):
    """Whose calendar a rule's working days are counted on: what tracker.calendar takes.

    The partnership (its closure days too) for a local-practice rule; None (weekends and
    England and Wales bank holidays only) for a statutory or Panel rule, whatever the
    partnership closes. The one place that decides it: every count of a rule's days uses it.
    """
    return None if rule.fixed else partnership


def effective_amounts(rule: Rule, partnership=None) -> EffectiveAmounts:
    """The rule's amounts, or the partnership's override of them (same unit and direction).

    Only a local-practice rule can be overridden: an override of a fixed rule (stored before
    that was refused, and switched off since) is ignored, as is any switched-off override.
    """
    overrides = getattr(partnership, "rule_overrides", None) if partnership is not None else None
    override = overrides.get(rule.key) if overrides and not rule.fixed else None
    if override is not None and getattr(override, "switched_off_on", None) is not None:
        override = None
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
        return move(trigger_date, amount, counting_calendar(rule, partnership))
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

