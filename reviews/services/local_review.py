"""The local review's own steps: the reviewers commissioned (with what Working Together asks
the partners to weigh and a recorded conflict-of-interest check), the terms of reference and
methodology, and written information requests to agencies with their answers.

Plain functions that take `today`; none commits. A national review by the Panel has none of
these steps: `local_only` refuses them.
"""

from datetime import date
from typing import NamedTuple

import sqlalchemy as sa
from flask import abort

from reviews.models import Reviewer, ReviewRequest
from reviews.services import publication
from reviews.services.incidents import check, not_before, not_future
from tracker import timeline
from tracker.extensions import db

REVIEWER_FIELDS = ("name", "organisation", "knowledge", "research", "viewpoint",
                   "communication", "conflict_checked_on", "conflict_outcome")
REQUEST_FIELDS = ("agency", "sent_on", "due_on", "answered_on", "summary")


def local_only(incident) -> None:
    """404 unless a local review was decided: the Panel runs a national review's steps."""
    if incident.decision != "local":
        abort(404)


def is_commissioned(reviewer) -> bool:
    """A reviewer counts as commissioned once the conflict-of-interest check is recorded."""
    return reviewer.conflict_checked_on is not None and bool(reviewer.conflict_outcome)


# --- Reviewers -------------------------------------------------------------------------------


def reviewers_of(incident) -> list[Reviewer]:
    """The incident's reviewers in the order they were added (one query)."""
    return db.session.scalars(
        sa.select(Reviewer).where(Reviewer.incident_id == incident.id).order_by(Reviewer.id)
    ).all()


def reviewer_or_404(incident, reviewer_id: int) -> Reviewer:
    """One of the incident's reviewers, or 404."""
    found = db.session.scalar(sa.select(Reviewer).where(
        Reviewer.id == reviewer_id, Reviewer.incident_id == incident.id))
    if found is None:
        abort(404)
    return found


def reviewer_problems(incident, values: dict, today: date) -> dict[str, str]:
    """{field: message} for a conflict-of-interest check that cannot be right."""
    problems = {}
    checked = values.get("conflict_checked_on")
    not_future(problems, "conflict_checked_on", checked,
               "Date of the conflict of interest check", today)
    if checked is not None and not values.get("conflict_outcome"):
        problems["conflict_outcome"] = "Enter the outcome of the conflict of interest check"
    if checked is None and values.get("conflict_outcome"):
        problems["conflict_checked_on"] = "Enter the date of the conflict of interest check"
    return problems


def save_reviewer(incident, reviewer: Reviewer | None, values: dict, today: date) -> Reviewer:
    """Add a reviewer (reviewer None) or change one; the timeline says when one becomes
    commissioned. Raises Problems (no commit)."""
    check(reviewer_problems(incident, values, today))
    is_new = reviewer is None
    was_commissioned = not is_new and is_commissioned(reviewer)
    if is_new:
        reviewer = Reviewer(incident_id=incident.id, partnership_id=incident.partnership_id)
        db.session.add(reviewer)
    changed = [name for name in REVIEWER_FIELDS if getattr(reviewer, name) != values.get(name)]
    for name in changed:
        setattr(reviewer, name, values.get(name))
    if is_new:
        timeline.add(incident, "reviewer", f"Reviewer added: {reviewer.name}", happened_on=today)
    if is_commissioned(reviewer) and not was_commissioned:
        timeline.add(incident, "reviewer",
                     f"Conflict of interest check recorded for {reviewer.name}: "
                     "the reviewer counts as commissioned",
                     happened_on=reviewer.conflict_checked_on)
    elif changed and not is_new:
        timeline.add(incident, "reviewer", f"Reviewer details changed: {reviewer.name}",
                     happened_on=today)
    return reviewer


# --- Terms of reference ----------------------------------------------------------------------


def save_terms(incident, values: dict, today: date) -> list[str]:
    """Record the terms of reference and methodology; the names of what changed."""
    changed = [name for name in ("terms_of_reference", "methodology")
               if getattr(incident, name) != values.get(name)]
    for name in changed:
        setattr(incident, name, values.get(name))
    if changed:
        words = " and ".join({"terms_of_reference": "terms of reference",
                              "methodology": "methodology"}[name] for name in changed)
        timeline.add(incident, "terms", f"The review's {words} recorded", happened_on=today)
    return changed


