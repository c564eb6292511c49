"""The audit page's filter form (a GET form: no CSRF token, read from the query string)."""

from govuk_frontend_wtf.wtforms_widgets import GovSelect, GovTextInput
from wtforms import SelectChoice, SelectField, StringField
from wtforms.validators import Length, Optional, ValidationError

from forms.base import StripWhitespaceForm
from forms.fields import GovDateField


def _date_field(label):
    return GovDateField(label, description="For example, 27 3 2025")


def _select(label):
    return SelectField(label, widget=GovSelect(), validate_choice=False)


def _choices(everything, pairs):
    """Select options: one for no filter, then a (value, label) pair each."""
    return [SelectChoice("", everything), *(SelectChoice(v, label) for v, label in pairs)]


class AuditFilterForm(StripWhitespaceForm):
    """Narrow the audit trail by user, action, record and dates (inclusive, in London)."""

    user = _select("User")
    action = _select("Action")
    record_type = _select("Type of record")
    record_id = StringField(
        "Record ID",
        widget=GovTextInput(),
        validators=[Optional(), Length(max=64, message="Record ID must be 64 characters or fewer")],
    )
    record_text = StringField(
        "Record name or reference contains",
        widget=GovTextInput(),
        validators=[
            Optional(),
            Length(max=200, message="Search text must be 200 characters or fewer"),
        ],
    )
    date_from = _date_field("From date")
    date_to = _date_field("To date")

    def __init__(self, *args, users=(), actions=(), record_types=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.user.choices = _choices("Everyone", users)
        self.action.choices = _choices("Any action", actions)
        self.record_type.choices = _choices("Any type", record_types)

    def _check_choice(self, field, message):
        """GOV.UK wording for a value that is not one of the options."""
        if field.data and field.data not in {choice.value for choice in field.choices}:
            raise ValidationError(message)

    def validate_user(self, field):
        """Only the users the viewer may see."""
        self._check_choice(field, "Select a user from the list")

    def validate_action(self, field):
        """Only known actions."""
        self._check_choice(field, "Select an action from the list")

    def validate_record_type(self, field):
        """Only known types of record; an ID needs a type."""
        self._check_choice(field, "Select a type of record from the list")
        if self.record_id.data and not field.data:
            raise ValidationError("Select the type of record to search by record ID")

    def validate_date_to(self, field):
        """The range cannot end before it starts."""
        start = self.date_from.data
        if field.data and start and field.data < start:
            raise ValidationError("To date must be the same as or after the from date")
