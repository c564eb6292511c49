"""The safeguarding partners' yearly report."""

from govuk_frontend_wtf.wtforms_widgets import GovSelect
from wtforms import SelectChoice, SelectField

from forms.base import StripWhitespaceForm, VersionedForm
from forms.fields import GovDateField
from forms.reviews.incident import text
from forms.reviews.publication import HttpsUrl
from forms.submission import SubmissionKeyForm
from reviews.services.yearly import FIELDS
from tracker.edition_words import words_for


class YearlyReportForm(SubmissionKeyForm, VersionedForm):
    """A published yearly report, its web address and when copies went to the Panel and the
    What Works Centre (Foundations under Working Together 2023: the report's edition's words,
    tracker.edition_words)."""

    published_on = GovDateField("Publication date", required_message="Enter the publication "
                                "date", description="For example, 30 9 2025")
    url = text("Web address where it is published", max_length=500,
               required="Enter the web address where it is published",
               description="Starting https://")
    copies_sent_on = GovDateField(
        "Date copies were sent to the Panel and the What Works Centre",
        description="They should be sent within 7 days of publication. Leave blank until "
        "sent. For example, 3 10 2025")

    def __init__(self, *args, edition=None, **kwargs):
        self.edition = edition
        super().__init__(*args, **kwargs)
        self.url.validators = [*self.url.validators, HttpsUrl()]

    def process(self, *args, **kwargs):
        """Name who gets copies in the report's edition's words before the posted date is
        read (its messages name the field)."""
        self.copies_sent_on.label.text = ("Date copies were sent to the Panel and "
                                          f"{words_for(self.edition).what_works}")
        super().process(*args, **kwargs)

    def values(self) -> dict:
        """The report's columns."""
        return {name: self[name].data for name in FIELDS}

    @staticmethod
    def data_from(report) -> dict:
        """The form's answers as the report holds them now."""
        return {name: getattr(report, name) for name in FIELDS}


class PartnershipChoiceForm(StripWhitespaceForm):
    """Which partnership's yearly reports to show (a GET form)."""

    partnership = SelectField("Partnership", coerce=int, widget=GovSelect(),
                              invalid_choice_message="Select a partnership from the list")

    def __init__(self, *args, partnerships, **kwargs):
        super().__init__(*args, **kwargs)
        self.partnership.choices = [SelectChoice(p.id, p.name) for p in partnerships]
