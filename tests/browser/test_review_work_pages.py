"""Every page of the local review, publication, recommendations and actions, and yearly
reports passes axe (WCAG 2.x A/AA), with records in it and with a refused form's errors."""

from datetime import date

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from reviews.models import (
    ActionUpdate,
    PublicationDelay,
    Recommendation,
    ReviewAction,
    Reviewer,
    ReviewRequest,
    YearlyReport,
)
from tests.browser import assert_no_axe_violations, assert_page_healthy
from tests.browser.conftest import PARTNERSHIP_CODE
from tests.reviews.factories import make_incident
from tracker.extensions import db
from tracker.models import Partnership
from tracker.roles import Role

pytestmark = pytest.mark.browser


def _review(live_server) -> dict:
    """A local review with one of everything; returns the ids the URLs need."""
    with live_server.app_context():
        partnership = db.session.scalar(
            sa.select(Partnership).where(Partnership.code == PARTNERSHIP_CODE))
        incident = make_incident(partnership, decision="local", decision_on=date(2025, 1, 20),
                                 stage="review", planned_publication_on=date(2025, 12, 15))
        scoped = {"partnership_id": partnership.id, "incident_id": incident.id}
        recommendation = Recommendation(**scoped, number=1, text="Share referrals sooner")
        reviewer = Reviewer(**scoped, name="Alex Reviewer", organisation="Independent")
        db.session.add_all([
            recommendation, reviewer,
            ReviewRequest(**scoped, agency="Police", sent_on=date(2025, 2, 3),
                          due_on=date(2025, 2, 17)),
            PublicationDelay(**scoped, reason="inquest", told_panel_sos_on=date(2025, 6, 1),
                             previous_planned_on=date(2025, 7, 14),
                             revised_on=date(2025, 12, 15), recorded_on=date(2025, 6, 2)),
            YearlyReport(partnership_id=partnership.id, published_on=date(2024, 9, 30),
                         url="https://example.org/yearly"),
        ])
        db.session.flush()
        action = ReviewAction(**scoped, recommendation_id=recommendation.id, agency="Health",
                              lead="Jo Lead", description="Train staff",
                              due_on=date(2025, 3, 1))
        db.session.add(action)
        db.session.flush()
        db.session.add(ActionUpdate(partnership_id=partnership.id, action_id=action.id,
                                    update_on=date(2025, 2, 20), text="Half trained"))
        db.session.commit()
        ids = {"incident": incident.id, "reviewer": reviewer.id,
               "recommendation": recommendation.id, "action": action.id}
        db.session.remove()
    return ids


def test_every_review_work_page_passes_axe(page, sign_in_as, live_server):
    ids = _review(live_server)
    sign_in_as(Role.BUSINESS_UNIT)
    base = f"/practice-reviews/{ids['incident']}"
    for path in ("", "/reviewers", f"/reviewers/{ids['reviewer']}", "/terms-of-reference",
                 "/requests", "/publication", "/delays/new", "/recommendations",
                 f"/recommendations/{ids['recommendation']}",
                 f"/recommendations/{ids['recommendation']}/actions/new",
                 f"/actions/{ids['action']}"):
        page.goto(base + path)
        assert_page_healthy(page)
        assert_no_axe_violations(page)
    for path in ("/practice-reviews/overdue-actions", "/practice-reviews/yearly-reports",
                 "/practice-reviews/yearly-reports/new"):
        page.goto(path)
        assert_page_healthy(page)
        assert_no_axe_violations(page)


def test_refused_forms_show_their_errors_accessibly(page, sign_in_as, live_server):
    ids = _review(live_server)
    sign_in_as(Role.BUSINESS_UNIT)
    base = f"/practice-reviews/{ids['incident']}"
    for path, button in (("/reviewers", "Add the reviewer"), ("/requests", "Add the request"),
                         ("/delays/new", "Record the delay"),
                         ("/recommendations", "Add the recommendation"),
                         (f"/actions/{ids['action']}", "Add the update"),
                         (f"/recommendations/{ids['recommendation']}/actions/new",
                          "Add the action")):
        page.goto(base + path)
        if path == "/recommendations":
            page.get_by_label("Recommendation number").fill("")
        page.get_by_role("button", name=button).click()
        expect(page.locator(".govuk-error-summary")).to_be_visible()
        assert_page_healthy(page)
        assert_no_axe_violations(page)
