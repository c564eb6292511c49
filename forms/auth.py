"""Sign-in and password forms."""

from govuk_frontend_wtf.wtforms_widgets import GovPasswordInput, GovSubmitInput, GovTextInput
from wtforms import EmailField, PasswordField, StringField, SubmitField
from wtforms.validators import DataRequired, EqualTo, Length, ValidationError

from forms.base import StripWhitespaceForm
from tracker.passwords import MAX_LENGTH, password_problems


class LoginForm(StripWhitespaceForm):
    """Email and password."""

    email = EmailField(
        "Email address",
        widget=GovTextInput(),
        validators=[
            DataRequired(message="Enter your email address"),
            # Nothing longer reaches the database or Argon2: a huge field is refused first.
            Length(max=254, message="Email address must be 254 characters or fewer"),
        ],
    )
    password = PasswordField(
        "Password",
        widget=GovPasswordInput(),
        validators=[
            DataRequired(message="Enter your password"),
            Length(max=MAX_LENGTH, message=f"Password must be {MAX_LENGTH:,} characters or fewer"),
        ],
    )
    submit = SubmitField("Sign in", widget=GovSubmitInput())


class ChangePasswordForm(StripWhitespaceForm):
    """Current password, then the new one twice."""

    current_password = PasswordField(
        "Current password",
        widget=GovPasswordInput(),
        validators=[
            DataRequired(message="Enter your current password"),
            Length(max=MAX_LENGTH,
                   message=f"Current password must be {MAX_LENGTH:,} characters or fewer"),
        ],
    )
    new_password = PasswordField(
        "New password",
        widget=GovPasswordInput(),
        description="Use 12 characters or more: 3 or more random words work well. Nothing "
        "about you, such as your name.",
        validators=[DataRequired(message="Enter a new password")],
    )
    confirm_password = PasswordField(
        "Confirm new password",
        widget=GovPasswordInput(),
        validators=[
            DataRequired(message="Confirm your new password"),
            EqualTo("new_password", message="Passwords must match"),
        ],
    )
    submit = SubmitField("Change password", widget=GovSubmitInput())

    def __init__(self, *args, email=None, full_name=None, **kwargs):
        super().__init__(*args, **kwargs)
        self._email = email
        self._full_name = full_name

    def validate_new_password(self, field):
        """Apply the password policy, with the user's name and email as guessable words."""
        problems = password_problems(field.data or "", email=self._email,
                                     full_name=self._full_name)
        if problems:
            raise ValidationError(problems[0])


class CodeForm(StripWhitespaceForm):
    """A code from an authenticator app: on signing in, and to confirm setting one up."""

    code = StringField(
        "Code from your authenticator app",
        widget=GovTextInput(),
        description="The 6-digit code the app shows for this service",
        validators=[
            DataRequired(message="Enter the 6-digit code from your authenticator app"),
            Length(max=20, message="Enter the 6-digit code from your authenticator app"),
        ],
    )
    submit = SubmitField("Continue", widget=GovSubmitInput())


class RecoveryCodeForm(StripWhitespaceForm):
    """One of the recovery codes given when two-factor sign-in was set up."""

    code = StringField(
        "Recovery code",
        widget=GovTextInput(),
        description="One of the 10 codes you were given when you set up two-factor sign-in, "
        "for example abcde-fghjk. Each code works once.",
        validators=[
            DataRequired(message="Enter a recovery code"),
            Length(max=40, message="Enter a recovery code as it was given to you"),
        ],
    )
    submit = SubmitField("Continue", widget=GovSubmitInput())
