"""Forms for the Joint Agency Response, the rapid response meetings and the designated doctor."""

import re
from datetime import time

from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxesInput,
    GovCheckboxInput,
    GovSelect,
    GovTextArea,
    GovTextInput,
)
from wtforms import (
    BooleanField,
    HiddenField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, ValidationError

from cdr.models import JAR_CRITERIA
from forms.base import StripWhitespaceForm
from forms.fields import GovDateField, SingleLineField
from forms.submission import SubmissionKeyForm

_TIME = re.compile(r"([01]?[0-9]|2[0-3])[:.]([0-5][0-9])")
_LONG_TEXT = 5000


def _text(label, max_length, description=None, area=False):
    """An optional text field with a GOV.UK length message."""
    field = TextAreaField if area else SingleLineField
    return field(
        label,
        widget=GovTextArea() if area else GovTextInput(),
        description=description,
        validators=[Length(max=max_length,
                           message=f"{label} must be {max_length} characters or fewer")],
    )


class JointAgencyResponseForm(StripWhitespaceForm):
    """The five criteria that make a Joint Agency Response required, and the post-mortem."""

    criteria = SelectMultipleField(
        "Which of these apply to the death?",
        choices=[SelectChoice(column, text) for column, text in JAR_CRITERIA.items()],
        widget=GovCheckboxesInput(),
        description="A Joint Agency Response is required if any of these apply (Working "
        "Together 2018, chapter 5). Select all that apply, or none.",
        invalid_choice_message="Select criteria from the list",
    )
    post_mortem_results_on = GovDateField(
        "Date all post-mortem results were received",
        description="This starts the clock for the third rapid response meeting. Leave it "
        "blank until every result has arrived. For example, 27 5 2025",
    )
    version = HiddenField()


class MeetingForm(SubmissionKeyForm, StripWhitespaceForm):
    """One rapid response meeting: when, where, who, what was agreed, whether it was held."""

    meeting_on = GovDateField("Date of the meeting",
                              required_message="Enter the date of the meeting")
    starts_at = StringField(
        "Start time",
        widget=GovTextInput(),
        description="Use the 24-hour clock, for example 14:30. Leave it blank if it is not "
        "known yet.",
    )
    place_or_link = _text(
        "Place or link", 500,
        "An address or a video call link. Do not include the child's name or home address: "
        "this goes into calendar invitations.")
    chair = _text("Chair", 200, "The name and role of the person chairing the meeting.")
    attendees = _text("Attendees", _LONG_TEXT,
                      "One person on each line, with their role. Include the e-mail addresses "
                      "of colleagues with an account to send them the invitation.",
                      area=True)
    agencies = _text("Agencies", _LONG_TEXT, "The agencies represented.", area=True)
    actions = _text("Actions", _LONG_TEXT, "Who will do what, and by when.", area=True)
    notes = _text("Notes", _LONG_TEXT, area=True)
    outside_window_reason = _text(
        "Reason for a date later than the window", _LONG_TEXT,
        "Needed only if the date is after the end of the meeting's window (an earlier date "
        "needs no reason).", area=True)
    held = BooleanField("The meeting has been held", widget=GovCheckboxInput())
    version = HiddenField()

    def validate_starts_at(self, field):
        """Accept 14:30, 9:05 or 14.30; keep the parsed time in `start_time`."""
        self.start_time = None
        if not field.data:
            return
        match = _TIME.fullmatch(field.data)
        if match is None:
            raise ValidationError("Enter the start time using the 24-hour clock, like 14:30")
        self.start_time = time(int(match.group(1)), int(match.group(2)))


class CancelMeetingForm(StripWhitespaceForm):
    """Why a scheduled meeting is cancelled."""

    reason = TextAreaField(
        "Why is the meeting cancelled?",
        widget=GovTextArea(),
        description="This goes on the case's timeline and the audit trail, not in the "
        "e-mail to the attendees. Do not include the child's name.",
        validators=[DataRequired(message="Enter why the meeting is cancelled"),
                    Length(max=1000, message="Reason must be 1000 characters or fewer")],
    )
    version = HiddenField()


class DesignatedDoctorForm(StripWhitespaceForm):
    """Who the designated doctor for child deaths is on this case."""

    doctor = SelectField(
        "Designated doctor",
        widget=GovSelect(),
        description="Designated doctors for child deaths in the case's partnership.",
        invalid_choice_message="Select a designated doctor from the list",
    )
    version = HiddenField()

    def __init__(self, *args, doctors=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.doctor.choices = [SelectChoice("", "Not assigned")] + [
            SelectChoice(str(doctor_id), name) for doctor_id, name in doctors
        ]

    @property
    def doctor_id(self):
        """The chosen doctor's user id, or None for nobody."""
        return int(self.doctor.data) if self.doctor.data else None
