"""Sending a reporting-form request to a directory contact as a personal link; revoking one."""

from govuk_frontend_wtf.wtforms_widgets import GovSelect, GovTextArea
from wtforms import HiddenField, SelectChoice, SelectField, TextAreaField
from wtforms.validators import Length, Optional

from forms.base import StripWhitespaceForm


class SendLinkForm(StripWhitespaceForm):
    """The directory contact to send the request to."""

    contact = SelectField("Send the request to", widget=GovSelect(), coerce=int,
                          description="A contact from the agency directory: they get a "
                                      "personal link by e-mail, and a code when they open it",
                          invalid_choice_message="Select a contact from the agency directory")

    def __init__(self, *args, contacts=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.contact.choices = [SelectChoice(contact.id, f"{agency.name}: {contact.name} "
                                                         f"({contact.email})")
                                for contact, agency in contacts]


class RevokeLinkForm(StripWhitespaceForm):
    """The CSRF-protected button that stops one link working."""

    link_id = HiddenField()


class ChasingForm(StripWhitespaceForm):
    """The CSRF-protected button that pauses chasing the agency for a request, or resumes it."""

    chasing = HiddenField()


class ReviewAnswerForm(StripWhitespaceForm):
    """Accepting a reporting form an agency sent online, or querying it with a question."""

    link_id = HiddenField()
    question = TextAreaField(
        "Your question to the agency", widget=GovTextArea(),
        description="The agency contact sees it above the form when they open the link "
                    "again; the e-mail telling them says only that there is a question. "
                    "Do not include the child's name.",
        validators=[Optional(), Length(max=2000,
                                       message="The question must be 2000 characters or fewer")])
