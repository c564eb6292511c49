"""Completing an action, the same on both sides (practice review actions and the actions of a
child death review): the completion date and the evidence of completion."""

from govuk_frontend_wtf.wtforms_widgets import GovTextArea
from wtforms import TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from forms.fields import GovDateField

EVIDENCE_MAX = 10000
ENTER_EVIDENCE = "Enter the evidence that the action is complete"
ENTER_COMPLETION_DATE = "Enter the date the action was completed"


def _blank_to_none(value):
    return value or None


def completed_on_field(description: str, *, required: bool = False) -> GovDateField:
    """The "Completion date" of an action; `required` when the form only completes it."""
    return GovDateField("Completion date", description=description,
                        required_message=ENTER_COMPLETION_DATE if required else None)


def evidence_field(description: str, *, required: bool = False) -> TextAreaField:
    """The "Evidence of completion" of an action; `required` when the form only completes
    it (optional text left empty is stored as nothing)."""
    checks = [DataRequired(message=ENTER_EVIDENCE)] if required else [Optional()]
    checks.append(Length(max=EVIDENCE_MAX, message=(
        f"Evidence of completion must be {EVIDENCE_MAX} characters or fewer")))
    return TextAreaField("Evidence of completion", widget=GovTextArea(),
                         description=description, validators=checks,
                         filters=[] if required else [_blank_to_none])
