"""Partnership settings forms: local closure days and timescale overrides."""

from govuk_frontend_wtf.wtforms_widgets import GovRadioInput, GovTextArea, GovTextInput
from wtforms import RadioField, SelectChoice, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, ValidationError

from forms.base import StripWhitespaceForm, VersionedForm
from forms.fields import GovDateField, SingleLineField
from tracker.calendar import non_working_days
from tracker.deadlines import MAX_REASON_LENGTH, UNIT_LABELS, validate_override
from tracker.timeutil import format_date


class ClosureDayForm(StripWhitespaceForm):
    """A day the partnership's office is closed, with what to call it."""

    day = GovDateField(
        "Date of the closure day",
        description="For example, 24 12 2025",
        required_message="Enter the date of the closure day",
    )
    description = SingleLineField(
        "Description",
        widget=GovTextInput(),
        description="For example, Office closed",
        validators=[
            InputRequired(message="Enter a description of the closure day"),
            Length(max=200, message="Description must be 200 characters or fewer"),
        ],
    )

    def __init__(self, *args, partnership, **kwargs):
        super().__init__(*args, **kwargs)
        self._partnership = partnership

    def validate_day(self, field):
        """Refuse a day that is already closed, or is a weekend or bank holiday."""
        if field.data is None:
            return
        if field.data in self._partnership.closure_dates:
            raise ValidationError(f"There is already a closure day on {format_date(field.data)}")
        already = non_working_days(field.data, field.data)
        if already:
            raise ValidationError(f"This day is already a non-working day ({already[0][1]})")


class RuleOverrideForm(VersionedForm):
    """A partnership's own amount for one rule, and why (checked by the rules engine)."""

    # Earliest first: the order the page shows them, so the error summary follows it.
    earliest_amount = StringField(
        "Earliest",
        widget=GovTextInput(),
    )
    amount = StringField(
        "Number",
        widget=GovTextInput(),
    )
    reason = TextAreaField(
        "Reason for the change",
        widget=GovTextArea(),
        description="Say who agreed it and why. This is kept in the audit trail.",
    )

    def __init__(self, *args, rule, **kwargs):
        super().__init__(*args, **kwargs)
        self.rule = rule
        units = UNIT_LABELS[rule.unit]
        if rule.is_window:
            self.amount.label.text = f"Latest number of {units} {rule.direction}"
            self.earliest_amount.label.text = f"Earliest number of {units} {rule.direction}"
        else:
            self.amount.label.text = f"Number of {units} {rule.direction}"
        self.reason.description += f" Up to {MAX_REASON_LENGTH} characters."

    def validate(self, extra_validators=None):
        """The form's own checks, then the rules engine's (it knows each rule's limits)."""
        valid = super().validate(extra_validators)
        earliest = self.earliest_amount.data if self.rule.is_window else None
        problems = validate_override(self.rule, self.amount.data, earliest, self.reason.data)
        for message in problems:
            getattr(self, _field_for(message)).errors.append(message)
        return valid and not problems


def _field_for(message):
    """Which field an error from validate_override is about (it returns plain messages)."""
    lowered = message.lower()
    if "reason" in lowered:
        return "reason"
    if "earliest" in lowered:
        return "earliest_amount"
    return "amount"


class PublicNotificationsForm(StripWhitespaceForm):
    """Whether the partnership takes notifications of a death through the public form."""

    takes = RadioField(
        "Can people without an account notify a death to this partnership?",
        choices=[SelectChoice("yes", "Yes, through the public notification form"),
                 SelectChoice("no", "No")],
        widget=GovRadioInput(),
        description="The form is at /notify. What is sent waits for a CDOP administrator to "
        "triage it: nothing becomes a case until then.",
        validators=[InputRequired(message="Select whether the partnership takes public "
                                          "notifications")],
        invalid_choice_message="Select whether the partnership takes public notifications")


class AgencyLinkDaysForm(StripWhitespaceForm):
    """How many days the partnership's personal links to agencies work (blank: the default)."""

    days = None  # set below: a whole number field from forms.reminders


def _link_days_field():
    from wtforms.validators import NumberRange, Optional

    from forms.reminders import WholeNumberField
    from tracker.agency_links import MAX_DAYS

    return WholeNumberField(
        "How many days a personal link works",
        description="From when it is sent or renewed. Leave it blank for the service's "
                    "default.",
        validators=[Optional(), NumberRange(
            min=1, max=MAX_DAYS,
            message=f"How many days a personal link works must be between 1 and {MAX_DAYS}")])


AgencyLinkDaysForm.days = _link_days_field()
