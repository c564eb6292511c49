"""Retention forms: a kind's years, and a legal hold set or lifted (tracker.retention)."""

from govuk_frontend_wtf.wtforms_widgets import GovRadioInput, GovTextArea, GovTextInput
from wtforms import RadioField, SelectChoice, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, ValidationError

from forms.base import StripWhitespaceForm
from tracker.retention import HOLD_REASONS

MAX_YEARS = 100
REASON_LENGTH = 500


def _reason(label, hint, required):
    return TextAreaField(label, widget=GovTextArea(), description=hint, validators=[
        InputRequired(message=required),
        Length(max=REASON_LENGTH,
               message=f"{label} must be {REASON_LENGTH} characters or fewer")])


class RetentionYearsForm(StripWhitespaceForm):
    """How many years a kind of record is kept, and why."""

    years = StringField("Years kept", widget=GovTextInput(),
                        description="A whole number of years, 0 to keep it indefinitely.")
    reason = _reason("Reason for the change",
                     "Say who agreed it and why. This is kept in the audit trail.",
                     "Enter the reason for the change")

    def validate_years(self, field):
        """A whole number from 0 to MAX_YEARS."""
        text = (field.data or "").strip()
        if not text:
            raise ValidationError("Enter the number of years")
        if not text.isdigit() or int(text) > MAX_YEARS:
            raise ValidationError(f"Years kept must be a whole number from 0 to {MAX_YEARS}")


class LegalHoldForm(StripWhitespaceForm):
    """A legal hold on a record listed for disposal: why, and what it is."""

    hold_reason = RadioField(
        "Why is the record on hold?",
        choices=[SelectChoice(key, label) for key, label in HOLD_REASONS.items()],
        widget=GovRadioInput(),
        validators=[InputRequired(message="Select why the record is on hold")],
        invalid_choice_message="Select why the record is on hold")
    detail = _reason("Details of the hold",
                     "For example, the coroner's reference or the solicitor who asked. Kept "
                     "in the audit trail.", "Enter the details of the hold")


class LiftHoldForm(StripWhitespaceForm):
    """Lifting a legal hold, and why."""

    detail = _reason("Reason for lifting the hold",
                     "For example, the inquest concluded. Kept in the audit trail.",
                     "Enter the reason for lifting the hold")


class ConfirmDisposalForm(StripWhitespaceForm):
    """Confirming a disposal (the button and the CSRF token)."""
