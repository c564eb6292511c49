"""The rapid review: a meeting, what it found and recommended, and the Panel's response."""

from wtforms import HiddenField

from forms.base import StripWhitespaceForm
from forms.fields import GovDateField
from forms.reviews.incident import YES_NO, as_yes_no, radios, text, yes_no
from forms.submission import SubmissionKeyForm
from reviews.models import RECOMMENDATIONS
from reviews.services.rapid_review import DETAIL_FIELDS, RESPONSE_FIELDS


class MeetingForm(SubmissionKeyForm, StripWhitespaceForm):
    """Add a meeting of the rapid review."""

    meeting_on = GovDateField("Meeting date", required_message="Enter the meeting date",
                              description="For example, 6 1 2025")


def _area(label, description=None):
    return text(label, area=True, max_length=10000, description=description)


class RapidReviewForm(StripWhitespaceForm):
    """What the rapid review found, what the partnership recommends, and when it was sent."""

    version = HiddenField()
    rr_participants = _area("Participants (optional)",
                            description="Roles and agencies, not the family's names")
    rr_agencies = _area("Agencies that contributed (optional)")
    rr_facts = _area("Facts gathered (optional)")
    rr_safety_actions = _area("Immediate action to keep children safe (optional)")
    rr_learning = _area("Learning identified (optional)")
    rr_recommendation = radios("The partnership's recommendation", RECOMMENDATIONS)
    rr_rationale = _area("Rationale for the recommendation")
    rapid_review_sent_on = GovDateField(
        "Date the rapid review was sent to the Panel",
        description="Leave blank until it is sent. For example, 10 1 2025")

    def values(self) -> dict:
        """The incident columns to save."""
        return {name: self[name].data or None for name in DETAIL_FIELDS}

    @staticmethod
    def data_from(incident) -> dict:
        """The form's answers as the incident holds them now."""
        return {"version": str(incident.version),
                **{name: getattr(incident, name) for name in DETAIL_FIELDS}}


class PanelResponseForm(StripWhitespaceForm):
    """The Panel's response to the rapid review."""

    version = HiddenField()
    panel_response_on = GovDateField("Date of the Panel's response",
                                     description="For example, 24 1 2025")
    panel_national_review = radios("Will the Panel undertake a national review?", YES_NO)
    panel_info_requested = _area("Further information the Panel asked for (optional)")
    panel_info_requested_on = GovDateField("Date the Panel asked for further information",
                                           description="For example, 24 1 2025")
    panel_info_supplied_on = GovDateField("Date the further information was supplied",
                                          description="For example, 31 1 2025")

    def values(self) -> dict:
        """The incident columns to save."""
        values = {name: self[name].data for name in RESPONSE_FIELDS}
        values["panel_national_review"] = yes_no(self.panel_national_review.data)
        values["panel_info_requested"] = self.panel_info_requested.data or None
        return values

    @staticmethod
    def data_from(incident) -> dict:
        """The form's answers as the incident holds them now."""
        data = {name: getattr(incident, name) for name in RESPONSE_FIELDS}
        data["panel_national_review"] = as_yes_no(incident.panel_national_review)
        return {"version": str(incident.version), **data}
