"""Forms for no post-mortem, the inquest and the family's key worker and bereavement support."""

from govuk_frontend_wtf.wtforms_widgets import GovRadioInput, GovTextArea, GovTextInput
from wtforms import HiddenField, RadioField, SelectChoice, TextAreaField
from wtforms.validators import Length

from cdr.models.case import NO_POST_MORTEM, YES_NO_NOT_KNOWN
from forms.base import StripWhitespaceForm
from forms.cdr.validators import blank_to_none
from forms.fields import GovDateField, SingleLineField

_LONG_TEXT = 5000
_NOT_NAMES = "Do not include the child's or the family's names."


def _text(label, max_length, description=None, area=False):
    """An optional text field (blank is None) with a GOV.UK length message."""
    field = TextAreaField if area else SingleLineField
    return field(label, widget=GovTextArea() if area else GovTextInput(),
                 description=description, filters=[blank_to_none],
                 validators=[Length(max=max_length,
                                    message=f"{label} must be {max_length} characters or fewer")])


def _radios(label, choices, blank, description=None):
    """Radios with a first choice for "nothing recorded" (an empty value)."""
    return RadioField(label, choices=[SelectChoice("", blank)] + [
        SelectChoice(value, text) for value, text in choices.items()],
        widget=GovRadioInput(), default="", description=description,
        invalid_choice_message=f"Select an answer to: {label.lower()}")


class NoPostMortemForm(StripWhitespaceForm):
    """That no post-mortem will be held (or the coroner has not taken the case): when, who."""

    choice = _radios(
        "Will a post-mortem be held?", NO_POST_MORTEM,
        "A post-mortem is being held, or it is not known yet",
        "When no post-mortem will be held, the third rapid response meeting (after all "
        "post-mortem results) is not needed.")
    decided_on = GovDateField("Date it was decided", description="For example, 27 3 2025")
    decided_by = _text("Who decided", 200,
                       "The role and organisation, for example the coroner's officer.")
    version = HiddenField()


class InquestForm(StripWhitespaceForm):
    """The inquest, any prevention of future deaths report, the key worker, bereavement
    support (the reporting form's question)."""

    inquest_on = GovDateField("Date of the inquest",
                              description="A date to come if it is scheduled. For example, "
                              "27 3 2025")
    inquest_conclusion = _text(
        "Conclusion of the inquest", _LONG_TEXT,
        "As the coroner recorded it: a short-form conclusion (such as natural causes) or a "
        f"narrative conclusion. {_NOT_NAMES}", area=True)
    pfd_report_on = GovDateField(
        "Date of the prevention of future deaths report",
        description="A report under regulation 28 of the Coroners (Investigations) "
        "Regulations 2013. Leave it blank if there was none.")
    pfd_report_concerns = _text("What the report asked", _LONG_TEXT,
                                f"Who it went to and what action it asked for. {_NOT_NAMES}",
                                area=True)
    key_worker_name = _text("Key worker's name", 200,
                            "The professional who is the family's key worker (their single "
                            "point of contact).")
    key_worker_agency = _text("Key worker's agency", 200)
    family_information_offered_on = GovDateField(
        "Date \u201cWhen a child dies\u201d (or equivalent information) was offered to the "
        "family", description="For example, 27 3 2025")
    bereavement_support_offered = _radios(
        "Was bereavement support offered to the family?", YES_NO_NOT_KNOWN, "Not recorded",
        "As the reporting form asks.")
    bereavement_support_details = _text("What bereavement support was offered", _LONG_TEXT,
                                        f"Only if it was offered. {_NOT_NAMES}", area=True)
    version = HiddenField()
