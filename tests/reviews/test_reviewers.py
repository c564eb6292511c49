"""Reviewers, terms of reference and written requests of a local review, through the forms:
what the partners weighed, the conflict-of-interest check that makes a reviewer commissioned,
and each bad input."""

from datetime import date

import pytest

from reviews.models import Reviewer, ReviewRequest
from tests.reviews.factories import make_incident
from tracker.extensions import db
from tracker.timeline import TimelineEntry

TODAY = date(2025, 3, 14)
DECIDED = date(2025, 1, 20)


@pytest.fixture(autouse=True)
def _today(clock):
    """The pages' today is fixed: Friday 14 March 2025."""
    clock.set(TODAY)


def day(value: date) -> list[str]:
    """A date as the three boxes of the GOV.UK date input post it."""
    return [str(value.day), str(value.month), str(value.year)]


@pytest.fixture
def review(partnership):
    return make_incident(partnership, decision="local", decision_on=DECIDED)


def reviewer_answers(**changes):
    data = {"name": "Alex Reviewer", "organisation": "Independent",
            "knowledge": "Led 12 reviews", "research": "Published on neglect",
            "viewpoint": "Works without hindsight", "communication": "Clear reports",
            "conflict_checked_on": day(date(2025, 2, 3)),
            "conflict_outcome": "No real or perceived conflict of interest"}
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def test_a_reviewer_with_a_checked_conflict_counts_as_commissioned(business_client, review,
                                                                    call):
    call(business_client, "reviews.reviewers", incident_id=review.id,
         data=reviewer_answers(), status=302)

    page = call(business_client, "reviews.incident", incident_id=review.id)
    row = page.text("#reviewer-summary tbody tr")
    assert "Alex Reviewer" in row and "Independent" in row
    assert "Commissioned" in row and "3 February 2025" in row
    assert "Published on neglect" in row and "Works without hindsight" in row
    assert "the reviewer counts as commissioned" in page.text("#timeline + ol")


def test_a_reviewer_without_the_check_is_not_commissioned_until_it_is_recorded(
        business_client, review, call):
    call(business_client, "reviews.reviewers", incident_id=review.id,
         data=reviewer_answers(conflict_checked_on=None, conflict_outcome=None), status=302)
    [reviewer] = db.session.scalars(db.select(Reviewer)).all()
    assert "Not checked" in call(business_client, "reviews.incident",
                                 incident_id=review.id).text("#reviewer-summary")

    call(business_client, "reviews.edit_reviewer", incident_id=review.id,
         reviewer_id=reviewer.id, data=reviewer_answers(), status=302)

    assert "Commissioned" in call(business_client, "reviews.reviewers",
                                  incident_id=review.id).text("#reviewer-table")


@pytest.mark.parametrize("changes, message", [
    ({"name": "   "}, "Enter the reviewer's name"),
    ({"conflict_outcome": None}, "Enter the outcome of the conflict of interest check"),
    ({"conflict_checked_on": None}, "Enter the date of the conflict of interest check"),
    ({"conflict_checked_on": day(date(2025, 3, 15))},
     "Date of the conflict of interest check must be today or in the past"),
    ({"conflict_checked_on": ["31", "2", "2025"]},
     "Date of the conflict of interest check must be a real date"),
])
def test_bad_reviewer_answers_are_refused(business_client, review, call, changes, message):
    page = call(business_client, "reviews.reviewers", incident_id=review.id,
                data=reviewer_answers(**changes), status=400)

    assert message in page.errors
    assert db.session.scalar(db.select(db.func.count(Reviewer.id))) == 0


def test_terms_of_reference_and_methodology(business_client, review, call):
    call(business_client, "reviews.terms_of_reference", incident_id=review.id,
         data={"version": "1", "terms_of_reference": "Practice from 2023 to the incident",
               "methodology": "Systems approach with practitioner events"}, status=302)

    summary = call(business_client, "reviews.incident", incident_id=review.id
                   ).text("#terms-summary")
    assert "Practice from 2023 to the incident" in summary
    assert "Systems approach" in summary
    page = call(business_client, "reviews.terms_of_reference", incident_id=review.id,
                data={"version": "1", "terms_of_reference": " "}, status=400)
    assert "Enter the terms of reference" in page.errors


