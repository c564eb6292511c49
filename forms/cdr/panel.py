"""CDOP panel forms: a meeting, the agenda's buttons, the outcome, actions, reopening."""

import re
from datetime import time

from govuk_frontend_wtf.wtforms_widgets import (
    GovRadioInput,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import (
    HiddenField,
    RadioField,
    SelectChoice,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import AnyOf, DataRequired, InputRequired, Length, Optional, ValidationError

from cdr.models import CONFIRMED_ANALYSIS
from forms.accounts import AccountField
from forms.base import StripWhitespaceForm, VersionedForm
from forms.cdr.analysis import analysis_questions
from forms.completion import completed_on_field, evidence_field
from forms.fields import GovDateField, RecordIdField, SingleLineField
from forms.submission import SubmissionKeyForm
from tracker.timeutil import format_date

_TIME = re.compile(r"([01]?[0-9]|2[0-3])[:.]([0-5][0-9])")
TEXT_MAX = 5000


def _choices(vocabulary):
    return [SelectChoice(key, label) for key, label in vocabulary.items()]


def _text_area(label, description=None, max_length=TEXT_MAX):
    return TextAreaField(
        label, widget=GovTextArea(), description=description,
        validators=[Length(max=max_length,
                           message=f"{label} must be {max_length} characters or fewer")],
    )


class PanelMeetingForm(SubmissionKeyForm, StripWhitespaceForm):
    """Schedule a CDOP meeting."""

    partnership = RadioField(
        "Partnership", coerce=int, widget=GovRadioInput(),
        invalid_choice_message="Select a partnership from the list",
        validators=[InputRequired(message="Select the partnership holding the meeting")],
    )
    meeting_on = GovDateField("Date of the meeting", description="For example, 27 3 2026",
                              required_message="Enter the date of the meeting")
    starts_at = StringField(
        "Start time (optional)", widget=GovTextInput(),
        description="Use the 24-hour clock, for example, 14:30",
        validators=[Optional()],
    )
    place_or_link = SingleLineField(
        "Place or link (optional)", widget=GovTextInput(),
        description="The room and building, or the link to join online",
        validators=[Length(max=500, message="Place or link must be 500 characters or fewer")],
    )
    notes = _text_area("Notes (optional)",
                       "CDOP members see these notes: never write a child's name in them.")
    recorded_after_reason = TextAreaField(
        "If the meeting has already taken place, why are you recording it now?",
        widget=GovTextArea(),
        description="Only for a CDOP meeting held before today, for example one held before "
        "its cases were brought in from a spreadsheet. This is kept with the meeting and in "
        "the audit trail. Do not write a child's name.",
        validators=[Length(max=400, message="Reason must be 400 characters or fewer")],
    )
    submit = SubmitField("Schedule meeting", widget=GovSubmitInput())

    def __init__(self, *args, partnerships=(), today, **kwargs):
        super().__init__(*args, **kwargs)
        self.partnership.choices = [SelectChoice(p.id, p.name) for p in partnerships]
        if len(self.partnership.choices) == 1:
            # One partnership: nothing to choose, so no question.
            self.partnership.data = self.partnership.choices[0].value
            self.partnership.validators = []
        self._today = today

    @property
    def asks_partnership(self) -> bool:
        """Whether the user belongs to more than one partnership and must pick one."""
        return len(self.partnership.choices) > 1

    @property
    def in_the_past(self) -> bool:
        """Whether the meeting typed took place before today (after validation)."""
        return self.meeting_on.data is not None and self.meeting_on.data < self._today

    def validate_recorded_after_reason(self, field):
        """A CDOP meeting that has already taken place is recorded only with the reason."""
        if self.in_the_past and not field.data:
            raise ValidationError("Enter why you are recording a CDOP meeting that has already "
                                  "taken place (its date is before today)")

    def validate_starts_at(self, field):
        """Hours and minutes, 00:00 to 23:59."""
        if field.data and not _TIME.fullmatch(field.data):
            raise ValidationError("Enter the start time using the 24-hour clock, like 14:30")

    @property
    def start_time(self) -> time | None:
        """The start time typed, as a time (after validation)."""
        match = _TIME.fullmatch(self.starts_at.data or "")
        return time(int(match[1]), int(match[2])) if match else None


class AddToAgendaForm(StripWhitespaceForm):
    """The "Add to agenda" button beside a ready case."""

    case_id = RecordIdField(validators=[InputRequired(message="Select a case to add")],
                            unknown="That case cannot be added: it is not ready for the panel, "
                                    "or it is already on an agenda")


class MoveItemForm(VersionedForm):
    """The move up and move down buttons of an agenda item."""

    direction = HiddenField(validators=[AnyOf(("up", "down"), message="Choose up or down")])


class OutcomeForm(analysis_questions(CONFIRMED_ANALYSIS, confirmed=True,
                                     labels={"learning": "Learning points"}),
                  StripWhitespaceForm):
    """The CDOP meeting's outcome: the national child death analysis form, confirming or
    changing the child death review meeting's draft, and the CDOP meeting (held) at which
    the review was completed."""

    version = HiddenField()
    outcome_meeting = RadioField(
        "Which CDOP meeting completed the review?", coerce=int, widget=GovRadioInput(),
        invalid_choice_message="Select a CDOP meeting from the list: the review is completed "
        "at a CDOP meeting that has taken place and had the case on its agenda",
        validators=[InputRequired(message="Select the CDOP meeting that completed the review")],
    )
    review_completed_on = GovDateField(
        "Date the review was completed", description="For example, 27 3 2026",
        required_message="Enter the date the review was completed",
    )
    submit = SubmitField("Save outcome and close the case", widget=GovSubmitInput())

    def __init__(self, *args, date_of_death, today, meetings=(), identifies=None, **kwargs):
        """`meetings`: the CDOP meetings held with the case on their agenda, latest first."""
        super().__init__(*args, **kwargs)
        self._date_of_death = date_of_death
        self._today = today
        self._identifies = identifies
        self.outcome_meeting.choices = [
            SelectChoice(m.id, f"CDOP meeting of {format_date(m.meeting_on)}") for m in meetings]

    def validate_review_completed_on(self, field):
        """Not in the future, and not before the death (the CDOP meeting's date is checked by
        cdr.services.panel_outcome.record_outcome)."""
        if field.data is None:
            return
        if field.data > self._today:
            raise ValidationError("Date the review was completed must be today or in the past")
        if field.data < self._date_of_death:
            raise ValidationError("Date the review was completed must be on or after the "
                                  f"date of death ({format_date(self._date_of_death)})")


class ActionForm(SubmissionKeyForm, StripWhitespaceForm):
    """An action agreed at the review: what, who, by when."""

    description = TextAreaField(
        "What is the action?", widget=GovTextArea(),
        validators=[DataRequired(message="Enter what the action is"),
                    Length(max=2000, message="Action must be 2000 characters or fewer")],
    )
    owner = SingleLineField(
        "Who owns it?", widget=GovTextInput(), called="Owner",
        description="The person, agency or team responsible",
        validators=[DataRequired(message="Enter who owns the action"),
                    Length(max=200, message="Owner must be 200 characters or fewer")],
    )
    due_on = GovDateField("Due date", description="For example, 27 3 2026",
                          required_message="Enter the date the action is due")
    reminded = AccountField(
        "Account to remind (optional)",
        description="Who gets the reminders when the action is due or overdue. Without one, "
        "they go to the case owner.")
    submit = SubmitField("Add action", widget=GovSubmitInput())


class CompleteActionForm(StripWhitespaceForm):
    """Complete an action: its completion date and its evidence, as a practice review's
    action takes them (forms.completion)."""

    completed_on = completed_on_field("For example, 27 3 2026", required=True)
    evidence = evidence_field("What shows it was done: a letter sent, a policy changed, "
                              "minutes. Do not write the child's name.", required=True)
    submit = SubmitField("Mark as completed", widget=GovSubmitInput())

    def __init__(self, *args, date_of_death=None, today=None, **kwargs):
        super().__init__(*args, **kwargs)
        self._date_of_death = date_of_death
        self._today = today
        if today is not None and not self.is_submitted():
            self.completed_on.data = today

    def validate_completed_on(self, field):
        """Today or before, and not before the death."""
        if field.data is None or self._today is None:
            return
        if field.data > self._today:
            raise ValidationError("Completion date must be today or in the past")
        if field.data < self._date_of_death:
            raise ValidationError("Completion date must be on or after the date of death, "
                                  f"{format_date(self._date_of_death)}")


class ReopenForm(StripWhitespaceForm):
    """Reopen a closed case: the reason is kept in the audit trail and on the timeline."""

    version = HiddenField()
    reason = TextAreaField(
        "Why is the case being reopened?", widget=GovTextArea(),
        description="This is kept in the audit trail and on the case's timeline. Do not "
        "write the child's name.",
        validators=[DataRequired(message="Enter why the case is being reopened"),
                    Length(max=400, message="Reason must be 400 characters or fewer")],
    )
    submit = SubmitField("Reopen case", widget=GovSubmitInput())
