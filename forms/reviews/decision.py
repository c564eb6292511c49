"""The decision on a review: local, national by the Panel, or none."""

from wtforms import HiddenField

from forms.base import StripWhitespaceForm
from forms.fields import GovDateField
from forms.reviews.incident import YES_NO, as_yes_no, radios, text, yes_no
from reviews.models import DECISIONS


class DecisionForm(StripWhitespaceForm):
    """The decision, its date and rationale, the family, and who was informed."""

    version = HiddenField()
    decision = radios("What was decided?", DECISIONS, required="Select what was decided")
    decision_on = GovDateField(
        "Date of the decision", required_message="Enter the date of the decision",
        description="For a review, this starts the 6 months to publication. "
        "For example, 20 1 2025")
    panel_decision_on = GovDateField(
        "Date the Panel decided to carry out a national review",
        description="For a national review only: its publication clocks are the Panel's and "
        "start from this date. For example, 20 1 2025")
    decision_rationale = text("Rationale for the decision", area=True, max_length=10000,
                              required="Enter the rationale for the decision",
                              description="Decisions should be transparent and their "
                              "rationale communicated, including to the family")
    family_told = radios("Has the family been told of the decision and its rationale?",
                         YES_NO, required="Select whether the family has been told")
    family_told_on = GovDateField("Date the family was told",
                                  description="For example, 22 1 2025")
    # Telling the Panel, Ofsted and the Department for Education of a local review: a step
    # on the task list with no timescale set in the guidance (none is invented).
    decision_informed_on = GovDateField("Date the Panel was told",
                                        description="For example, 21 1 2025")
    decision_ofsted_told_on = GovDateField("Date Ofsted was told",
                                           description="For example, 21 1 2025")
    decision_dfe_told_on = GovDateField("Date the Department for Education was told",
                                        description="For example, 21 1 2025")

    FIELDS = ("decision", "decision_on", "panel_decision_on", "decision_rationale",
              "family_told_on", "decision_informed_on", "decision_ofsted_told_on",
              "decision_dfe_told_on")

    def values(self) -> dict:
        """The incident columns to save."""
        values = {name: self[name].data for name in self.FIELDS}
        values["family_told"] = yes_no(self.family_told.data)
        return values

    @classmethod
    def data_from(cls, incident) -> dict:
        """The form's answers as the incident holds them now."""
        data = {name: getattr(incident, name) for name in cls.FIELDS}
        data["family_told"] = as_yes_no(incident.family_told)
        return {"version": str(incident.version), **data}
