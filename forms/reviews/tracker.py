"""The tracker list's filters (a GET form: no CSRF token, read from the query)."""

from govuk_frontend_wtf.wtforms_widgets import GovCheckboxInput, GovSelect, GovTextInput
from wtforms import BooleanField, HiddenField, SelectChoice, SelectField, StringField
from wtforms.validators import Length, Optional, ValidationError

from forms.base import StripWhitespaceForm
from reviews.models import DECISIONS, STAGES

_FALSE = ("", "n", "no", "false", "0")


def _select(label, choices):
    return SelectField(label, choices=choices, widget=GovSelect(), validate_choice=False)


def _box(label):
    return BooleanField(label, widget=GovCheckboxInput(), false_values=_FALSE)


class TrackerFilterForm(StripWhitespaceForm):
    """Narrow the incidents and reviews of the user's partnerships."""

    stage = _select("Stage", [SelectChoice("", "Any stage"),
                              *(SelectChoice(k, v) for k, v in STAGES.items())])
    decision = _select("Decision", [SelectChoice("", "Any"),
                                    SelectChoice("undecided", "Not decided yet"),
                                    *(SelectChoice(k, v) for k, v in DECISIONS.items())])
    converted = _select("Converted from a rapid review", [
        SelectChoice("", "Any"), SelectChoice("yes", "Converted to a local review"),
        SelectChoice("no", "Not converted")])
    reviewer = StringField(
        "Reviewer", widget=GovTextInput(), description="Part of a reviewer's name",
        validators=[Optional(), Length(max=100, message="Reviewer must be 100 characters "
                                                        "or fewer")])
    overdue = _box("Only those with an overdue deadline")
    due_soon = _box("Only those with a deadline due in the next 14 days")
    sort = HiddenField()
    order = HiddenField()

    def _check_choice(self, field, message):
        if field.data and field.data not in {choice.value for choice in field.choices}:
            raise ValidationError(message)

    def validate_stage(self, field):
        """Only known stages."""
        self._check_choice(field, "Select a stage from the list")

    def validate_decision(self, field):
        """Only known decisions."""
        self._check_choice(field, "Select a decision from the list")

    def validate_converted(self, field):
        """Converted, not converted, or either."""
        self._check_choice(field, "Select whether the review was converted")
