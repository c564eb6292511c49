"""Recommendations and actions through the forms: numbered recommendations, actions with an
owning agency, named lead, due date, status and evidence, dated progress updates, the
complete count on the review page, and the overdue actions list across reviews (oldest due
first, scoped, paginated, a fixed number of queries)."""

from datetime import date

import pytest
import sqlalchemy as sa

from reviews.models import ActionUpdate, Recommendation, ReviewAction
from tests.reviews.factories import make_incident
from tracker.extensions import db

TODAY = date(2025, 10, 1)


@pytest.fixture(autouse=True)
def _today(clock):
    clock.set(TODAY)


def day(value: date) -> list[str]:
    return [str(value.day), str(value.month), str(value.year)]


@pytest.fixture
def review(partnership):
    return make_incident(partnership, decision="local", decision_on=date(2025, 1, 20),
                         stage="published", publish_type="full",
                         published_on=date(2025, 7, 14), published_url="https://example.org/r")


def action_answers(**changes):
    data = {"description": "Audit multi-agency referrals", "agency": "Children's services",
            "lead": "Sam Lead", "due_on": day(date(2025, 12, 1)), "status": "not_started",
            "evidence": "", "completed_on": None}
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def add_recommendation(call, client, incident, number, text):
    call(client, "reviews.recommendations", incident_id=incident.id, status=302,
         data={"number": str(number), "text": text})
    return db.session.scalar(sa.select(Recommendation).where(Recommendation.number == number))


def add_action(call, client, incident, recommendation, **changes):
    call(client, "reviews.new_review_action", incident_id=incident.id,
         recommendation_id=recommendation.id, data=action_answers(**changes), status=302)
    return db.session.scalars(sa.select(ReviewAction).order_by(ReviewAction.id.desc())).first()


def test_a_review_walks_its_actions_to_completion(business_client, review, call):
    first = add_recommendation(call, business_client, review, 1, "Share referrals sooner")
    second = add_recommendation(call, business_client, review, 2, "Train on neglect")
    audit = add_action(call, business_client, review, first)
    training = add_action(call, business_client, review, second, agency="Health",
                          lead="Jo Trainer", description="Run neglect training")

    page = call(business_client, "reviews.incident", incident_id=review.id)
    assert "0 of 2 recommendations complete" in page.text("#recommendations-complete")
    db.session.refresh(review)
    assert review.stage == "actions"

    call(business_client, "reviews.review_action_updates", incident_id=review.id,
         review_action_id=audit.id, status=302,
         data={"update_on": day(date(2025, 9, 15)), "update_text": "Half the files audited"})
    call(business_client, "reviews.review_action", incident_id=review.id,
         review_action_id=audit.id, status=302,
         data=action_answers(status="complete", evidence="Audit report to the board",
                             completed_on=day(date(2025, 9, 30))))

    page = call(business_client, "reviews.incident", incident_id=review.id)
    assert "1 of 2 recommendations complete" in page.text("#recommendations-complete")
    card = page.text("#recommendation-1")
    assert "Complete" in card and "30 September 2025: Audit report to the board" in card
    assert "Latest update 15 September 2025: Half the files audited" in card
    assert "Sam Lead" in card and "Children's services" in card

    call(business_client, "reviews.review_action", incident_id=review.id,
         review_action_id=training.id, status=302,
         data=action_answers(agency="Health", lead="Jo Trainer",
                             description="Run neglect training", status="complete",
                             evidence="Attendance lists", completed_on=day(date(2025, 10, 1))))

    page = call(business_client, "reviews.incident", incident_id=review.id)
    assert "2 of 2 recommendations complete" in page.text("#recommendations-complete")
    db.session.refresh(review)
    assert review.stage == "complete"
    assert "Action for Health completed" in page.text("#timeline + ol")


