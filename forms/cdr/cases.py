"""The case list's filter and search form (a GET form: no CSRF token, read from the query)."""

from govuk_frontend_wtf.wtforms_widgets import GovCheckboxInput, GovSelect, GovTextInput
from wtforms import BooleanField, HiddenField, SelectChoice, SelectField, StringField
from wtforms.validators import Length, Optional, ValidationError

from cdr.models import STAGES
from cdr.services.lists import AGENDA_FILTERS
from forms.base import StripWhitespaceForm
from forms.fields import GovDateField

SORTS = ("date_of_death", "reference", "stage")
ORDERS = ("asc", "desc")


def _select(label, choices):
    return SelectField(label, choices=choices, widget=GovSelect(), validate_choice=False)


class CaseFilterForm(StripWhitespaceForm):
    """Search and narrow the child death cases of the user's partnerships."""

    q = StringField(
        "Search",
        widget=GovTextInput(),
        validators=[Optional(), Length(max=100, message="Search must be 100 characters or fewer")],
    )
    stage = _select("Stage", [SelectChoice("", "Any stage"),
                              *(SelectChoice(k, v) for k, v in STAGES.items())])
    jar = _select("Joint Agency Response", [SelectChoice("", "Any"),
                                            SelectChoice("yes", "Required"),
                                            SelectChoice("no", "Not required")])
    doctor = SelectField("Designated doctor", widget=GovSelect(), validate_choice=False)
    agenda = _select("CDOP meeting", [SelectChoice("", "Any"),
                                      *(SelectChoice(k, v) for k, v in AGENDA_FILTERS.items())])
    overdue = BooleanField("Only cases with an overdue deadline", widget=GovCheckboxInput(),
                           false_values=("", "n", "no", "false", "0"))
    died_from = GovDateField("Died on or after", description="For example, 27 3 2025")
    died_to = GovDateField("Died on or before", description="For example, 27 3 2025")
    sort = HiddenField()
    order = HiddenField()
    # A saved search's id (tracker.searches): the list's links keep it, never the text.
    search = HiddenField()

    def __init__(self, *args, doctors=(), search_hint="", **kwargs):
        super().__init__(*args, **kwargs)
        self.doctor.choices = [SelectChoice("", "Any"), SelectChoice("none", "Not assigned"),
                               *(SelectChoice(str(i), name) for i, name in doctors)]
        self.q.description = search_hint

    def _check_choice(self, field, message):
        """GOV.UK wording for a value that is not one of the options."""
        if field.data and field.data not in {choice.value for choice in field.choices}:
            raise ValidationError(message)

    def validate_stage(self, field):
        """Only known stages."""
        self._check_choice(field, "Select a stage from the list")

    def validate_agenda(self, field):
        """Only the agenda choices offered."""
        self._check_choice(field, "Select a CDOP meeting choice from the list")

    def validate_jar(self, field):
        """Required, not required, or either."""
        self._check_choice(field, "Select whether a Joint Agency Response is required")

    def validate_doctor(self, field):
        """Only the designated doctors of the user's partnerships."""
        self._check_choice(field, "Select a designated doctor from the list")

    def validate_died_to(self, field):
        """The range cannot end before it starts."""
        start = self.died_from.data
        if field.data and start and field.data < start:
            raise ValidationError("Died on or before must be the same as or after the "
                                  "died on or after date")