# --- Written information requests ------------------------------------------------------------


class RequestRow(NamedTuple):
    """A written request as the review page shows it."""

    request: ReviewRequest
    overdue: bool


def requests_of(incident, today: date) -> list[RequestRow]:
    """The incident's written requests, oldest sent first, each marked overdue when past its
    due date and unanswered (one query)."""
    rows = db.session.scalars(
        sa.select(ReviewRequest).where(ReviewRequest.incident_id == incident.id)
        .order_by(ReviewRequest.sent_on, ReviewRequest.id)
    ).all()
    return [RequestRow(row, is_overdue(row, today)) for row in rows]


def is_overdue(request: ReviewRequest, today: date) -> bool:
    """Past its due date with no answer."""
    return request.answered_on is None and request.due_on is not None and request.due_on < today


def request_or_404(incident, request_id: int) -> ReviewRequest:
    """One of the incident's written requests, or 404."""
    found = db.session.scalar(sa.select(ReviewRequest).where(
        ReviewRequest.id == request_id, ReviewRequest.incident_id == incident.id))
    if found is None:
        abort(404)
    return found


def request_problems(incident, values: dict, today: date) -> dict[str, str]:
    """{field: message} for request dates that cannot be right."""
    problems = {}
    sent, due, answered = values.get("sent_on"), values.get("due_on"), values.get("answered_on")
    if not_future(problems, "sent_on", sent, "Date the request was sent", today):
        not_before(problems, "sent_on", sent, "Date the request was sent",
                   incident.decision_on, "the date of the decision")
    not_before(problems, "due_on", due, "Date the answer is due", sent,
               "the date the request was sent")
    if not_future(problems, "answered_on", answered, "Date the agency answered", today):
        not_before(problems, "answered_on", answered, "Date the agency answered", sent,
                   "the date the request was sent")
    if values.get("summary") and answered is None:
        problems["answered_on"] = "Enter the date the agency answered, or remove the summary"
    return problems


def save_request(incident, request: ReviewRequest | None, values: dict,
                 today: date) -> ReviewRequest:
    """Add a written request (request None) or record its answer. Raises Problems."""
    check(request_problems(incident, values, today))
    answered_before = request is not None and request.answered_on is not None
    if request is None:
        request = ReviewRequest(incident_id=incident.id, partnership_id=incident.partnership_id)
        db.session.add(request)
        timeline.add(incident, "request",
                     f"Written request for information sent to {values['agency']}",
                     happened_on=values["sent_on"])
    for name in REQUEST_FIELDS:
        if getattr(request, name) != values.get(name):
            setattr(request, name, values.get(name))
    if request.answered_on is not None and not answered_before:
        timeline.add(incident, "request", f"{request.agency} answered the written request",
                     happened_on=request.answered_on)
    return request


# --- The review page's local review section --------------------------------------------------


class ReviewerRow(NamedTuple):
    """A reviewer and whether they count as commissioned."""

    reviewer: Reviewer
    commissioned: bool


def reviewer_rows(incident) -> list[ReviewerRow]:
    """The reviewers with their commissioned flag (one query)."""
    return [ReviewerRow(row, is_commissioned(row)) for row in reviewers_of(incident)]


class LocalReviewSection(NamedTuple):
    """The review page's local review section: reviewers and publication (its written
    requests are listed with the other requests for information:
    reviews.services.requests_for_information)."""

    reviewers: list[ReviewerRow]
    publication: object  # reviews.services.publication.PublicationSection


def section(incident, deadline_rows) -> LocalReviewSection | None:
    """The section for a local or national review (None otherwise); a national review has
    no local steps, so no reviewers are read for it."""
    if incident.decision not in publication.RULES:
        return None
    local = incident.decision == "local"
    return LocalReviewSection(
        reviewers=reviewer_rows(incident) if local else [],
        publication=publication.section(incident, deadline_rows),
    )
