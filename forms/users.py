"""Forms for managing users: add, edit and reset a password (system administrators)."""

from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxesInput,
    GovCheckboxInput,
    GovPasswordInput,
    GovRadioInput,
    GovSubmitInput,
    GovTextInput,
)
from wtforms import (
    BooleanField,
    PasswordField,
    RadioField,
    SelectChoice,
    SelectMultipleField,
    SubmitField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Regexp, ValidationError

from forms.base import StripWhitespaceForm, VersionedForm
from forms.fields import SingleLineField
from tracker.passwords import password_problems
from tracker.roles import ROLE_DESCRIPTIONS, Role
from tracker.users import email_taken, full_name_of

ROLE_CHOICES = [SelectChoice(role.value, role.label) for role in Role]
ACTIVE_CHOICES = [
    SelectChoice("yes", "Active: can sign in"),
    SelectChoice("no", "Deactivated: cannot sign in"),
]


def _lower(value):
    """Email addresses are stored in lower case."""
    return value.lower() if isinstance(value, str) else value


def _email_field():
    return SingleLineField(
        "Email address",
        widget=GovTextInput(),
        filters=[_lower],
        validators=[
            DataRequired(message="Enter an email address"),
            Length(max=254, message="Email address must be 254 characters or fewer"),
            Regexp(
                r"^[^@\s]+@[^@\s]+\.[^@\s]+$",
                message="Enter an email address in the correct format, like name@example.org",
            ),
        ],
    )


def _full_name_field():
    return SingleLineField(
        "Full name",
        widget=GovTextInput(),
        validators=[
            DataRequired(message="Enter the user's full name"),
            Length(max=200, message="Full name must be 200 characters or fewer"),
        ],
    )


def _role_field():
    return RadioField(
        "Role",
        choices=ROLE_CHOICES,
        widget=GovRadioInput(),
        invalid_choice_message="Select a role from the list",
        validators=[InputRequired(message="Select a role")],
    )


def _partnerships_field():
    return SelectMultipleField(
        "Partnerships",
        coerce=int,
        widget=GovCheckboxesInput(),
        description="The user sees only the records of these partnerships.",
        invalid_choice_message="Select partnerships from the list",
    )


ESCALATIONS_HINT = ("For the partnership's managers: a deadline overdue for longer than its "
                    "reminder policy allows is escalated to them, for the cases their role "
                    "can see.")


def _escalations_field():
    return BooleanField("Receives escalations of overdue deadlines", widget=GovCheckboxInput())


def _password_field(label):
    return PasswordField(
        label,
        widget=GovPasswordInput(),
        description="Use 12 characters or more: 3 or more random words work well. Nothing "
        "about the user, such as their name. Give it to them in person or by phone, not by "
        "email.",
        validators=[DataRequired(message="Enter a password")],
    )


class _UserFieldsMixin:
    """Choices and checks shared by the add and edit forms."""

    def _set_up(self, partnerships, kept):
        self.partnerships.choices = [SelectChoice(p.id, p.name) for p in partnerships]
        self._kept = list(kept)

    def escalations_items(self):
        """The manager flag's hint, under its checkbox."""
        return [{"hint": {"text": ESCALATIONS_HINT}}]

    def role_items(self):
        """Each role's description, as hints under the radios."""
        return [{"hint": {"text": ROLE_DESCRIPTIONS[Role(c.value)]}} for c in ROLE_CHOICES]

    def validate_partnerships(self, field):
        """A user with no partnership could see nothing."""
        if not field.data and not self._kept:
            raise ValidationError("Select at least one partnership")


class NewUserForm(_UserFieldsMixin, StripWhitespaceForm):
    """Add a user."""

    email = _email_field()
    full_name = _full_name_field()
    role = _role_field()
    partnerships = _partnerships_field()
    receives_escalations = _escalations_field()
    password = _password_field("Initial password")
    submit = SubmitField("Add user", widget=GovSubmitInput())

    def __init__(self, *args, partnerships=(), **kwargs):
        super().__init__(*args, **kwargs)
        self._set_up(partnerships, ())

    def validate_email(self, field):
        """Email addresses are unique."""
        if email_taken(field.data):
            raise ValidationError("A user with this email address already exists")

    def validate_password(self, field):
        """Apply the password policy."""
        problems = password_problems(field.data, email=self.email.data,
                                     full_name=self.full_name.data)
        if problems:
            raise ValidationError(problems[0])


class EditUserForm(_UserFieldsMixin, VersionedForm):
    """Change a user's name, role, partnerships and whether they can sign in."""

    full_name = _full_name_field()
    role = _role_field()
    partnerships = _partnerships_field()
    receives_escalations = _escalations_field()
    active = RadioField(
        "Account status",
        choices=ACTIVE_CHOICES,
        widget=GovRadioInput(),
        invalid_choice_message="Select whether the account is active",
        validators=[InputRequired(message="Select whether the account is active")],
    )
    submit = SubmitField("Save changes", widget=GovSubmitInput())

    def __init__(self, *args, partnerships=(), kept=(), editing_self=False, **kwargs):
        super().__init__(*args, **kwargs)
        self._set_up(partnerships, kept)
        self._editing_self = editing_self

    def validate_role(self, field):
        """An administrator cannot demote themselves (nobody would be left to undo it)."""
        if self._editing_self and field.data != Role.SYSTEM_ADMIN.value:
            raise ValidationError("You cannot change your own role")

    def validate_active(self, field):
        """An administrator cannot lock themselves out."""
        if self._editing_self and field.data != "yes":
            raise ValidationError("You cannot deactivate your own account")


class ResetPasswordForm(StripWhitespaceForm):
    """An administrator sets a new password for a user."""

    password = _password_field("New password")
    submit = SubmitField("Reset password", widget=GovSubmitInput())

    def __init__(self, *args, email=None, full_name=None, **kwargs):
        super().__init__(*args, **kwargs)
        self._email = email
        self._full_name = full_name

    def validate_password(self, field):
        """Apply the password policy, with the user's name and email as guessable words."""
        full_name = self._full_name or (full_name_of(self._email) if self._email else None)
        problems = password_problems(field.data, email=self._email, full_name=full_name)
        if problems:
            raise ValidationError(problems[0])
