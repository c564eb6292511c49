"""The form that transfers a case to another partnership."""

from govuk_frontend_wtf.wtforms_widgets import GovSelect, GovTextArea
from wtforms import SelectChoice, SelectField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length

from forms.base import VersionedForm


class TransferForm(VersionedForm):
    """Send a case to the partnership responsible for reviewing it, with the reason."""

    partnership = SelectField(
        "Partnership to transfer the case to", widget=GovSelect(),
        description="The partnership for the area where the child normally lived",
        validators=[InputRequired(message="Select the partnership to transfer the case to")],
        invalid_choice_message="Select the partnership to transfer the case to")
    reason = TextAreaField(
        "Reason for the transfer", widget=GovTextArea(),
        description="For example, the child normally lived in the other partnership's area. "
        "This is kept in both partnerships' audit trails.",
        validators=[DataRequired(message="Enter the reason for the transfer"),
                    Length(max=2000, message="Reason must be 2000 characters or fewer")])

    def __init__(self, *args, choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.partnership.choices = [SelectChoice("", "Choose a partnership")] + [
            SelectChoice(str(ident), label) for ident, label in choices]
