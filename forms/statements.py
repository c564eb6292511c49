"""The partnership's contacts shown on its accessibility statement and privacy notice."""

from govuk_frontend_wtf.wtforms_widgets import GovTextArea, GovTextInput
from wtforms import TextAreaField
from wtforms.validators import Length, Optional, Regexp

from forms.base import VersionedForm
from forms.fields import SingleLineField

MAX_TEXT = 2000


def _text(label, description, called):
    return TextAreaField(
        label, widget=GovTextArea(), description=description,
        validators=[Length(max=MAX_TEXT,
                           message=f"{called} must be {MAX_TEXT:,} characters or fewer")])


class ContactsForm(VersionedForm):
    """What the statements say about who to contact (each may be left empty for now: the
    pages then say the partnership has not given it yet)."""

    data_protection_officer = _text(
        "Data protection officer",
        "Their name or role, and how to contact them: an email address, a postal address "
        "or a telephone number.", "Data protection officer")
    privacy_contact = _text(
        "Questions about the privacy notice and requests for information",
        "Where people send a question about how their information is used, or ask for a copy "
        "of it.", "Questions about the privacy notice")
    accessibility_email = SingleLineField(
        "Email address for reporting an accessibility problem",
        widget=GovTextInput(),
        description="For example, cdop@example.gov.uk",
        validators=[
            Optional(),
            Length(max=254, message="Email address must be 254 characters or fewer"),
            Regexp(r"^[^@\s]+@[^@\s]+\.[^@\s]+$",
                   message="Enter an email address in the correct format, like "
                           "name@example.org"),
        ])
    lawful_basis = _text(
        "Lawful basis for processing",
        "In the partnership's own words, as your data protection officer has agreed them: "
        "the tracker states none itself.", "Lawful basis")
