"""Publishing a local review through the form: the planned date within six months of the
decision, the copies' deadline counted back from it and moved with it, what is published,
the publication and how long it stays public; each bad input refused."""

from datetime import date

import pytest

from reviews.models import SeriousIncident
from tests.reviews.factories import make_incident
from tracker.deadline_models import Deadline
from tracker.extensions import db

TODAY = date(2025, 9, 1)
DECIDED = date(2025, 1, 20)  # six months: due by 20 July 2025


@pytest.fixture(autouse=True)
def _today(clock):
    clock.set(TODAY)


def day(value: date) -> list[str]:
    return [str(value.day), str(value.month), str(value.year)]


@pytest.fixture
def review(partnership):
    return make_incident(partnership, decision="local", decision_on=DECIDED, stage="review")


def publish(call, client, incident, status=302, **answers):
    """Post the publication form with the incident's current version."""
    db.session.refresh(incident)
    data = {"version": str(incident.version)}
    for name, value in answers.items():
        data[name] = day(value) if isinstance(value, date) else value
    return call(client, "reviews.publication", incident_id=incident.id, data=data,
                status=status)


def due(incident, rule_key):
    return db.session.scalar(db.select(Deadline.due_date).where(
        Deadline.owner_id == incident.id, Deadline.owner_type == "serious_incident",
        Deadline.rule_key == rule_key))


def test_the_copies_deadline_is_counted_back_from_the_planned_date_and_moves_with_it(
        business_client, review, call):
    assert due(review, "cspr_publication") == date(2025, 7, 20)
    publish(call, business_client, review, planned_publication_on=date(2025, 7, 14))
    assert due(review, "cspr_prepublication_copies") == date(2025, 7, 3)  # 7 working days

    publish(call, business_client, review, planned_publication_on=date(2025, 7, 18))

    assert due(review, "cspr_prepublication_copies") == date(2025, 7, 9)
    page = call(business_client, "reviews.incident", incident_id=review.id)
    assert "Due by 9 July 2025" in page.text("#publication-summary")
    assert "Planned publication date moved from 14 July 2025 to 18 July 2025" in \
        page.text("#timeline + ol")


def test_a_planned_date_after_the_six_months_needs_a_delay(business_client, review, call):
    page = publish(call, business_client, review, status=400,
                   planned_publication_on=date(2025, 7, 21))

    assert ("Planned publication date must be on or before 20 July 2025, 6 months from the "
            "decision, unless a delay is recorded: record a delay with its reason") in page.errors
    assert page.html.select_one(f"a[href$='/{review.id}/delays/new']") is not None
    db.session.refresh(review)
    assert review.planned_publication_on is None


def test_publishing_the_full_report(business_client, review, call):
    publish(call, business_client, review, planned_publication_on=date(2025, 7, 14),
            copies_sent_on=date(2025, 7, 2), ofsted_copy_sent_on=date(2025, 7, 3),
            publish_type="full", published_on=date(2025, 7, 14),
            published_url="https://www.northshire.example/cspr/child-p.pdf")

    db.session.refresh(review)
    assert review.stage == "published"
    page = call(business_client, "reviews.incident", incident_id=review.id)
    summary = page.text("#publication-summary")
    assert "Due by 3 July 2025, sent 2 July 2025" in summary and "Met on time" in summary
    assert "Sent 3 July 2025" in summary  # Ofsted
    assert "The full report" in summary
    assert "14 July 2025" in summary
    assert "14 July 2026" in summary  # publicly available at least until
    link = page.html.select_one("#publication-summary a[href^='https://']")
    assert link["href"] == "https://www.northshire.example/cspr/child-p.pdf"
    assert "Met on time" in page.text("#deadline-cspr_publication")


def test_information_about_improvements_only_needs_the_justification_and_its_date(
        business_client, review, call):
    page = publish(call, business_client, review, status=400, publish_type="improvements")
    assert ("Enter the justification sent to the Panel and the Secretary of State for "
            "publishing information about improvements only") in page.errors
    assert "Enter the date the justification was sent to the Panel and the Secretary of State" \
        in page.errors

    publish(call, business_client, review, publish_type="improvements",
            publish_justification="Publishing the full report would identify the siblings",
            justification_sent_on=date(2025, 6, 30))

    summary = call(business_client, "reviews.incident", incident_id=review.id
                   ).text("#publication-summary")
    assert ("Information about improvements only: justification sent to the Panel and the "
            "Secretary of State on 30 June 2025") in summary


@pytest.mark.parametrize("answers, message", [
    ({"published_on": date(2025, 7, 14), "publish_type": "full",
      "published_url": "http://www.northshire.example/report"},
     "Enter a web address that starts with https://, such as "
     "https://www.example.gov.uk/reviews/report.pdf"),
    ({"published_on": date(2025, 7, 14), "publish_type": "full",
      "published_url": "https://not a url"},
     "Enter a web address that starts with https://, such as "
     "https://www.example.gov.uk/reviews/report.pdf"),
    ({"published_on": date(2025, 7, 14), "publish_type": "full"},
     "Enter the web address where it is published"),
    ({"published_on": date(2025, 7, 14), "published_url": "https://www.example.org/r"},
     "Select what was published"),
    ({"published_url": "https://www.example.org/r", "publish_type": "full"},
     "Enter the publication date"),
    ({"published_on": date(2025, 9, 2), "publish_type": "full",
      "published_url": "https://www.example.org/r"},
     "Publication date must be today or in the past"),
    ({"copies_sent_on": date(2025, 1, 19)},
     "Date the copies were sent must be the same as or after the date of the decision"),
    ({"planned_publication_on": date(2025, 1, 10)},
     "Planned publication date must be the same as or after the date of the decision"),
    ({"planned_publication_on": ["14", "13", "2025"]},
     "Planned publication date must be a real date"),
    ({"publish_type": "secret"},
     "Select the full report or information about improvements only"),
])
def test_bad_publication_answers_are_refused(business_client, review, call, answers,
                                             message):
    page = publish(call, business_client, review, status=400, **answers)

    assert message in page.errors
    stored = db.session.get(SeriousIncident, review.id)
    assert (stored.published_on, stored.published_url, stored.stage) == (None, None, "review")


def test_a_stale_publication_save_is_refused(business_client, review, call):
    page = call(business_client, "reviews.publication", incident_id=review.id, status=409,
                data={"version": "0", "planned_publication_on": day(date(2025, 7, 1))})

    assert page.errors[0].startswith("Someone else changed this incident")


def test_no_publication_without_a_review(business_client, partnership, auditor_client,
                                         review, call):
    undecided = make_incident(partnership, decision="none", decision_on=DECIDED)
    call(business_client, "reviews.publication", incident_id=undecided.id, status=404)
    call(business_client, "reviews.new_delay", incident_id=undecided.id, status=404)
    call(auditor_client, "reviews.publication", incident_id=review.id, status=403)
    assert call(auditor_client, "reviews.incident", incident_id=review.id
                ).html.select("#publication-links") == []
