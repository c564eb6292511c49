"""The deadline calculator form."""

from govuk_frontend_wtf.wtforms_widgets import GovSelect
from wtforms import SelectField

from forms.base import StripWhitespaceForm
from forms.fields import GovDateField
from tracker.deadlines import CURRENT_EDITION, EDITION_LABELS, EDITIONS, all_rules

BANK_HOLIDAYS_ONLY = ""


def rule_choices():
    """Every rule of the current edition as a (key, label) choice, child death rules first
    (every earlier edition's rule has a rule of the same key in it)."""
    return [(rule.key, rule.label) for rule in all_rules()]


def edition_choices():
    """The editions, newest first."""
    return [(edition, EDITION_LABELS[edition]) for edition in reversed(EDITIONS)]


class CalculatorForm(StripWhitespaceForm):
    """Pick a rule, a date and a partnership; sent by GET so the answer has its own link."""

    edition = SelectField(
        "Edition of Working Together",
        widget=GovSelect(),
        choices=edition_choices,
        default=CURRENT_EDITION,
        description="The edition in force on the day the clock started.",
        invalid_choice_message="Select an edition from the list",
    )
    rule = SelectField(
        "Timescale",
        widget=GovSelect(),
        choices=rule_choices,
        invalid_choice_message="Select a timescale from the list",
    )
    trigger = GovDateField(
        "Date the clock starts",
        description="For example, 23 12 2024",
        required_message="Enter the date the clock starts",
    )
    partnership = SelectField(
        "Count working days for",
        widget=GovSelect(),
        description="A partnership's own closure days and timescales are used.",
        invalid_choice_message="Select a partnership from the list",
    )

    def __init__(self, *args, partnerships=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.partnership.choices = [(p.code, p.name) for p in partnerships] + [
            (BANK_HOLIDAYS_ONLY, "England and Wales bank holidays only")
        ]
        if self.partnership.data is None:
            self.partnership.data = self.partnership.choices[0][0]
