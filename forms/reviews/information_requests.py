"""A practice review's request for information to an agency, sent as a personal link. Sending
it again, revoking or renewing a link, accepting or querying the response, and pausing
chasing reuse the reporting-form request's forms (forms.cdr.request_links)."""

from govuk_frontend_wtf.wtforms_widgets import GovRadioInput, GovSelect
from wtforms import RadioField, SelectChoice, SelectField
from wtforms.validators import InputRequired

from forms.base import StripWhitespaceForm
from forms.cdr.request_links import ChasingForm, ReviewAnswerForm, RevokeLinkForm, SendLinkForm
from forms.fields import GovDateField
from forms.reviews.incident import text
from forms.submission import SubmissionKeyForm

DUE_HINT = ("The date your business unit sets for the answer. It is not a statutory "
            "deadline: Working Together 2018 says an agency asked for specified information "
            "must comply (chapter 3, paragraph 29) but sets no time for its answer. "
            "For example, 24 2 2025")


class InformationRequestForm(SubmissionKeyForm, StripWhitespaceForm):
    """Which review it is for, the contact it goes to, what is asked and by when."""

    stage = RadioField("Which review is it for?", widget=GovRadioInput(),
                       validators=[InputRequired(message="Select which review it is for")],
                       invalid_choice_message="Select which review it is for")
    contact = SelectField("Send the request to", widget=GovSelect(), coerce=int,
                          description="A contact from the agency directory: they get a "
                                      "personal link by e-mail, and a code when they open it. "
                                      "The e-mail never names the child.",
                          validators=[InputRequired(
                              message="Select a contact from the agency directory")],
                          invalid_choice_message="Select a contact from the agency directory")
    asked = text("What is asked", required="Enter what the agency is asked for", area=True,
                 max_length=10000,
                 description="The agency sees this once it has opened the link with its "
                             "code. Say what information is needed and for which period.")
    due_on = GovDateField("Due date", required_message="Enter the due date",
                          description=DUE_HINT)

    def __init__(self, *args, stages=None, contacts=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.stage.choices = [SelectChoice(key, label) for key, label in (stages or {}).items()]
        self.contact.choices = [SelectChoice(contact.id, f"{agency.name}: {contact.name} "
                                                         f"({contact.email})")
                                for contact, agency in contacts]


__all__ = ["ChasingForm", "InformationRequestForm", "ReviewAnswerForm", "RevokeLinkForm",
           "SendLinkForm"]
