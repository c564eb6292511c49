"""The agency directory's forms: an agency, one of its contacts."""

from govuk_frontend_wtf.wtforms_widgets import GovCheckboxInput, GovSelect, GovTextInput
from wtforms import BooleanField, HiddenField, SelectChoice, SelectField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, Regexp

from forms.base import StripWhitespaceForm, VersionedForm
from forms.fields import SingleLineField
from forms.submission import SubmissionKeyForm
from tracker.agencies import AGENCY_TYPES, EMAIL_PATTERN


def _blank_to_none(value):
    return value or None


def _lower(value):
    return value.lower() if isinstance(value, str) else value


class AgencyForm(VersionedForm):
    """An agency of the directory (new, or changed: the version is checked when changed)."""

    partnership = SelectField(
        "Partnership", widget=GovSelect(), coerce=int,
        validators=[InputRequired(message="Select the partnership")],
        invalid_choice_message="Select one of your partnerships")
    name = SingleLineField(
        "Agency name", widget=GovTextInput(), description="Like Northshire Primary School",
        validators=[DataRequired(message="Enter the agency's name"),
                    Length(max=200, message="Agency name must be 200 characters or fewer")])
    kind = SelectField(
        "Type of agency", widget=GovSelect(),
        choices=[SelectChoice("", "Select the type of agency"),
                 *(SelectChoice(key, label) for key, label in AGENCY_TYPES.items())],
        validators=[DataRequired(message="Select the type of agency")],
        invalid_choice_message="Select a type of agency from the list")

    def __init__(self, *args, partnerships=(), **kwargs):
        """`partnerships`: those a new agency may join (the question is asked only when there
        are several); none for an agency that exists (it stays in its partnership)."""
        super().__init__(*args, **kwargs)
        self.partnership.choices = [SelectChoice(p.id, p.name) for p in partnerships]
        self.single_partnership = partnerships[0] if len(partnerships) == 1 else None
        if len(partnerships) <= 1:
            del self.partnership

    def chosen_partnership_id(self) -> int:
        """The partnership a new agency joins."""
        if self.single_partnership is not None:
            return self.single_partnership.id
        return self.partnership.data


class ContactForm(VersionedForm):
    """A contact of an agency."""

    name = SingleLineField(
        "Contact's name", widget=GovTextInput(),
        validators=[DataRequired(message="Enter the contact's name"),
                    Length(max=200, message="Contact's name must be 200 characters or fewer")])
    role = SingleLineField(
        "Role (optional)", widget=GovTextInput(), description="Like Practice manager",
        filters=[_blank_to_none],
        validators=[Optional(), Length(max=200, message="Role must be 200 characters or "
                                                        "fewer")])
    email = SingleLineField(
        "Work e-mail address", widget=GovTextInput(), filters=[_lower],
        description="Requests and their links go here: a shared or personal work address",
        validators=[DataRequired(message="Enter the contact's work e-mail address"),
                    Length(max=254, message="Work e-mail address must be 254 characters or "
                                            "fewer"),
                    Regexp(EMAIL_PATTERN, message="Enter a work e-mail address in the "
                                                  "correct format, like name@example.org")])
    escalation = BooleanField(
        "This is the agency's escalation contact", widget=GovCheckboxInput(),
        description="The one person told when requests to the agency go unanswered")


class NewAgencyForm(SubmissionKeyForm, AgencyForm):
    """A new agency: saved once however often the form is sent."""


class NewContactForm(SubmissionKeyForm, ContactForm):
    """A new contact: saved once however often the form is sent."""


class ContactActiveForm(StripWhitespaceForm):
    """The CSRF-protected button that makes a contact inactive ("no") or active ("yes")."""

    active = HiddenField()
