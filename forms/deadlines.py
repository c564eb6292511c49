"""Pausing a case's deadline with the reason, and resuming it (tracker.deadline_pause)."""

from govuk_frontend_wtf.wtforms_widgets import GovSubmitInput, GovTextArea
from wtforms import SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length

from forms.base import VersionedForm

MAX_PAUSE_REASON = 400


class DeadlinePauseForm(VersionedForm):
    """Why the deadline waits: kept on the deadline, on the case's timeline and in the audit
    trail; never in an e-mail."""

    reason = TextAreaField(
        "Why is this deadline paused?",
        widget=GovTextArea(),
        description="For example, waiting for the outcome of a criminal investigation, an "
        "inquest or a prosecution. Everyone who may open the case sees this on its page and "
        "timeline; it never goes in an e-mail. Do not write the child's name.",
        validators=[DataRequired(message="Enter why the deadline is paused"),
                    Length(max=MAX_PAUSE_REASON,
                           message=f"Reason must be {MAX_PAUSE_REASON} characters or fewer")],
    )
    submit = SubmitField("Pause deadline", widget=GovSubmitInput())


class DeadlineResumeForm(VersionedForm):
    """Restart a paused deadline: its reminders and its place in the overdue lists."""

    submit = SubmitField("Resume deadline", widget=GovSubmitInput())
