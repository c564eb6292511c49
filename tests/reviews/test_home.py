"""The business unit's home page: overdue and due-soon practice review deadlines (a delayed
review with its reason), overdue actions and open reviews by stage, in a fixed number of
queries."""

from datetime import date

import pytest
import sqlalchemy as sa

from reviews.models import PublicationDelay, Recommendation, ReviewAction
from tests.reviews.factories import make_incident
from tracker.extensions import db

TODAY = date(2025, 1, 10)


@pytest.fixture(autouse=True)
def _today(clock):
    """The home page's today is fixed: Friday 10 January 2025."""
    clock.set(TODAY)


def _action(incident, due_on, completed_on=None, description="Audit weekend handovers"):
    recommendation = Recommendation(incident_id=incident.id,
                                    partnership_id=incident.partnership_id, number=1,
                                    text="Improve information sharing")
    db.session.add(recommendation)
    db.session.flush()
    db.session.add(ReviewAction(incident_id=incident.id, partnership_id=incident.partnership_id,
                                recommendation_id=recommendation.id, description=description,
                                agency="Police", lead="Head of safeguarding", due_on=due_on,
                                completed_on=completed_on,
                                status="complete" if completed_on else "in_progress"))
    db.session.commit()


def test_the_panel_lists_overdue_and_due_soon_deadlines_and_overdue_actions(
        business_client, partnership, other_partnership, call):
    late = make_incident(partnership, reference="CSPR-NSP-2024-0001",
                         la_aware_on=date(2024, 12, 23))
    soon = make_incident(partnership, reference="CSPR-NSP-2025-0001",
                         incident_date=date(2025, 1, 6), la_aware_on=date(2025, 1, 8))
    make_incident(other_partnership, reference="CSPR-SVP-2024-0001",
                  la_aware_on=date(2024, 12, 23))
    published = make_incident(partnership, reference="CSPR-NSP-2023-0001",
                              la_aware_on=date(2023, 1, 2), panel_notified_on=date(2023, 1, 3),
                              partners_notified_on=date(2023, 1, 3),
                              rapid_review_sent_on=date(2023, 1, 10))
    _action(published, date(2024, 12, 1))
    _action(published, date(2024, 11, 1), completed_on=date(2024, 11, 5),
            description="Already done")
    _action(published, date(2025, 3, 1), description="Not due yet")

    page = call(business_client, "main.home")

    overdue = page.text("#deadlines-overdue-table")
    assert "CSPR-NSP-2024-0001" in overdue and "CSPR-SVP" not in overdue
    assert "Notify the Child Safeguarding Practice Review Panel" in overdue
    assert late.reference not in page.text("#deadlines-due-soon-table")
    assert soon.reference in page.text("#deadlines-due-soon-table")
    actions = page.text("#reviews-overdue-actions-table")
    assert "Audit weekend handovers" in actions and "1 December 2024" in actions
    assert "Already done" not in actions and "Not due yet" not in actions


def test_overdue_actions_of_several_partnerships_come_oldest_first_and_all_counted(
        business_client, partnership, other_partnership, call):
    """Each partnership's overdue actions are read apart (in index order) and merged: the
    ten shown are the oldest of both, in order, and the count is of both."""
    business_client.user.partnerships.append(other_partnership)
    db.session.commit()
    ours = make_incident(partnership, reference="CSPR-NSP-2023-0001",
                         la_aware_on=date(2023, 1, 2))
    theirs = make_incident(other_partnership, reference="CSPR-SVP-2023-0001",
                           la_aware_on=date(2023, 1, 2))
    # Twelve overdue, alternating between the partnerships, each a day older than the next.
    for day in range(1, 13):
        _action(ours if day % 2 else theirs, date(2024, 12, day), description=f"Action {day}")
    _action(theirs, date(2024, 11, 1), completed_on=date(2024, 11, 5), description="Done")

    page = call(business_client, "main.home")

    rows = page.html.select("#reviews-overdue-actions-table tbody tr")
    assert [row.select("td")[1].get_text(strip=True) for row in rows] == [
        f"Action {day}" for day in range(1, 11)]
    assert [row.select_one("a").get_text(strip=True) for row in rows[:2]] == [
        "CSPR-NSP-2023-0001", "CSPR-SVP-2023-0001"]
    assert "Showing the first 10 of 12." in page.text()


def test_a_delayed_review_shows_its_reason_on_the_home_page(business_client, partnership,
                                                            call):
    incident = make_incident(partnership, la_aware_on=date(2024, 1, 2),
                             panel_notified_on=date(2024, 1, 3),
                             partners_notified_on=date(2024, 1, 3),
                             rapid_review_sent_on=date(2024, 1, 10), decision="local",
                             decision_on=date(2024, 2, 1))
    db.session.add(PublicationDelay(incident_id=incident.id, partnership_id=partnership.id,
                                    reason="prosecution", revised_on=date(2025, 6, 1),
                                    recorded_on=date(2024, 7, 1)))
    db.session.commit()

    row = call(business_client, "main.home").text("#deadlines-overdue-table tbody tr")

    assert "Overdue" in row and "Publication delayed: Future prosecution" in row


def test_nothing_to_do_says_so(business_client, call):
    page = call(business_client, "main.home")

    assert "No deadline is overdue." in page.text()
    assert "No action of a practice review is overdue." in page.text()


def test_other_roles_do_not_get_the_panel(cdop_client, auditor_client, call):
    for client in (cdop_client, auditor_client):
        assert call(client, "main.home").html.select_one("#reviews-waiting") is None


def test_the_cdop_administrator_sees_no_practice_review_deadline(cdop_client, partnership,
                                                                 call):
    incident = make_incident(partnership, la_aware_on=date(2024, 12, 23))

    page = call(cdop_client, "main.home")

    assert incident.reference not in page.text()
    assert page.html.select_one("#reviews-figures") is None


def test_open_reviews_are_counted_by_stage(business_client, partnership, other_partnership,
                                           call):
    make_incident(partnership, la_aware_on=date(2024, 12, 23))
    make_incident(partnership, la_aware_on=date(2024, 12, 30))
    make_incident(other_partnership, la_aware_on=date(2024, 12, 23))

    figures = call(business_client, "main.home").html.select(
        "#reviews-figures-list .govuk-summary-list__row")

    counts = {row.dt.get_text(strip=True): row.dd.get_text(strip=True) for row in figures}
    assert counts["Notified"] == "2"
    assert counts["Published"] == "0"
    assert "Complete" not in counts and "No review" not in counts


def _queries(client, call):
    counter = {"n": 0}

    def count(*args, **kwargs):
        counter["n"] += 1

    sa.event.listen(db.engine, "before_cursor_execute", count)
    try:
        call(client, "main.home")
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", count)
    return counter["n"]


def test_the_panel_issues_a_fixed_number_of_queries(business_client, partnership, call):
    def add(count):
        for _ in range(count):
            incident = make_incident(partnership, la_aware_on=date(2024, 12, 23))
            _action(incident, date(2024, 12, 1))

    add(3)
    few = _queries(business_client, call)
    add(27)
    assert _queries(business_client, call) == few
