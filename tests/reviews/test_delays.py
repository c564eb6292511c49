"""Delays to publication through the form: the reason, the date the Panel and the Secretary
of State were told and the revised date (which becomes the planned date, the previous one
kept); a delayed review shows its reason beside the overdue tag; the slippage once
published; each bad input refused."""

from datetime import date

import pytest

from reviews.models import PublicationDelay
from tests.reviews.factories import make_incident
from tracker.deadline_models import Deadline
from tracker.extensions import db

DECIDED = date(2025, 1, 20)  # six months: due by 20 July 2025


@pytest.fixture(autouse=True)
def _today(clock, days_pass):
    clock.set(date(2025, 6, 2))


def day(value: date) -> list[str]:
    return [str(value.day), str(value.month), str(value.year)]


@pytest.fixture
def review(partnership):
    return make_incident(partnership, decision="local", decision_on=DECIDED, stage="review",
                         planned_publication_on=date(2025, 7, 14))


def delay_answers(**changes):
    data = {"reason": "criminal_investigation", "detail": "",
            "told_panel_sos_on": day(date(2025, 5, 30)),
            "revised_on": day(date(2025, 12, 15))}
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def test_a_delayed_then_published_review(business_client, review, call, clock):
    call(business_client, "reviews.new_delay", incident_id=review.id, data=delay_answers(),
         status=302)

    db.session.refresh(review)
    assert review.planned_publication_on == date(2025, 12, 15)
    [delay] = db.session.scalars(db.select(PublicationDelay)).all()
    assert (delay.previous_planned_on, delay.recorded_on) == (date(2025, 7, 14),
                                                              date(2025, 6, 2))
    copies = db.session.scalar(db.select(Deadline.due_date).where(
        Deadline.owner_id == review.id, Deadline.rule_key == "cspr_prepublication_copies"))
    assert copies == date(2025, 12, 4)  # 7 working days before the revised date

    # Past the six months: overdue, with the reason beside the tag, never a bare red flag.
    clock.set(date(2025, 8, 1))
    page = call(business_client, "reviews.incident", incident_id=review.id)
    row = page.html.select_one("#deadline-cspr_publication")
    assert "Overdue" in row.select_one(".govuk-tag--red").get_text()
    assert "Delayed: Criminal investigation; revised date 15 December 2025" in \
        row.get_text(" ", strip=True)
    due_row = page.text("#publication-summary")
    assert "Overdue" in due_row and "Delayed: Criminal investigation" in due_row
    delays = page.text("#delay-table")
    assert "30 May 2025" in delays and "14 July 2025 to 15 December 2025" in delays

    clock.set(date(2026, 1, 5))
    db.session.refresh(review)
    call(business_client, "reviews.publication", incident_id=review.id, status=302, data={
        "version": str(review.version), "planned_publication_on": day(date(2025, 12, 15)),
        "copies_sent_on": day(date(2025, 12, 3)), "publish_type": "full",
        "published_on": day(date(2025, 12, 15)),
        "published_url": "https://www.northshire.example/cspr/child-p"})

    page = call(business_client, "reviews.incident", incident_id=review.id)
    assert ("Published 15 December 2025: 154 days after the first planned date, 14 July "
            "2025, for the reasons above.") in page.text("#slippage")
    row = page.text("#deadline-cspr_publication")
    assert "Met late" in row and "Criminal investigation" in row
    assert page.html.select_one(f"a[href$='/{review.id}/delays/new']") is None


def test_after_a_delay_the_planned_date_may_not_pass_the_revised_date_without_another(
        business_client, review, call):
    call(business_client, "reviews.new_delay", incident_id=review.id, data=delay_answers(),
         status=302)
    db.session.refresh(review)

    page = call(business_client, "reviews.publication", incident_id=review.id, status=400,
                data={"version": str(review.version),
                      "planned_publication_on": day(date(2026, 1, 5))})

    assert ("Planned publication date must be on or before 15 December 2025, the revised date "
            "of the last delay: record a further delay with its reason") in page.errors
    call(business_client, "reviews.new_delay", incident_id=review.id, status=302,
         data=delay_answers(reason="inquest", revised_on=day(date(2026, 3, 2))))
    db.session.refresh(review)
    assert review.planned_publication_on == date(2026, 3, 2)
    page = call(business_client, "reviews.incident", incident_id=review.id)
    assert "Delayed: Inquest; revised date 2 March 2026" in page.text("#publication-summary")


@pytest.mark.parametrize("changes, message", [
    ({"reason": None}, "Select why publication is delayed"),
    ({"reason": "weather"}, "Select why publication is delayed"),
    ({"reason": "other"}, "Enter what is delaying publication"),
    ({"told_panel_sos_on": None},
     "Enter the date the Panel and the Secretary of State were told"),
    ({"told_panel_sos_on": day(date(2025, 6, 3))},
     "Date the Panel and the Secretary of State were told must be today or in the past"),
    ({"told_panel_sos_on": day(date(2025, 1, 10))},
     "Date the Panel and the Secretary of State were told must be the same as or after the "
     "date of the decision"),
    ({"revised_on": None}, "Enter the revised publication date"),
    ({"revised_on": day(date(2025, 7, 14))},
     "Revised publication date must be after the planned date, 14 July 2025"),
])
def test_bad_delays_are_refused(business_client, review, call, changes, message):
    page = call(business_client, "reviews.new_delay", incident_id=review.id,
                data=delay_answers(**changes), status=400)

    assert message in page.errors
    assert db.session.scalar(db.select(db.func.count(PublicationDelay.id))) == 0
    db.session.refresh(review)
    assert review.planned_publication_on == date(2025, 7, 14)


def test_another_reason_is_recorded_with_its_detail(business_client, review, call):
    call(business_client, "reviews.new_delay", incident_id=review.id, status=302,
         data=delay_answers(reason="other", detail="Family asked for time after the trial"))

    page = call(business_client, "reviews.incident", incident_id=review.id)
    assert "Other: Family asked for time after the trial" in page.text("#delay-table")


def test_no_delay_once_published(business_client, partnership, call):
    published = make_incident(partnership, decision="local", decision_on=DECIDED,
                              stage="published", published_on=date(2025, 5, 1),
                              publish_type="full", published_url="https://example.org/r")

    page = call(business_client, "reviews.new_delay", incident_id=published.id,
                data=delay_answers(), status=400)

    assert ("The review was published on 1 May 2025: a delay can no longer be recorded"
            in page.errors)


def test_the_delay_table_says_how_the_planned_date_moved(business_client, partnership, call):
    planned = make_incident(partnership, decision="local", decision_on=DECIDED, stage="review",
                            planned_publication_on=date(2025, 7, 14))
    unplanned = make_incident(partnership, decision="local", decision_on=DECIDED,
                              stage="review")
    for incident in (planned, unplanned):
        call(business_client, "reviews.new_delay", incident_id=incident.id,
             data=delay_answers(), status=302)

    def moved(incident):
        page = call(business_client, "reviews.incident", incident_id=incident.id)
        return page.html.select("#delay-table tbody td")[-1].get_text(" ", strip=True)

    assert moved(planned) == "Moved from 14 July 2025 to 15 December 2025"
    assert moved(unplanned) == "Set to 15 December 2025 (none was planned before)"
