"""Forms for gathering information: agency requests, information complete, review meeting."""

from govuk_frontend_wtf.wtforms_widgets import GovTextArea, GovTextInput
from wtforms import HiddenField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from cdr.models import DRAFT_ANALYSIS
from forms.base import StripWhitespaceForm, VersionedForm
from forms.cdr.analysis import analysis_questions
from forms.fields import GovDateField, SingleLineField
from forms.submission import SubmissionKeyForm
from tracker.timeutil import format_date

MAX_TEXT = 5000
_ANONYMISED_HINT = (
    "The CDOP panel reads this. Do not include names, dates of birth, addresses, postcodes, "
    "NHS numbers or anything else that identifies the child or family: write “the child”, "
    "“the mother”, “the GP”."
)


def _text(label, message_name, *, required=None, max_length=MAX_TEXT, hint=None):
    """An optional (or, with `required`, required) text area with a length limit."""
    checks = [DataRequired(message=required)] if required else [Optional()]
    checks.append(Length(max=max_length, message=(
        f"{message_name} must be {max_length:,} characters or fewer")))
    return TextAreaField(label, widget=GovTextArea(), description=hint, validators=checks)


class _CaseDatesForm(StripWhitespaceForm):
    """A form whose dates belong to one death: today or before, and not before the death."""

    def __init__(self, *args, date_of_death, today, **kwargs):
        super().__init__(*args, **kwargs)
        self._date_of_death = date_of_death
        self._today = today

    def check_date(self, field):
        """Refuse a date in the future or before the death (no date: nothing to check)."""
        if field.data is None:
            return
        name = field.label.text
        if field.data > self._today:
            raise ValidationError(f"{name} must be today or in the past")
        if field.data < self._date_of_death:
            raise ValidationError(f"{name} must be on or after the date of death, "
                                  f"{format_date(self._date_of_death)}")


class NewRequestForm(SubmissionKeyForm, _CaseDatesForm):
    """Ask an agency for what it knows of the child and family (the reporting form)."""

    agency = SingleLineField(
        "Agency",
        widget=GovTextInput(),
        description="For example, GP practice, health visiting, children's social care, "
        "police or school",
        validators=[
            DataRequired(message="Enter the name of the agency"),
            Length(max=200, message="Agency must be 200 characters or fewer"),
        ],
    )
    sent_on = GovDateField(
        "Date sent",
        description="For example, 27 3 2025",
        required_message="Enter the date the request was sent",
    )

    def validate_sent_on(self, field):
        """Sent today or before, and not before the death."""
        self.check_date(field)


class EditRequestForm(NewRequestForm, VersionedForm):
    """Record that a request was chased or returned, and what came back."""

    chased_on = GovDateField("Date chased", description="Leave blank if it has not been chased")
    returned_on = GovDateField(
        "Date returned", description="Leave blank if the agency has not returned it yet"
    )
    summary = _text("Summary of what was returned (optional)", "Summary", max_length=2000,
                    hint="A few lines. Do not include the child's or family's names.")

    def validate_chased_on(self, field):
        """Chased today or before, not before the death, and not before it was sent."""
        self._not_before_sent(field, "Date chased must be on or after the date sent")

    def validate_returned_on(self, field):
        """Returned today or before, not before the death, and not before it was sent."""
        self._not_before_sent(field, "Date returned must be on or after the date sent")

    def _not_before_sent(self, field, message):
        self.check_date(field)
        sent = self.sent_on.data
        if field.data is not None and sent is not None and field.data < sent:
            raise ValidationError(message)


class InformationCompleteForm(StripWhitespaceForm):
    """The button that says all the information is in (or, again, that it is not)."""

    complete = HiddenField()
    version = HiddenField()

    def validate_complete(self, field):
        """Only "yes" or "no" (a hand-made post gets a form error, not a 500)."""
        if field.data not in ("yes", "no"):
            raise ValidationError("Select whether the information is complete")


class ReviewMeetingForm(analysis_questions(
        DRAFT_ANALYSIS, confirmed=False, limit=f"{MAX_TEXT:,}",
        labels={"category": "Proposed category of death (optional)",
                "modifiable": "Were modifiable factors identified? (optional)"}),
        _CaseDatesForm):
    """The child death review meeting and its draft analysis form (the category, factors and
    answers it proposes to the CDOP meeting), written anonymised."""

    review_meeting_on = GovDateField(
        "Date of the meeting",
        description="For example, 27 3 2025",
        required_message="Enter the date of the child death review meeting",
    )
    review_meeting_attendees = _text(
        "Attendees", "Attendees", required="Enter who attended the meeting",
        hint="Roles and agencies of the professionals who attended, one a line",
    )
    analysis_summary = _text("Summary", "Summary", hint=_ANONYMISED_HINT)
    # Written before the draft asked for the factors in each domain: shown while it holds
    # text, to move into the domains.
    analysis_factors = _text("Factors identified", "Factors identified", hint=(
        "Written before the factors were asked for in each domain: move them into the "
        "domains above, then clear this box"))
    version = HiddenField()

    def __init__(self, *args, identifies=None, **kwargs):
        """`identifies(text)` says whether a text names the child (cdr.services.requests)."""
        super().__init__(*args, **kwargs)
        self._identifies = identifies or (lambda text: False)

    def validate_review_meeting_on(self, field):
        """Held today or before, and not before the death."""
        self.check_date(field)

    def validate_analysis_summary(self, field):
        """No name, NHS number or postcode of the child: the panel reads it."""
        self._anonymised(field, "Summary")

    def validate_analysis_factors(self, field):
        """No name, NHS number or postcode of the child: the panel reads it."""
        self._anonymised(field, "Factors identified")

    def _anonymised(self, field, name):
        if self._identifies(field.data):
            raise ValidationError(
                f"{name} must not include the child's name, NHS number or postcode"
            )
