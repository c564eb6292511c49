"""Sending a reporting-form request to a directory contact as a personal link; revoking one."""

from govuk_frontend_wtf.wtforms_widgets import GovSelect
from wtforms import HiddenField, SelectChoice, SelectField

from forms.base import StripWhitespaceForm


class SendLinkForm(StripWhitespaceForm):
    """The directory contact to send the request to."""

    contact = SelectField("Send the request to", widget=GovSelect(), coerce=int,
                          description="A contact from the agency directory: they get a "
                                      "personal link by e-mail, and a code when they open it",
                          invalid_choice_message="Select a contact from the agency directory")

    def __init__(self, *args, contacts=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.contact.choices = [SelectChoice(contact.id, f"{agency.name}: {contact.name} "
                                                         f"({contact.email})")
                                for contact, agency in contacts]


class RevokeLinkForm(StripWhitespaceForm):
    """The CSRF-protected button that stops one link working."""

    link_id = HiddenField()
