"""Recommendations of a final report, their actions and progress updates."""

from govuk_frontend_wtf.wtforms_widgets import GovTextInput
from wtforms import IntegerField
from wtforms.validators import InputRequired, NumberRange

from forms.accounts import AccountField, selected
from forms.base import StripWhitespaceForm, VersionedForm
from forms.completion import completed_on_field, evidence_field
from forms.fields import GovDateField
from forms.reviews.incident import radios, text
from forms.submission import SubmissionKeyForm
from reviews.models import ACTION_STATUSES
from reviews.services.actions import ACTION_FIELDS


class WholeNumberField(IntegerField):
    """A whole number typed in a text box, with a GOV.UK message when it is not one."""

    def process_formdata(self, valuelist):
        if not valuelist or not str(valuelist[0]).strip():
            self.data = None
            return
        value = str(valuelist[0]).strip()
        if not (value.isascii() and value.isdigit()) or len(value) > 6:
            self.data = None
            raise ValueError(f"{self.label.text} must be a whole number, like 3")
        self.data = int(value)


class RecommendationForm(SubmissionKeyForm, VersionedForm):
    """A recommendation of the final report: its number and text."""

    number = WholeNumberField("Recommendation number", widget=GovTextInput(),
                          validators=[InputRequired(message="Enter the recommendation number"),
                                      NumberRange(min=1, max=999, message="Recommendation "
                                                  "number must be between 1 and 999")])
    text = text("Recommendation", area=True, max_length=10000,
                required="Enter the recommendation")


class ActionForm(SubmissionKeyForm, VersionedForm):
    """An action: what, the owning agency, the named lead, the due date, status, evidence."""

    description = text("Action", area=True, max_length=10000, required="Enter the action")
    agency = text("Owning agency", required="Enter the agency that owns the action")
    lead = text("Named lead", required="Enter the name of the lead for the action",
                description="The person responsible in the owning agency")
    due_on = GovDateField("Due date", required_message="Enter the due date",
                          description="For example, 30 9 2025")
    status = radios("Status", ACTION_STATUSES, required="Select the status of the action")
    evidence = evidence_field("Required to mark the action complete")
    completed_on = completed_on_field("Required to mark the action complete. "
                                      "For example, 15 9 2025")
    owner_user_id = AccountField(
        "Account to remind (optional)",
        description="Who gets the reminders when the action is due or overdue. Without one, "
        "they go to the case owner.")

    def values(self) -> dict:
        """The action's columns."""
        values = {name: self[name].data for name in ACTION_FIELDS}
        values["owner_user_id"] = self.owner_user_id.user_id
        return values

    @staticmethod
    def data_from(action) -> dict:
        """The form's answers as the action holds them now."""
        data = {name: getattr(action, name) for name in ACTION_FIELDS}
        data["owner_user_id"] = selected(action.owner_user_id)
        return data


class UpdateForm(SubmissionKeyForm, StripWhitespaceForm):
    """A dated progress update on an action."""

    update_on = GovDateField("Date of the update", required_message="Enter the date of the "
                             "update", description="For example, 1 8 2025")
    update_text = text("Progress update", area=True, max_length=10000,
                       required="Enter the progress update")
