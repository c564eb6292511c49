"""A national review's timescales are the Panel's: they start at the Panel's decision (its
date on the decision form), are shown for information and labelled as the Panel's, and never
count in the partnership's compliance, remind it, or show as overdue."""

from datetime import date

import pytest

from reviews.models import SeriousIncident
from tests.reviews.factories import make_incident
from tracker import compliance, overdue_owners
from tracker.deadline_models import Deadline
from tracker.extensions import db
from tracker.reminders import sources

TODAY = date(2025, 9, 1)
NATIONAL = {"national_publication", "national_prepublication_copies", "national_public_until"}


@pytest.fixture(autouse=True)
def _today(clock):
    clock.set(TODAY)


def day(value: date) -> list[str]:
    return [str(value.day), str(value.month), str(value.year)]


def stored(incident_id):
    db.session.expire_all()
    return {row.rule_key: row for row in db.session.scalars(db.select(Deadline).where(
        Deadline.owner_type == "serious_incident", Deadline.owner_id == incident_id))}


@pytest.fixture
def decided(business_client, partnership, call):
    """Every notification and the rapid review done; the partners record on 3 February 2025
    that the Panel decided on 10 February to carry out a national review."""
    incident = make_incident(partnership, la_aware_on=date(2024, 12, 23),
                             panel_notified_on=date(2024, 12, 30),
                             partners_notified_on=date(2024, 12, 30),
                             rapid_review_sent_on=date(2025, 1, 20))
    call(business_client, "reviews.decision", incident_id=incident.id, status=302, data={
        "version": str(incident.version), "decision": "national",
        "decision_on": day(date(2025, 2, 3)), "panel_decision_on": day(date(2025, 2, 10)),
        "decision_rationale": "Issues of national importance.", "family_told": "no"})
    return db.session.get(SeriousIncident, incident.id)


def test_the_clocks_start_at_the_panels_decision_and_show_as_the_panels(
        decided, business_client, call):
    rows = stored(decided.id)
    assert decided.panel_decision_on == date(2025, 2, 10)
    assert rows["national_publication"].trigger_date == date(2025, 2, 10)
    assert rows["national_publication"].due_date == date(2025, 8, 10)

    page = call(business_client, "reviews.incident", incident_id=decided.id)
    row = page.text("#deadline-national_publication")
    assert "The Panel publishes the national" in row
    assert "The Panel's: for information" in row
    assert "Overdue" not in page.text("#deadline-table")


def test_the_panels_clocks_never_count_remind_or_show_as_overdue(decided, partnership, app):
    # Due on 10 August 2025 and not met by 1 September: overdue, were it the partnership's.
    assert stored(decided.id)["national_publication"].met_on is None

    year = compliance.Period(date(2025, 1, 1), date(2025, 12, 31))
    rows, _ = compliance.rule_compliance(partnership.id, year, ["serious_incident"], TODAY)
    assert not NATIONAL & {row.rule_key for row in rows}
    assert {"panel_notification", "rapid_review"} <= {row.rule_key for row in rows}

    reminded = db.session.execute(sources.deadline_rows(
        "serious_incident", date(2026, 12, 31), [partnership.id], lambda query: query)).all()
    assert not NATIONAL & {row.policy_key for row in reminded}
    assert not NATIONAL & set(sources.policy_keys(app))

    overdue = db.session.scalars(overdue_owners.overdue_owner_ids(
        "serious_incident", [partnership.id], TODAY)).all()
    assert decided.id not in overdue


def test_a_national_decision_needs_the_panels_date(business_client, partnership, call):
    incident = make_incident(partnership, rapid_review_sent_on=date(2025, 1, 20))
    page = call(business_client, "reviews.decision", incident_id=incident.id, status=400, data={
        "version": str(incident.version), "decision": "national",
        "decision_on": day(date(2025, 2, 3)), "decision_rationale": "National.",
        "family_told": "no"})
    assert "Enter the date the Panel decided to carry out a national review" in \
        page.text(".govuk-error-summary")
    assert not NATIONAL & set(stored(incident.id))


def test_once_the_panel_publishes_late_it_is_still_the_panels_not_met_late(
        decided, business_client, call):
    """Published after its due date (10 August 2025): the partnership did not miss it."""
    deadline = stored(decided.id)["national_publication"]
    deadline.met_on = date(2025, 8, 29)
    db.session.commit()

    row = call(business_client, "reviews.incident", incident_id=decided.id).text(
        "#deadline-national_publication")

    assert "The Panel's: for information" in row
    assert "late" not in row.lower()