@pytest.mark.parametrize("changes, message", [
    ({"status": "complete", "completed_on": day(date(2025, 9, 1))},
     "Enter the evidence that the action is complete"),
    ({"status": "complete", "evidence": "Report"}, "Enter the date the action was completed"),
    ({"status": "in_progress", "completed_on": day(date(2025, 9, 1))},
     "Select complete, or remove the completion date"),
    ({"status": "complete", "evidence": "Report", "completed_on": day(date(2025, 10, 2))},
     "Completion date must be today or in the past"),
    ({"description": " "}, "Enter the action"),
    ({"agency": ""}, "Enter the agency that owns the action"),
    ({"lead": ""}, "Enter the name of the lead for the action"),
    ({"due_on": None}, "Enter the due date"),
    ({"due_on": ["1", "", "2025"]}, "Due date must include a month"),
    ({"status": None}, "Select the status of the action"),
])
def test_bad_actions_are_refused(business_client, review, call, changes, message):
    first = add_recommendation(call, business_client, review, 1, "Share referrals sooner")

    page = call(business_client, "reviews.new_review_action", incident_id=review.id,
                recommendation_id=first.id, data=action_answers(**changes), status=400)

    assert message in page.errors
    assert db.session.scalar(sa.select(sa.func.count(ReviewAction.id))) == 0


@pytest.mark.parametrize("data, message", [
    ({"number": "1", "text": "Again"}, "Recommendation 1 already exists: enter another number"),
    ({"number": "one", "text": "x"}, "Recommendation number must be a whole number, like 3"),
    ({"number": "0", "text": "x"}, "Recommendation number must be between 1 and 999"),
    ({"number": "", "text": "x"}, "Enter the recommendation number"),
    ({"number": "2", "text": " "}, "Enter the recommendation"),
])
def test_bad_recommendations_are_refused(business_client, review, call, data, message):
    add_recommendation(call, business_client, review, 1, "Share referrals sooner")

    page = call(business_client, "reviews.recommendations", incident_id=review.id,
                data=data, status=400)

    assert message in page.errors
    assert db.session.scalar(sa.select(sa.func.count(Recommendation.id))) == 1


@pytest.mark.parametrize("data, message", [
    ({"update_on": day(date(2025, 10, 2)), "update_text": "Soon"},
     "Date of the update must be today or in the past"),
    ({"update_text": "No date"}, "Enter the date of the update"),
    ({"update_on": day(date(2025, 9, 2)), "update_text": ""}, "Enter the progress update"),
])
def test_bad_progress_updates_are_refused(business_client, review, call, data, message):
    first = add_recommendation(call, business_client, review, 1, "Share referrals sooner")
    action = add_action(call, business_client, review, first)

    page = call(business_client, "reviews.review_action_updates", incident_id=review.id,
                review_action_id=action.id, data=data, status=400,
                form_page=("reviews.review_action",
                           {"incident_id": review.id, "review_action_id": action.id}))

    assert message in page.errors
    assert db.session.scalar(sa.select(sa.func.count(ActionUpdate.id))) == 0


def _action(incident, due_on, *, completed_on=None, agency="Police", lead="A Lead"):
    recommendation = Recommendation(partnership_id=incident.partnership_id,
                                    incident_id=incident.id, number=1, text="Do better")
    db.session.add(recommendation)
    db.session.flush()
    action = ReviewAction(partnership_id=incident.partnership_id, incident_id=incident.id,
                          recommendation_id=recommendation.id, description="Act",
                          agency=agency, lead=lead, due_on=due_on,
                          status="complete" if completed_on else "in_progress",
                          evidence="Done" if completed_on else None, completed_on=completed_on)
    db.session.add(action)
    db.session.commit()
    return action


def test_overdue_actions_across_reviews_oldest_first_and_only_ours(
        business_client, partnership, other_partnership, call):
    newer, older = (make_incident(partnership, decision="local", decision_on=date(2025, 1, 2))
                    for _ in range(2))
    late = _action(newer, date(2025, 9, 1), agency="Health", lead="Dr Late")
    oldest = _action(older, date(2025, 6, 30), agency="Police", lead="DI Old")
    _action(older, date(2025, 10, 2))  # not yet due
    _action(newer, date(2025, 5, 1), completed_on=date(2025, 9, 1))  # complete
    _action(make_incident(other_partnership, decision="local", decision_on=date(2025, 1, 2)),
            date(2025, 5, 1))  # another partnership's

    page = call(business_client, "reviews.overdue_actions")

    rows = page.html.select("#overdue-actions tbody tr")
    assert [row["id"] for row in rows] == [f"overdue-action-{oldest.id}",
                                           f"overdue-action-{late.id}"]
    first = rows[0].get_text(" ", strip=True)
    assert older.reference in first and "Police" in first and "DI Old" in first
    assert "30 June 2025" in first and first.endswith("93")
    assert rows[1].get_text(" ", strip=True).endswith("30")


