"""A national review by the Panel: its own dates (publication in six months, the copy to the
Secretary of State counted back from the planned date, public for three years), the national
wording, and none of the local steps."""

from datetime import date

import pytest

from tests.reviews.factories import make_incident
from tracker.deadline_models import Deadline
from tracker.extensions import db

TODAY = date(2025, 9, 1)
DECIDED = date(2025, 2, 3)


@pytest.fixture(autouse=True)
def _today(clock):
    clock.set(TODAY)


def day(value: date) -> list[str]:
    return [str(value.day), str(value.month), str(value.year)]


@pytest.fixture
def national(partnership):
    return make_incident(partnership, decision="national", decision_on=DECIDED, stage="review")


def deadlines(incident):
    return dict(db.session.execute(db.select(Deadline.rule_key, Deadline.due_date).where(
        Deadline.owner_id == incident.id, Deadline.owner_type == "serious_incident")).all())


def test_a_national_review_is_published_on_its_own_dates(business_client, national, call):
    form = call(business_client, "reviews.publication", incident_id=national.id)
    labels = form.text("main form")
    assert "Date the copy was sent to the Secretary of State" in labels
    assert "Ofsted" not in labels
    assert "3 August 2025" in form.text("#publication-rule")

    call(business_client, "reviews.publication", incident_id=national.id, status=302, data={
        "version": str(national.version), "planned_publication_on": day(date(2025, 7, 28)),
        "copies_sent_on": day(date(2025, 7, 16)), "publish_type": "full",
        "published_on": day(date(2025, 7, 28)),
        "published_url": "https://www.gov.uk/government/publications/national-review"})

    found = deadlines(national)
    assert found["national_publication"] == date(2025, 8, 3)
    assert found["national_prepublication_copies"] == date(2025, 7, 17)
    assert found["national_public_until"] == date(2028, 7, 28)  # three years
    assert not {"cspr_publication", "cspr_prepublication_copies"} & set(found)
    page = call(business_client, "reviews.incident", incident_id=national.id)
    assert "Publication of the national review" in page.text("#publication")
    summary = page.text("#publication-summary")
    assert "Copy to the Secretary of State" in summary and "Ofsted" not in summary
    assert "28 July 2028" in summary
    assert page.html.select("#local-review, #reviewer-summary") == []
    # Requests are sent as personal links; none is recorded by hand (a local review's step).
    request_actions = page.html.select_one("#request-actions")
    assert request_actions.select("a[href$='/information-requests/new']")
    assert request_actions.select("a[href$='/requests']") == []


def test_a_national_delay_tells_the_secretary_of_state(business_client, national, call):
    form = call(business_client, "reviews.new_delay", incident_id=national.id)
    assert "Date the Secretary of State was told of the delay and its reasons" in \
        form.text("main form")

    page = call(business_client, "reviews.new_delay", incident_id=national.id, status=400,
                data={"reason": "prosecution", "revised_on": day(date(2026, 2, 2))})

    assert "Enter the date the Secretary of State was told" in page.errors


def test_national_justification_goes_to_the_secretary_of_state(business_client, national,
                                                               call):
    page = call(business_client, "reviews.publication", incident_id=national.id, status=400,
                data={"version": str(national.version), "publish_type": "improvements"})

    assert "Enter the date the justification was sent to the Secretary of State" in page.errors


def test_a_bad_national_date_is_named_in_the_national_words(business_client, national, call):
    page = call(business_client, "reviews.publication", incident_id=national.id, status=400,
                data={"version": str(national.version), "copies_sent_on": ["31", "6", "2025"]})

    assert "Date the copy was sent to the Secretary of State must be a real date" in page.errors
