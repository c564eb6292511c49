"""NCMD forms: the date a national form went to the NCMD, and the NCMD export's choices."""

from govuk_frontend_wtf.wtforms_widgets import GovSubmitInput
from wtforms import HiddenField, SubmitField
from wtforms.validators import ValidationError

from forms.base import StripWhitespaceForm, VersionedForm
from forms.fields import GovDateField


class SentToNcmdForm(VersionedForm):
    """When a national form (notification, reporting forms, analysis) went to the NCMD."""

    sent_on = GovDateField(
        "Date sent to the NCMD",
        description="For example, 27 3 2025",
        required_message="Enter the date it was sent to the NCMD",
    )
    submit = SubmitField("Mark as sent", widget=GovSubmitInput())


class NcmdPeriodForm(StripWhitespaceForm):
    """The period of an NCMD export: the cases notified in it (both dates, or neither)."""

    notified_from = GovDateField("Notified from", description="For example, 1 4 2025")
    notified_to = GovDateField("Notified to", description="For example, 31 3 2026")

    def validate_notified_to(self, field):
        """Both dates, in order."""
        start, end = self.notified_from.data, field.data
        if (start is None) != (end is None):
            raise ValidationError("Enter both dates of the period, or neither")
        if start is not None and end < start:
            raise ValidationError("Notified to must be on or after notified from")


class BeforeTrackerForm(StripWhitespaceForm):
    """The cases sent to the NCMD before the tracker: those notified before a date. Asked
    twice: first the date (the page then says how many cases), then `confirmed`."""

    notified_before = GovDateField(
        "Cases notified before",
        description="Every case on the list notified before this date is marked as sent to "
        "the NCMD before the tracker. For example, 1 4 2025",
        required_message="Enter the date: cases notified before it were sent to the NCMD "
        "before the tracker",
    )
    confirmed = HiddenField()
    # How many cases the page showed: confirmed, exactly those are marked, or none.
    previewed = HiddenField()

    def __init__(self, *args, today, **kwargs):
        super().__init__(*args, **kwargs)
        self._today = today

    def validate_notified_before(self, field):
        """Not after tomorrow: the cases notified up to today at the latest."""
        if field.data is not None and not field.errors and (
                field.data - self._today).days > 1:
            raise ValidationError("Cases notified before must be a date no later than "
                                  "tomorrow: a case not yet notified was not sent")
