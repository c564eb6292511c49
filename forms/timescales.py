"""The deadline calculator form."""

from govuk_frontend_wtf.wtforms_widgets import GovSelect
from wtforms import SelectField

from forms.base import StripWhitespaceForm
from forms.fields import GovDateField
from tracker.deadlines import all_rules

BANK_HOLIDAYS_ONLY = ""


def rule_choices():
    """Every rule as a (key, label) choice, child death rules first."""
    return [(rule.key, rule.label) for rule in all_rules()]


class CalculatorForm(StripWhitespaceForm):
    """Pick a rule, a date and a partnership; sent by GET so the answer has its own link."""

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
