"""A select of the partnership's accounts: "Account to remind" on actions, "Case owner"."""

from govuk_frontend_wtf.wtforms_widgets import GovSelect
from wtforms import HiddenField, SelectChoice, SelectField

from forms.base import StripWhitespaceForm


class AccountField(SelectField):
    """One account of the partnership (or none, when `blank` names what none means).

    The view gives the choices (tracker.accounts.accounts_of), so an account of another
    partnership, or one without the domain's permission, is not a valid choice.
    """

    def __init__(self, label, *, blank=None, **kwargs):
        kwargs.setdefault("widget", GovSelect())
        kwargs.setdefault("default", "")  # a form posted without the select: no account
        kwargs.setdefault("invalid_choice_message", "Select an account from the list")
        super().__init__(label, **kwargs)
        self.blank = blank

    def set_accounts(self, accounts, current_id=None, current_name=None, *, blank=None):
        """The choices: `accounts` ((id, label) pairs), and the account chosen now, kept as
        a choice even when it no longer qualifies, so an unchanged form still saves."""
        choices = [SelectChoice(str(user_id), label) for user_id, label in accounts]
        if current_id is not None and current_id not in {user_id for user_id, _ in accounts}:
            choices.append(SelectChoice(str(current_id), f"{current_name or 'An account'} "
                                        "(no longer able to be chosen)"))
        if blank is not None:
            choices.insert(0, SelectChoice("", blank))
        self.choices = choices

    @property
    def user_id(self) -> int | None:
        """The chosen account's id, or None."""
        return int(self.data) if self.data else None


def selected(user_id: int | None) -> str:
    """An account id as the select holds it."""
    return str(user_id) if user_id is not None else ""


class CaseOwnerForm(StripWhitespaceForm):
    """Who owns a case: the account its reminders go to."""

    owner = AccountField("Case owner", description="The case's reminders go to this account.")
    version = HiddenField()