def test_a_stale_terms_of_reference_save_is_refused(business_client, review, call):
    review.methodology = "Changed by someone else"
    db.session.commit()

    page = call(business_client, "reviews.terms_of_reference", incident_id=review.id,
                data={"version": "1", "terms_of_reference": "Mine"}, status=409)

    assert page.errors[0].startswith("Someone else changed this incident (Methodology) on ")
    # What the user typed is kept.
    assert page.html.select_one("#terms_of_reference").get_text() == "Mine"
    db.session.refresh(review)
    assert review.terms_of_reference is None


def request_answers(**changes):
    data = {"agency": "Northshire Police", "sent_on": day(date(2025, 2, 3)),
            "due_on": day(date(2025, 2, 17))}
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def test_a_written_request_past_due_and_unanswered_is_overdue_until_answered(
        business_client, review, call):
    call(business_client, "reviews.review_requests", incident_id=review.id,
         data=request_answers(), status=302)
    [sent] = db.session.scalars(db.select(ReviewRequest)).all()

    row = call(business_client, "reviews.incident", incident_id=review.id
               ).text(f"#review-request-{sent.id}")
    assert "Northshire Police" in row and "17 February 2025" in row and "Overdue" in row

    call(business_client, "reviews.review_request", incident_id=review.id,
         review_request_id=sent.id, status=302,
         data=request_answers(answered_on=day(date(2025, 3, 1)), summary="Chronology sent"))

    row = call(business_client, "reviews.incident", incident_id=review.id
               ).text(f"#review-request-{sent.id}")
    assert "Overdue" not in row
    assert "Answered 1 March 2025: Chronology sent" in row  # the tag, then the day and summary
    texts = db.session.scalars(db.select(TimelineEntry.text)).all()
    assert "Northshire Police answered the written request" in texts


@pytest.mark.parametrize("changes, message", [
    ({"agency": ""}, "Enter the agency the request was sent to"),
    ({"sent_on": None}, "Enter the date the request was sent"),
    ({"due_on": None}, "Enter the date the answer is due"),
    ({"sent_on": day(date(2025, 3, 15))}, "Date the request was sent must be today or in the past"),
    ({"sent_on": day(date(2025, 1, 19))},
     "Date the request was sent must be the same as or after the date of the decision"),
    ({"due_on": day(date(2025, 2, 2))},
     "Date the answer is due must be the same as or after the date the request was sent"),
    ({"answered_on": day(date(2025, 2, 1))},
     "Date the agency answered must be the same as or after the date the request was sent"),
    ({"answered_on": day(date(2025, 3, 20))},
     "Date the agency answered must be today or in the past"),
    ({"summary": "Came back"}, "Enter the date the agency answered, or remove the summary"),
])
def test_bad_written_requests_are_refused(business_client, review, call, changes, message):
    page = call(business_client, "reviews.review_requests", incident_id=review.id,
                data=request_answers(**changes), status=400)

    assert message in page.errors
    assert db.session.scalar(db.select(db.func.count(ReviewRequest.id))) == 0


def test_local_steps_are_not_offered_for_a_national_review_or_before_a_decision(
        business_client, partnership, call):
    national = make_incident(partnership, decision="national", decision_on=DECIDED)
    undecided = make_incident(partnership)
    for incident in (national, undecided):
        for endpoint in ("reviews.reviewers", "reviews.terms_of_reference",
                         "reviews.review_requests"):
            call(business_client, endpoint, incident_id=incident.id, status=404)
    page = call(business_client, "reviews.incident", incident_id=national.id)
    assert page.html.select("#reviewer-summary, #local-review") == []


def test_only_editors_see_the_links_and_may_open_the_forms(auditor_client, business_client,
                                                           review, call):
    assert call(auditor_client, "reviews.incident", incident_id=review.id
                ).html.select("#local-review-links") == []
    call(auditor_client, "reviews.reviewers", incident_id=review.id, status=403)
    assert call(business_client, "reviews.incident", incident_id=review.id
                ).html.select("#local-review-links a")


def test_another_partnerships_reviewer_is_not_found(business_client, other_partnership, call):
    theirs = make_incident(other_partnership, decision="local", decision_on=DECIDED)
    reviewer = Reviewer(partnership_id=other_partnership.id, incident_id=theirs.id, name="R")
    db.session.add(reviewer)
    db.session.commit()

    call(business_client, "reviews.edit_reviewer", incident_id=theirs.id,
         reviewer_id=reviewer.id, status=404)
