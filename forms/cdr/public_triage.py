"""Triage of a notification sent through the public form: declining it (or forwarding it to
another partnership's queue)."""

from govuk_frontend_wtf.wtforms_widgets import GovRadioInput, GovSelect, GovTextArea
from wtforms import RadioField, SelectChoice, SelectField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from cdr.models.public import DECLINE_REASONS
from forms.base import StripWhitespaceForm


class DeclineForm(StripWhitespaceForm):
    """Why the notification does not become a case here, and where it goes instead."""

    reason = RadioField(
        "Why is this notification declined?",
        choices=[SelectChoice(value, label) for value, label in DECLINE_REASONS.items()],
        widget=GovRadioInput(), validators=[InputRequired(message="Select why")],
        invalid_choice_message="Select why")
    forward_to = SelectField(
        "Forward it to another partnership (if it holds the area)", coerce=str,
        widget=GovSelect(), validators=[Optional()],
        invalid_choice_message="Select a partnership from the list",
        description="It then waits in that partnership's queue.")
    where = TextAreaField(
        "Where it should go instead, or why it is declined", widget=GovTextArea(),
        description="For example, the CDOP for the area where the child normally lived.",
        validators=[Optional(), Length(max=2000, message="Enter 2000 characters or fewer")])

    def __init__(self, *args, partnerships, **kwargs):
        super().__init__(*args, **kwargs)
        self.forward_to.choices = [SelectChoice("", "Do not forward"),
                                   *(SelectChoice(str(p.id), p.name) for p in partnerships)]

    def validate(self, extra_validators=None):
        valid = super().validate(extra_validators)
        if self.forward_to.data and self.reason.data != "another_area":
            self.forward_to.errors.append(
                "Forward only a notification declined because it belongs to another area")
            valid = False
        if self.reason.data == "another_area" and not self.forward_to.data \
                and not self.where.data:
            self.where.errors.append("Select a partnership to forward it to, or say where "
                                     "it should go")
            valid = False
        if self.reason.data == "other" and not self.where.data:
            self.where.errors.append("Say why it is declined")
            valid = False
        return valid
