"""The statutory timescales page and the deadline calculator."""

from datetime import date, timedelta
from typing import NamedTuple

import sqlalchemy as sa
from flask import Blueprint, render_template, request
from flask_login import current_user

from forms.timescales import CalculatorForm
from tracker import deadlines
from tracker.calendar import add_working_days, non_working_days, subtract_working_days
from tracker.deadline_service import load_rules
from tracker.extensions import db
from tracker.models import Partnership, RuleOverride
from tracker.roles import Permission
from tracker.security import permission_required, visible_partnership_ids

bp = Blueprint("timescales", __name__, url_prefix="/timescales")

DOMAIN_HEADINGS = {
    "cdr": "Child death reviews",
    "reviews": "Practice reviews",
    "partnership": "Partnership",
}
# The duty as a tag: (text, GOV.UK tag colour). Status colours (red, yellow, green) are kept
# for deadline status, so a duty is never mistaken for one.
_DUTY_COLOURS = {
    "must": "govuk-tag--purple",
    "should": "govuk-tag--blue",
    "panel": "govuk-tag--turquoise",
    "local": "govuk-tag--grey",
}
DUTY_TAGS = {duty: (deadlines.DUTY_LABELS[duty], colour) for duty, colour in _DUTY_COLOURS.items()}


def long_date(value):
    """A date with its weekday, as the calculator shows it: "Thursday 2 January 2025"."""
    return f"{value:%A} {value.day} {value:%B %Y}"


# What may differ between two editions' rules of one key, and how a difference is named.
_COMPARED = (
    ("label", "Label changed"),
    ("trigger", "Start changed"),
    ("citation", "Citation changed"),
    ("duty", "Duty changed"),
    ("timescale", "Timescale changed"),
)


class RuleRow(NamedTuple):
    """One rule key across the editions: its rule in each (None where absent), what differs."""

    key: str
    rule: deadlines.Rule  # the newest edition's, for the label, start and timescale
    by_edition: dict  # edition -> Rule or None
    changes: list[str]


def compare_editions(editions=deadlines.EDITIONS) -> list[tuple[str, list[RuleRow]]]:
    """(domain heading, rows) with each rule key's rule in every edition and its changes from
    the edition before: "New in ..." for a rule only the later edition has."""
    keys: dict[str, None] = {}
    for edition in editions:
        keys.update(dict.fromkeys(rule.key for rule in deadlines.all_rules(edition)))
    groups: dict[str, list[RuleRow]] = {}
    for key in keys:
        by_edition = {e: deadlines.RULESETS[e].get(key) for e in editions}
        present = [rule for rule in by_edition.values() if rule is not None]
        changes = []
        for before, after in zip(editions, editions[1:], strict=False):
            old, new = by_edition[before], by_edition[after]
            if old is None and new is not None:
                changes.append(f"New in {deadlines.EDITION_LABELS[after]}")
            elif old is not None and new is None:
                changes.append(f"Not in {deadlines.EDITION_LABELS[after]}")
            elif old is not None:
                changes += [name for field, name in _COMPARED
                            if getattr(old, field) != getattr(new, field)]
                if old.inferred != new.inferred:
                    changes.append("No longer inferred" if old.inferred else "Now inferred")
        groups.setdefault(present[-1].domain, []).append(
            RuleRow(key, present[-1], by_edition, changes))
    order = {domain: n for n, domain in enumerate(deadlines.DOMAINS)}
    return [(DOMAIN_HEADINGS[domain], rows)
            for domain, rows in sorted(groups.items(), key=lambda item: order[item[0]])]


@bp.route("/")
@permission_required(Permission.VIEW_TIMESCALES)
def index():
    """Every rule of both editions side by side, the differences marked, grouped by domain,
    with the user's partnership overrides."""
    return render_template(
        "tracker/timescales/index.html",
        groups=compare_editions(),
        editions=[(e, deadlines.EDITION_LABELS[e]) for e in deadlines.EDITIONS],
        current_edition=deadlines.CURRENT_EDITION,
        overrides=_visible_overrides(),
        duty_tags=DUTY_TAGS,
    )


def _visible_overrides():
    """rule_key -> [(partnership name, override)] for the user's partnerships (one query)."""
    rows = db.session.execute(
        sa.select(Partnership.name, RuleOverride)
        .join(RuleOverride.partnership)
        .where(RuleOverride.partnership_id.in_(visible_partnership_ids()),
               RuleOverride.switched_off_on.is_(None))
        .order_by(Partnership.name)
    ).all()
    found = {}
    for name, override in rows:
        found.setdefault(override.rule_key, []).append((name, override))
    return found


class Calculation(NamedTuple):
    """What the calculator shows."""

    rule: deadlines.Rule
    trigger: date
    partnership: Partnership | None
    amounts: deadlines.EffectiveAmounts
    override: RuleOverride | None
    earliest: date | None
    due: date
    skipped: list[tuple[date, str]]
    day_one: date | None  # the first working day counted, for a working-day count forwards
    trigger_counts_as: tuple[str, date] | None  # (why not a working day, the day it counts as)


@bp.route("/calculator")
@permission_required(Permission.VIEW_TIMESCALES)
def calculator():
    """Due date (or window) for a rule from a date, and the non-working days skipped."""
    partnerships = sorted(current_user.partnerships, key=lambda p: p.name)
    form = CalculatorForm(
        formdata=request.args or None, meta={"csrf": False}, partnerships=partnerships
    )
    result = None
    if request.args and form.validate():
        chosen = next((p for p in partnerships if p.code == form.partnership.data), None)
        edition = form.edition.data
        if form.rule.data not in deadlines.RULESETS[edition]:
            label = deadlines.get_rule(form.rule.data).label
            form.rule.errors.append(
                f"{label} is not a timescale of {deadlines.EDITION_LABELS[edition]}: select "
                "another timescale or edition")
        else:
            try:
                result = _calculate(deadlines.get_rule(form.rule.data, edition),
                                    form.trigger.data, chosen)
            except ValueError:
                form.trigger.errors.append(
                    "The due date would fall outside the calendar (1990 to 2100): enter an "
                    "earlier date"
                )
    return render_template(
        "tracker/timescales/calculator.html",
        form=form,
        result=result,
        long_date=long_date,
        edition_label=deadlines.EDITION_LABELS,
    ), (400 if form.errors else 200)


def _calculate(rule, trigger, partnership):
    """Work out the calculator's answer (ValueError when it falls outside the calendar)."""
    rules = load_rules([partnership.id])[partnership.id] if partnership else None
    earliest, due = deadlines.window(rule.key, trigger, rules, rule.edition)
    amounts = deadlines.effective_amounts(rule, rules)
    override = None
    if amounts.overridden:
        override = next(o for o in partnership.overrides if o.rule_key == rule.key)
    counts_working_days = rule.unit == "working_days"
    # The calendar the rule is counted on: closure days only for a local-practice rule.
    rules = deadlines.counting_calendar(rule, rules)
    skipped, day_one, counts_as = [], None, None
    if counts_working_days and rule.direction == "after" and due > trigger:
        # The trigger itself is never counted: day 1 is the first working day after it.
        skipped = non_working_days(trigger + timedelta(days=1), due, rules)
        day_one = add_working_days(trigger, 1, rules)
        reasons = non_working_days(trigger, trigger, rules)
        if reasons:
            counts_as = (reasons[0][1], subtract_working_days(trigger, 1, rules))
    elif counts_working_days and due < trigger:
        skipped = non_working_days(due, trigger - timedelta(days=1), rules)
    return Calculation(rule, trigger, partnership, amounts, override, earliest, due, skipped,
                       day_one, counts_as)
