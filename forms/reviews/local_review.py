"""The local review: reviewers, terms of reference and methodology, written requests."""

from wtforms import HiddenField

from forms.base import StripWhitespaceForm, VersionedForm
from forms.fields import GovDateField
from forms.reviews.incident import text
from forms.submission import SubmissionKeyForm
from reviews.services.local_review import REQUEST_FIELDS, REVIEWER_FIELDS


def _weighed(label, description):
    return text(label, area=True, max_length=5000, description=description)


class ReviewerForm(SubmissionKeyForm, VersionedForm):
    """A reviewer, what Working Together asks the partners to weigh when choosing one
    (chapter 4 paragraph 31), and the conflict-of-interest check."""

    name = text("Reviewer's name", required="Enter the reviewer's name")
    organisation = text("Organisation (optional)")
    knowledge = _weighed(
        "Relevant knowledge and practice (optional)",
        "Professional knowledge, understanding and practice relevant to local child "
        "safeguarding practice reviews, including the ability to engage with practitioners, "
        "children and families")
    research = _weighed("Knowledge of research (optional)",
                        "Knowledge and understanding of research relevant to children's "
                        "safeguarding issues")
    viewpoint = _weighed(
        "Understanding practice from the viewpoint of those involved (optional)",
        "The ability to recognise the complex circumstances practitioners work in, and to "
        "understand practice from the viewpoint of those involved at the time rather than "
        "with hindsight")
    communication = _weighed("Communicating findings (optional)",
                             "The ability to communicate findings effectively")
    conflict_checked_on = GovDateField(
        "Date of the conflict of interest check",
        description="The reviewer counts as commissioned once the check is recorded. "
        "For example, 3 2 2025")
    conflict_outcome = text("Outcome of the conflict of interest check", area=True,
                            max_length=5000,
                            description="Any real or perceived conflict of interest, and how "
                            "it was resolved")

    def values(self) -> dict:
        """The reviewer's columns."""
        return {name: self[name].data for name in REVIEWER_FIELDS}

    @staticmethod
    def data_from(reviewer) -> dict:
        """The form's answers as the reviewer holds them now."""
        return {name: getattr(reviewer, name) for name in REVIEWER_FIELDS}


class TermsForm(StripWhitespaceForm):
    """The review's terms of reference and methodology."""

    version = HiddenField()
    terms_of_reference = text("Terms of reference", area=True, max_length=20000,
                              required="Enter the terms of reference")
    methodology = text("Methodology (optional)", area=True, max_length=20000,
                       description="How the review will be carried out, including how "
                       "practitioners, the family and children will be involved")

    def values(self) -> dict:
        """The incident columns to save."""
        return {"terms_of_reference": self.terms_of_reference.data,
                "methodology": self.methodology.data}

    @staticmethod
    def data_from(incident) -> dict:
        """The form's answers as the incident holds them now."""
        return {"version": str(incident.version),
                "terms_of_reference": incident.terms_of_reference,
                "methodology": incident.methodology}


class ReviewRequestForm(SubmissionKeyForm, VersionedForm):
    """A written request for information to an agency, and its answer."""

    agency = text("Agency", required="Enter the agency the request was sent to")
    sent_on = GovDateField("Date the request was sent",
                           required_message="Enter the date the request was sent",
                           description="For example, 10 2 2025")
    due_on = GovDateField("Date the answer is due",
                          required_message="Enter the date the answer is due",
                          description="For example, 24 2 2025")
    answered_on = GovDateField("Date the agency answered",
                               description="Leave blank until it answers. "
                               "For example, 20 2 2025")
    summary = text("Summary of the answer (optional)", area=True, max_length=10000)

    def values(self) -> dict:
        """The request's columns."""
        return {name: self[name].data for name in REQUEST_FIELDS}

    @staticmethod
    def data_from(request) -> dict:
        """The form's answers as the request holds them now."""
        return {name: getattr(request, name) for name in REQUEST_FIELDS}
