"""Fields shared by the tracker's forms."""

import re
from datetime import date

from govuk_frontend_wtf.wtforms_widgets import GovDateInput, GovTextInput
from wtforms import DateField, IntegerField, StringField
from wtforms.validators import ValidationError
from wtforms.widgets import HiddenInput

from tracker.calendar import FIRST_DAY, LAST_DAY
from tracker.extensions import LARGEST_ID
from tracker.text import has_control

_PARTS = ("day", "month", "year")
# One or two ASCII digits for the day and month, four for the year. Anything longer would
# only be a typo (or 20 digits, too big for the C int behind date(): an OverflowError).
_DAY_OR_MONTH = re.compile(r"[0-9]{1,2}")
_YEAR = re.compile(r"[0-9]{4}")
# What a label may end with that a message leaves out: "Place or link (optional)".
_LABEL_NOTE = re.compile(r"\s*\([^)]*\)\s*$")


class SingleLine:
    """Refuses a line break, a tab or any other control character (tracker.text): what is
    stored from a single-line field goes into e-mail subjects, calendar entries, file names
    and spreadsheet cells, which take one line."""

    def __init__(self, called: str | None = None):
        self.called = called

    def __call__(self, form, field):
        if isinstance(field.data, str) and has_control(field.data):
            name = self.called or _LABEL_NOTE.sub("", field.label.text)
            raise ValidationError(f"{name} must be on one line, without line breaks, tabs or "
                                  "other control characters")


class SingleLineField(StringField):
    """The one field for stored single-line text (names, agencies, references, titles,
    places, pseudonyms): a GOV.UK text input that refuses control characters. `called` is
    what its messages call it, when not its label (a question, say)."""

    widget = GovTextInput()

    def __init__(self, label=None, validators=None, *, called=None, **kwargs):
        super().__init__(label, [*(validators or ()), SingleLine(called)], **kwargs)


class _DateInput(GovDateInput):
    """The GOV.UK date input; its wrapper takes the field's name so the field id can point
    at the day box, which is where the error summary's link should land."""

    def map_gov_params(self, field, **kwargs):
        params = super().map_gov_params(field, **kwargs)
        params["id"] = field.name
        return params


class GovDateField(DateField):
    """A date typed as day, month and year, with GOV.UK error messages.

    The three boxes post the same name, so the values arrive as a list. Whatever arrives
    (nothing, one part, letters) is kept to show back to the user, never a 500.
    """

    widget = _DateInput()

    def __init__(self, label=None, validators=None, *, required_message=None, **kwargs):
        """`required_message` makes the date required; without it an empty date is None."""
        super().__init__(label, validators, format="%d %m %Y", **kwargs)
        self.required_message = required_message
        if not kwargs.get("id"):
            self.id = f"{self.name}-day"

    def process_formdata(self, valuelist):
        """Parse day, month and year; raise ValueError with the GOV.UK message when wrong."""
        parts = [str(value).replace("\x00", "").strip() for value in valuelist[:3]]
        parts += [""] * (3 - len(parts))
        self.raw_data = parts
        self.data = None
        missing = [name for name, value in zip(_PARTS, parts, strict=True) if not value]
        if len(missing) == 3:
            if self.required_message is None:
                return
            raise ValueError(self.required_message)
        if missing:
            raise ValueError(f"{self.label.text} must include a {' and '.join(missing)}")
        day, month, year = parts
        if not (year.isdigit() and year.isascii()) or not all(
            _DAY_OR_MONTH.fullmatch(part) for part in (day, month)
        ):
            raise ValueError(f"{self.label.text} must be a real date")
        if not _YEAR.fullmatch(year):
            raise ValueError("Year must include 4 numbers")
        try:
            value = date(int(year), int(month), int(day))
        except (ValueError, OverflowError):
            raise ValueError(f"{self.label.text} must be a real date") from None
        if not FIRST_DAY <= value <= LAST_DAY:
            raise ValueError(
                f"{self.label.text} must be between {FIRST_DAY.year} and {LAST_DAY.year}"
            )
        self.data = value


class RecordIdField(IntegerField):
    """A hidden field naming a record by its id (the case a button adds, say).

    A number no record can have (below 1, or beyond the database's integers: LARGEST_ID) is
    refused with `unknown`, the message the form gives for a record it cannot find, before
    any query runs: a tampered id is never an overflow (a 500 on PostgreSQL).
    """

    widget = HiddenInput()

    def __init__(self, label=None, validators=None, unknown="That record cannot be found",
                 **kwargs):
        super().__init__(label, validators, **kwargs)
        self.unknown = unknown

    def post_validate(self, form, validation_stopped):
        if not validation_stopped and self.data is not None and not self.errors \
                and not 1 <= self.data <= LARGEST_ID:
            self.errors.append(self.unknown)
