"""The review page: the incident, its deadlines and timeline."""

from datetime import date

import pytest

from tests.reviews.factories import make_incident
from tracker import timeline
from tracker.audit import AuditEvent
from tracker.extensions import db

# The pages read the real today (the relative_dates CI step runs these on awkward days).
pytestmark = pytest.mark.relative_dates


def test_the_review_page_shows_the_panel_notification_deadline(business_client, partnership,
                                                               call):
    incident = make_incident(partnership, la_aware_on=date(2024, 12, 21))

    page = call(business_client, "reviews.incident", incident_id=incident.id)

    assert incident.reference in page.text("h1")
    row = page.text("#deadline-panel_notification")
    assert "Notify the Child Safeguarding Practice Review Panel" in row
    assert "31 December 2024" in row  # Saturday awareness: counts as the Friday before


def test_the_real_name_only_for_users_who_may_see_it(business_client, partnership, call):
    incident = make_incident(partnership, child_name="Invented Person")

    assert "Invented Person" in call(business_client, "reviews.incident",
                                     incident_id=incident.id).text("#incident + dl")


def test_viewing_writes_a_view_audit_row_and_other_partnerships_get_404(
    business_client, partnership, other_partnership, call
):
    ours, theirs = make_incident(partnership), make_incident(other_partnership)
    call(business_client, "reviews.incident", incident_id=ours.id)
    call(business_client, "reviews.incident", incident_id=theirs.id, status=404)

    views = db.session.scalars(db.select(AuditEvent.object_id).where(
        AuditEvent.action == "view", AuditEvent.object_type == "SeriousIncident")).all()
    assert views == [str(ours.id)]


def test_the_timeline_shows_what_was_recorded(business_client, partnership, call):
    incident = make_incident(partnership)
    timeline.add(incident, "note", "Panel notified", happened_on=date(2024, 12, 27))
    db.session.commit()

    assert "Panel notified" in call(business_client, "reviews.incident",
                                    incident_id=incident.id).text("#timeline + ol")


def test_the_task_list_shows_each_stage_of_the_incident_and_its_review(business_client,
                                                                       partnership, call):
    incident = make_incident(partnership, panel_notified_on=date(2024, 12, 27),
                             partners_notified_on=date(2024, 12, 27),
                             rapid_review_sent_on=date(2025, 1, 10), decision="local",
                             decision_on=date(2025, 1, 20))

    items = call(business_client, "reviews.incident",
                 incident_id=incident.id).html.select(".govuk-task-list__item")
    statuses = {item.select_one(".govuk-task-list__name-and-hint").get_text(strip=True):
                item.select_one(".govuk-tag").get_text(strip=True) for item in items}

    assert statuses == {
        "Notify the Panel and the safeguarding partners": "Completed",
        "Rapid review": "Completed",
        "Decision on a review": "Completed",
        "Tell the Panel, Ofsted and the Department for Education of the decision":
            "Not yet started",
        "Review": "In progress",
        "Publication": "Not yet started",
        "Record why the report will not be published in full": "Not yet started",
        "Recommendations and actions": "Not yet started",
    }


def test_no_review_marks_the_review_stages_not_needed(business_client, partnership, call):
    incident = make_incident(partnership, decision="none", decision_on=date(2025, 1, 20))
    tags = [tag.get_text(strip=True) for tag in call(
        business_client, "reviews.incident", incident_id=incident.id).html.select(
        ".govuk-task-list .govuk-tag")]
    assert tags[-3:] == ["Not needed"] * 3
