"""The case's list of agencies involved with the child: add one, remove one."""

from govuk_frontend_wtf.wtforms_widgets import GovSelect, GovTextInput
from wtforms import HiddenField, SelectChoice, SelectField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from cdr.models import AGENCY_KINDS
from forms.base import StripWhitespaceForm
from forms.cdr.validators import blank_to_none
from forms.fields import SingleLineField


class AgencyForm(StripWhitespaceForm):
    """One agency to add to the case's list."""

    name = SingleLineField(
        "Agency name", widget=GovTextInput(), description="Like Northshire Primary School",
        validators=[DataRequired(message="Enter the agency's name"),
                    Length(max=200, message="Agency name must be 200 characters or fewer")])
    kind = SelectField(
        "Kind of agency", widget=GovSelect(),
        choices=[SelectChoice("", "Select the kind of agency"),
                 *(SelectChoice(key, label) for key, label in AGENCY_KINDS.items())],
        validators=[InputRequired(message="Select what kind of agency it is")],
        invalid_choice_message="Select a kind of agency from the list")
    professional = SingleLineField(
        "Professional's name and role (if known)", widget=GovTextInput(),
        filters=[blank_to_none],
        validators=[Optional(), Length(max=200, message="Professional's name and role must "
                                                        "be 200 characters or fewer")])

    def validate_kind(self, field):
        """The empty first choice is a prompt, not an answer."""
        if not field.data:
            raise ValidationError("Select what kind of agency it is")

    def values(self) -> dict:
        """{name, kind, professional} as the agencies service takes them."""
        return {"name": self.name.data, "kind": self.kind.data,
                "professional": self.professional.data}


class RemoveAgencyForm(StripWhitespaceForm):
    """The CSRF-protected button that removes one agency."""

    agency_id = HiddenField()
