"""The annual report's choices: partnership and reporting year (a GET form, no CSRF)."""

from govuk_frontend_wtf.wtforms_widgets import GovSelect
from wtforms import SelectField

from forms.base import StripWhitespaceForm
from tracker.timeutil import format_date


class AnnualReportForm(StripWhitespaceForm):
    """A partnership of the user's and a reporting year (1 April to 31 March)."""

    partnership = SelectField(
        "Partnership",
        widget=GovSelect(),
        invalid_choice_message="Select a partnership from the list",
    )
    year = SelectField(
        "Reporting year",
        widget=GovSelect(),
        invalid_choice_message="Select a reporting year from the list",
    )

    def __init__(self, *args, partnerships=(), years=(), today=None, default_year=None,
                 **kwargs):
        super().__init__(*args, **kwargs)
        self.partnership.choices = [(p.code, p.name) for p in partnerships]
        self.year.choices = [
            (str(period.start.year), f"{format_date(period.start)} to "
             f"{format_date(period.end)}" + (" (so far)" if today and period.end >= today
                                             else ""))
            for period in years]
        if self.partnership.data is None and self.partnership.choices:
            self.partnership.data = self.partnership.choices[0][0]
        if self.year.data is None and default_year is not None:
            self.year.data = str(default_year)
