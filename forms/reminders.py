"""Reminder forms: a user's own reminder e-mail settings, and a partnership's reminder policy."""

from datetime import date, timedelta

from govuk_frontend_wtf.wtforms_widgets import GovRadioInput, GovSubmitInput, GovTextInput
from wtforms import IntegerField, RadioField, SelectChoice, SubmitField
from wtforms.validators import InputRequired, NumberRange, ValidationError

from forms.base import StripWhitespaceForm, VersionedForm
from forms.fields import GovDateField
from tracker.reminders.policy import MAX_BEFORE, MAX_DAILY, MAX_ESCALATE, Policy
from tracker.timeutil import format_date

EMAIL_CHOICES = [
    SelectChoice("digest", "One e-mail a day"),
    SelectChoice("immediate", "A separate e-mail for each reminder"),
]
EMAIL_HINTS = {
    "digest": "Everything due soon, due today and overdue in one e-mail each working morning.",
    "immediate": "One e-mail per deadline as soon as a reminder is due.",
}
# The longest pause: long enough for parental leave, short enough not to be forgotten.
MAX_PAUSE = timedelta(days=366)
YES_NO = [SelectChoice("yes", "Yes"), SelectChoice("no", "No")]


class ReminderSettingsForm(StripWhitespaceForm):
    """How the signed-in user gets reminders by e-mail, and a pause while on leave."""

    reminder_email = RadioField(
        "How do you want reminders by e-mail?",
        choices=EMAIL_CHOICES,
        widget=GovRadioInput(),
        invalid_choice_message="Select how you want reminders by e-mail",
        validators=[InputRequired(message="Select how you want reminders by e-mail")],
    )
    email_paused_until = GovDateField(
        "Pause reminder e-mails until",
        description="For example, 27 3 2027. Leave blank to get e-mails as usual.",
    )
    submit = SubmitField("Save reminder settings", widget=GovSubmitInput())

    def __init__(self, *args, today: date, **kwargs):
        super().__init__(*args, **kwargs)
        self._today = today

    def email_items(self):
        """A hint under each choice."""
        return [{"hint": {"text": EMAIL_HINTS[choice.value]}} for choice in EMAIL_CHOICES]

    def validate_email_paused_until(self, field):
        """A pause ends today or later, and within a year."""
        if field.data is None:
            return
        if field.data < self._today:
            raise ValidationError("Pause reminder e-mails until must be today or in the future")
        latest = self._today + MAX_PAUSE
        if field.data > latest:
            raise ValidationError(
                f"Pause reminder e-mails until must be no later than {format_date(latest)}")


class WholeNumberField(IntegerField):
    """A whole number typed in a text box, with a GOV.UK message when it is not one."""

    widget = GovTextInput()

    def process_formdata(self, valuelist):
        if not valuelist or not str(valuelist[0]).strip():
            self.data = None
            return
        value = str(valuelist[0]).strip()
        if not (value.isascii() and value.isdigit()) or len(value) > 6:
            self.data = None
            raise ValueError(f"{self.label.text} must be a whole number, like 3")
        self.data = int(value)


def _number(label, name, maximum, description):
    return WholeNumberField(
        label,
        description=description,
        validators=[
            InputRequired(message=f"Enter the {name}"),
            NumberRange(min=0, max=maximum,
                        message=f"{label} must be between 0 and {maximum}"),
        ],
    )


def _yes_no(label, name):
    return RadioField(label, choices=YES_NO, widget=GovRadioInput(),
                      invalid_choice_message=f"Select whether to {name}",
                      validators=[InputRequired(message=f"Select whether to {name}")])


class ReminderPolicyForm(VersionedForm):
    """A partnership's reminder stages for one rule: before, on the day, overdue, escalation."""

    before_working_days = _number(
        "Working days before the due date", "number of working days before the due date",
        MAX_BEFORE, "Enter 0 for no reminder before the due date.")
    on_due = _yes_no("Remind on the due date?", "remind on the due date")
    overdue_daily_days = _number(
        "Working days of daily reminders when overdue",
        "number of working days of daily reminders when overdue", MAX_DAILY,
        "Enter 0 for no daily reminders.")
    overdue_weekly = _yes_no("Then remind once a week while it is overdue?",
                             "remind once a week while it is overdue")
    escalate_after = _number(
        "Working days overdue before escalating to managers",
        "number of working days overdue before escalating to managers", MAX_ESCALATE,
        "Managers are the users with “Receives escalations of overdue deadlines” in their "
        "account. Enter 0 if overdue deadlines should never be escalated.")
    submit = SubmitField("Save reminder policy", widget=GovSubmitInput())

    @staticmethod
    def data_from(policy: Policy) -> dict:
        """The form's values for a policy (0 for a stage that is off)."""
        return {
            "before_working_days": policy.before_working_days or 0,
            "on_due": "yes" if policy.on_due else "no",
            "overdue_daily_days": policy.overdue_daily_days or 0,
            "overdue_weekly": "yes" if policy.overdue_weekly else "no",
            "escalate_after": policy.escalate_after or 0,
        }

    def policy(self) -> Policy:
        """The policy the form describes (None for a stage that is off)."""
        return Policy(
            before_working_days=self.before_working_days.data or None,
            on_due=self.on_due.data == "yes",
            overdue_daily_days=self.overdue_daily_days.data or 0,
            overdue_weekly=self.overdue_weekly.data == "yes",
            escalate_after=self.escalate_after.data or None,
        )
