"""The deadline compliance page's choices: partnership and period (a GET form, no CSRF)."""

from govuk_frontend_wtf.wtforms_widgets import GovSelect
from wtforms import SelectField
from wtforms.validators import ValidationError

from forms.base import StripWhitespaceForm
from forms.fields import GovDateField

# The longest period counted at once: enough for five reporting years side by side.
MAX_PERIOD_DAYS = 5 * 366


class ComplianceForm(StripWhitespaceForm):
    """A partnership of the user's and a period, first and last days included."""

    partnership = SelectField(
        "Partnership",
        widget=GovSelect(),
        invalid_choice_message="Select a partnership from the list",
    )
    date_from = GovDateField("From", description="For example, 1 4 2025",
                             required_message="Enter the first day of the period")
    date_to = GovDateField("To", description="For example, 31 3 2026",
                           required_message="Enter the last day of the period")

    def __init__(self, *args, partnerships=(), period=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.partnership.choices = [(p.code, p.name) for p in partnerships]
        # Defaults when the page is opened without choices.
        if self.partnership.data is None and self.partnership.choices:
            self.partnership.data = self.partnership.choices[0][0]
        if period is not None and not self.date_from.raw_data:
            self.date_from.data, self.date_to.data = period

    def validate_date_to(self, field):
        """The period runs forwards and is not longer than five years."""
        start = self.date_from.data
        if start is None or field.data is None:
            return
        if field.data < start:
            raise ValidationError("The last day must be the same as or after the first day")
        if (field.data - start).days > MAX_PERIOD_DAYS:
            raise ValidationError("The period must be 5 years or shorter")
