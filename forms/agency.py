"""The agency side's forms (tracker/views/agency.py): asking for a one-time code, entering
it, and signing out. Each carries its CSRF token."""

from wtforms.validators import InputRequired

from forms.base import StripWhitespaceForm
from forms.fields import SingleLineField


class SendCodeForm(StripWhitespaceForm):
    """"Send me a code": nothing but the CSRF token."""


class CodeForm(StripWhitespaceForm):
    """The six-digit one-time code from the second e-mail."""

    code = SingleLineField(
        "One-time code",
        validators=[InputRequired(message="Enter the one-time code from the e-mail")],
        description="The 6-digit code we sent to your e-mail address")


class SignOutForm(StripWhitespaceForm):
    """Ending the agency session."""
