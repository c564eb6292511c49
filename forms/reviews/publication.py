"""Publishing a review, and a delay to publication."""

from urllib.parse import urlsplit

from wtforms import HiddenField
from wtforms.validators import ValidationError

from forms.base import StripWhitespaceForm
from forms.fields import GovDateField
from forms.reviews.incident import radios, text
from forms.submission import SubmissionKeyForm
from reviews.models import DELAY_REASONS, PUBLISH_TYPES
from reviews.services.publication import FIELDS


class HttpsUrl:
    """A web address starting https:// with a host name and no spaces (empty passes)."""

    def __init__(self, message=None):
        self.message = message or ("Enter a web address that starts with https://, such as "
                                   "https://www.example.gov.uk/reviews/report.pdf")

    def __call__(self, form, field):
        value = field.data
        if not value:
            return
        try:
            parts = urlsplit(value)
        except ValueError:
            raise ValidationError(self.message) from None
        if parts.scheme != "https" or not parts.hostname or "." not in parts.hostname \
                or any(ch.isspace() for ch in value):
            raise ValidationError(self.message)


def _date(label, example):
    return GovDateField(label, description=f"For example, {example}")


class PublicationForm(StripWhitespaceForm):
    """The planned date, the copies sent before publication, what is published, and the
    publication itself. Labels name who gets copies: a national review's go to the
    Secretary of State only."""

    version = HiddenField()
    planned_publication_on = _date("Planned publication date", "14 7 2025")
    copies_sent_on = _date("Date the copies were sent to the Panel and the Secretary of State",
                           "3 7 2025")
    ofsted_copy_sent_on = _date("Date the copy was sent to Ofsted", "3 7 2025")
    publish_type = radios("What is published?", PUBLISH_TYPES)
    publish_justification = text(
        "Justification for publishing information about improvements only", area=True,
        max_length=10000,
        description="As set out for the Panel and the Secretary of State")
    justification_sent_on = _date(
        "Date the justification was sent to the Panel and the Secretary of State", "1 7 2025")
    published_on = _date("Publication date", "14 7 2025")
    published_url = text("Web address where it is published", max_length=500,
                         description="Starting https://")

    def __init__(self, *args, national=False, **kwargs):
        self.national = national
        super().__init__(*args, **kwargs)
        self.published_url.validators = [*self.published_url.validators, HttpsUrl()]
        self.publish_type.invalid_choice_message = ("Select the full report or information "
                                                    "about improvements only")
        if national:
            del self.ofsted_copy_sent_on

    def process(self, *args, **kwargs):
        """Word the fields for a national review before the posted dates are read (their
        messages name the field)."""
        if self.national:
            self.copies_sent_on.label.text = "Date the copy was sent to the Secretary of State"
            self.publish_justification.description = "As set out for the Secretary of State"
            self.justification_sent_on.label.text = ("Date the justification was sent to the "
                                                     "Secretary of State")
        super().process(*args, **kwargs)

    def values(self) -> dict:
        """The incident columns to save."""
        return {name: self[name].data if name in self else None for name in FIELDS}

    @staticmethod
    def data_from(incident) -> dict:
        """The form's answers as the incident holds them now."""
        return {"version": str(incident.version),
                **{name: getattr(incident, name) for name in FIELDS}}


class DelayForm(SubmissionKeyForm, StripWhitespaceForm):
    """A delay to publication: why, when the Panel and the Secretary of State were told, and
    the revised publication date."""

    reason = radios("Why is publication delayed?", DELAY_REASONS,
                    required="Select why publication is delayed")
    detail = text("Details", area=True, max_length=5000,
                  description="Required for another reason; optional otherwise")
    told_panel_sos_on = GovDateField(
        "Date the Panel and the Secretary of State were told of the delay and its reasons",
        required_message="Enter the date the Panel and the Secretary of State were told",
        description="For example, 2 6 2025")
    revised_on = GovDateField("Revised publication date",
                              required_message="Enter the revised publication date",
                              description="This becomes the planned publication date. "
                              "For example, 15 1 2026")

    def __init__(self, *args, national=False, **kwargs):
        self.national = national
        super().__init__(*args, **kwargs)

    def process(self, *args, **kwargs):
        """Word the date for a national review before the posted date is read (its messages
        are raised while reading it)."""
        if self.national:
            self.told_panel_sos_on.label.text = ("Date the Secretary of State was told of the "
                                                 "delay and its reasons")
            self.told_panel_sos_on.required_message = ("Enter the date the Secretary of State "
                                                       "was told")
        super().process(*args, **kwargs)

    def values(self) -> dict:
        """The delay's answers."""
        return {"reason": self.reason.data, "detail": self.detail.data,
                "told_panel_sos_on": self.told_panel_sos_on.data,
                "revised_on": self.revised_on.data}