def test_the_overdue_list_pages_and_costs_the_same_queries_whatever_its_length(
        app, business_client, partnership, call):
    app.config["PAGE_SIZE"] = 2

    def queries_for_list():
        statements = []

        def count(*_args):
            statements.append(1)

        sa.event.listen(db.engine, "before_cursor_execute", count)
        try:
            call(business_client, "reviews.overdue_actions")
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", count)
        return len(statements)

    incident = make_incident(partnership, decision="local", decision_on=date(2025, 1, 2))
    _action(incident, date(2025, 8, 1))
    few = queries_for_list()
    for month in range(2, 8):
        _action(make_incident(partnership, decision="local", decision_on=date(2025, 1, 2)),
                date(2025, month, 1))
    many = queries_for_list()

    assert few == many
    page = call(business_client, "reviews.overdue_actions", page=2)
    assert "7 actions are past the due date" in page.text("main")
    assert len(page.html.select("#overdue-actions tbody tr")) == 2
    assert page.html.select_one(".govuk-pagination") is not None


def test_the_review_page_links_the_lists_and_only_editors_may_change_actions(
        auditor_client, review, call):
    page = call(auditor_client, "reviews.incident", incident_id=review.id)
    assert page.html.select_one("#other-lists a[href$='/overdue-actions']") is not None
    assert page.html.select("a[href$='/recommendations']") == []
    call(auditor_client, "reviews.recommendations", incident_id=review.id, status=403)
    call(auditor_client, "reviews.overdue_actions")


def test_the_review_page_costs_the_same_queries_however_much_the_review_holds(
        business_client, review, call):
    from reviews.models import InformationRequest, PublicationDelay, Reviewer, ReviewRequest
    from tracker.agencies import DirectoryAgency

    agency = DirectoryAgency(partnership_id=review.partnership_id, name="Hill Surgery",
                             name_key="hill surgery", kind="gp")
    db.session.add(agency)
    db.session.commit()

    def queries_for_page():
        statements = []

        def count(*_args):
            statements.append(1)

        sa.event.listen(db.engine, "before_cursor_execute", count)
        try:
            call(business_client, "reviews.incident", incident_id=review.id)
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", count)
        return len(statements)

    def add_one_of_each(n):
        action = _action(review, date(2025, 8, n))
        db.session.add_all([
            Reviewer(partnership_id=review.partnership_id, incident_id=review.id,
                     name=f"Reviewer {n}"),
            ReviewRequest(partnership_id=review.partnership_id, incident_id=review.id,
                          agency=f"Agency {n}", sent_on=date(2025, 2, n)),
            InformationRequest(partnership_id=review.partnership_id, incident_id=review.id,
                               agency_id=agency.id, stage="local_review", asked="Records",
                               due_on=date(2025, 3, n)),
            PublicationDelay(partnership_id=review.partnership_id, incident_id=review.id,
                             reason="inquest", revised_on=date(2025, 7, n),
                             recorded_on=date(2025, 6, n)),
            ActionUpdate(partnership_id=review.partnership_id, action_id=action.id,
                         update_on=date(2025, 9, n), text="Progress"),
        ])
        db.session.commit()

    add_one_of_each(1)
    few = queries_for_page()
    for n in range(2, 6):
        add_one_of_each(n)
    many = queries_for_page()

    assert few == many
    page = call(business_client, "reviews.incident", incident_id=review.id)
    assert len(page.html.select("#reviewer-summary tbody tr")) == 5
    assert len(page.html.select("#delay-table tbody tr")) == 5
    # Both kinds of request for information, in the one list.
    assert len(page.html.select("#information-requests tbody tr")) == 10
