"""The agency side's forms (tracker/views/agency.py): asking for a one-time code, entering
it, and signing out. Each carries its CSRF token."""

from govuk_frontend_wtf.wtforms_widgets import GovFileInput, GovRadioInput, GovTextArea
from wtforms import FileField, HiddenField, RadioField, SelectChoice, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from forms.base import StripWhitespaceForm
from forms.fields import SingleLineField


class SendCodeForm(StripWhitespaceForm):
    """"Send me a code": nothing but the CSRF token."""


class CodeForm(StripWhitespaceForm):
    """The six-digit one-time code from the second e-mail."""

    code = SingleLineField(
        "One-time code",
        validators=[InputRequired(message="Enter the one-time code from the e-mail")],
        description="The 6-digit code we sent to your e-mail address")


class SignOutForm(StripWhitespaceForm):
    """Ending the agency session."""


TEXT_MAX = 20000


def _text(label, called, description=None):
    return TextAreaField(
        label, widget=GovTextArea(), description=description,
        validators=[Length(max=TEXT_MAX,
                           message=f"{called} must be {TEXT_MAX} characters or fewer")])


class ReportingForm(StripWhitespaceForm):
    """The core reporting form's sections as free text, and bereavement support offered.
    "Save and come back later" keeps a draft as it is; "Continue" checks it is complete."""

    involvement = _text("Your agency's involvement with the child and family",
                        "Your agency's involvement")
    history = _text("Relevant history", "Relevant history",
                    "What your agency knows of the child's and family's history that may be "
                    "relevant")
    circumstances = _text("The circumstances of the death as known to your agency",
                          "The circumstances of the death")
    bereavement_offered = RadioField(
        "Was bereavement support offered to the family?",
        choices=[SelectChoice("yes", "Yes"), SelectChoice("no", "No")],
        widget=GovRadioInput(), validators=[Optional()],
        invalid_choice_message="Select yes or no")
    bereavement_detail = _text("What support was offered?", "What support was offered",
                               "Or why none was offered")
    supplementary = _text("Supplementary form", "The supplementary form")
    save = SubmitField("Save and come back later")
    attach = SubmitField("Save and attach files")

    REQUIRED = {"involvement": "Enter your agency's involvement with the child and family",
                "circumstances": "Enter the circumstances of the death as known to your agency",
                "bereavement_offered": "Select yes if bereavement support was offered to the "
                                       "family"}

    def complete(self, supplementary_label) -> bool:
        """Whether the answers may be sent: the required sections filled in (an error on
        each that is not)."""
        required = dict(self.REQUIRED)
        if supplementary_label:
            required["supplementary"] = f"Enter the {supplementary_label}"
        for name, message in required.items():
            if not self[name].data:
                self[name].errors = [*self[name].errors, message]
        return not self.errors


class SubmitAnswersForm(StripWhitespaceForm):
    """Sending the answers from the check-your-answers page."""


class AttachmentForm(StripWhitespaceForm):
    """Attaching one file to the reporting form (tracker.attachments checks it)."""

    upload = FileField("Upload a file", widget=GovFileInput(),
                       description="A PDF, a Word document (.docx or .doc), or a PNG or JPEG "
                                   "image")

    def uploaded(self, limit: int):
        """(name, bytes read to one past `limit`), or None when no file was chosen."""
        upload = self.upload.data
        if upload is None or not hasattr(upload, "read") or not upload.filename:
            return None
        return upload.filename, upload.read(limit + 1)


class RemoveAttachmentForm(StripWhitespaceForm):
    """Removing one attached file."""

    attachment_id = HiddenField()


ANSWER_FIELDS = ("involvement", "history", "circumstances", "bereavement_offered",
                 "bereavement_detail", "supplementary")


class WrittenResponseForm(StripWhitespaceForm):
    """A practice review's request for information: the agency's written response, as free
    text. "Save and come back later" keeps a draft; "Continue" needs the response."""

    response = _text("Your agency's response", "Your agency's response",
                     "Answer what is asked above from your agency's records")
    save = SubmitField("Save and come back later")

    def complete(self) -> bool:
        """Whether the response may be sent (an error when it is empty)."""
        if not self.response.data:
            self.response.errors = [*self.response.errors, "Enter your agency's response"]
        return not self.errors


WRITTEN_FIELDS = ("response",)
