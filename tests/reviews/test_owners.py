"""Who is reminded in practice reviews: the account to remind on an action (added and
changed), and the case owner, both chosen through the web forms with CSRF."""

from datetime import date

import pytest
import sqlalchemy as sa

from reviews.models import ReviewAction, SeriousIncident
from tests.factories import make_user
from tests.reviews.factories import make_incident
from tests.reviews.test_actions import action_answers, add_action, add_recommendation
from tracker.extensions import db
from tracker.reminders.passes import run_pass
from tracker.roles import Role

TODAY = date(2025, 10, 1)
ACTION_STEP = "Action for the review's recommendations"


@pytest.fixture(autouse=True)
def _today(clock):
    clock.set(TODAY)


@pytest.fixture
def review(partnership, business_client):
    return make_incident(partnership, decision="local", decision_on=date(2025, 1, 20),
                         stage="published", publish_type="full",
                         published_on=date(2025, 7, 14), published_url="https://example.org/r",
                         owner_id=business_client.user.id)


@pytest.fixture
def accounts(partnership, other_partnership):
    return {
        "colleague": make_user(Role.BUSINESS_UNIT, [partnership], full_name="Col League"),
        "auditor": make_user(Role.AUDITOR, [partnership], full_name="Aud Itor"),
        "cdop": make_user(Role.CDOP_ADMIN, [partnership], full_name="Cee Dop"),
        "outsider": make_user(Role.BUSINESS_UNIT, [other_partnership], full_name="Out Sider"),
        "inactive": make_user(Role.BUSINESS_UNIT, [partnership], full_name="Gone Away",
                              active=False),
    }


def _options(page, name):
    return {option.get_text(strip=True).split(" (")[0]: option["value"]
            for option in page.html.select(f"select[name={name}] option")}


def _reminded(today=TODAY):
    return {line["recipient_id"] for line in run_pass(today, send=False).claimed
            if line["step"].startswith(ACTION_STEP)}


# --- The account to remind about an action ---------------------------------------------------


def test_an_action_reminds_the_chosen_account_and_can_be_changed(
        business_client, review, accounts, call):
    recommendation = add_recommendation(call, business_client, review, 1, "Share referrals")
    form = call(business_client, "reviews.new_review_action", incident_id=review.id,
                recommendation_id=recommendation.id)
    # Not the read-only auditor: a reminder asks its reader to act.
    assert set(_options(form, "owner_user_id")) == {
        "The case owner", business_client.user.full_name, "Col League"}

    action = add_action(call, business_client, review, recommendation,
                        owner_user_id=str(accounts["colleague"].id),
                        due_on=["1", "10", "2025"])

    assert action.owner_user_id == accounts["colleague"].id
    page = call(business_client, "reviews.incident", incident_id=review.id)
    assert "Reminders to Col League" in page.text(f"#action-{action.id}")
    assert _reminded() == {accounts["colleague"].id}

    call(business_client, "reviews.review_action", incident_id=review.id,
         review_action_id=action.id, status=302,
         data=action_answers(owner_user_id="", due_on=["1", "10", "2025"]))

    assert db.session.get(ReviewAction, action.id).owner_user_id is None
    page = call(business_client, "reviews.incident", incident_id=review.id)
    assert "Reminders to" not in page.text(f"#action-{action.id}")


def test_the_edit_form_shows_the_account_reminded(business_client, review, accounts, call):
    recommendation = add_recommendation(call, business_client, review, 1, "Share referrals")
    action = add_action(call, business_client, review, recommendation,
                        owner_user_id=str(accounts["colleague"].id))

    form = call(business_client, "reviews.review_action", incident_id=review.id,
                review_action_id=action.id)

    chosen = form.html.select_one("select[name=owner_user_id] option[selected]")
    assert chosen["value"] == str(accounts["colleague"].id)


@pytest.mark.parametrize("who", ["outsider", "cdop", "inactive"])
def test_an_account_that_may_not_see_reviews_is_refused(business_client, review, accounts,
                                                        call, who):
    recommendation = add_recommendation(call, business_client, review, 1, "Share referrals")

    page = call(business_client, "reviews.new_review_action", incident_id=review.id,
                recommendation_id=recommendation.id, status=400,
                data=action_answers(owner_user_id=str(accounts[who].id)))

    assert page.errors == ["Select an account from the list"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ReviewAction)) == 0


# --- The case owner ------------------------------------------------------------------------


def _set_owner(call, client, incident, user_id, status=302, version=None):
    if version is None:
        db.session.refresh(incident)
        version = incident.version
    return call(client, "reviews.incident_owner", incident_id=incident.id, status=status,
                data={"owner": str(user_id), "version": version})


def test_the_review_page_shows_the_owner_and_the_owner_can_be_changed(
        business_client, review, accounts, call):
    page = call(business_client, "reviews.incident", incident_id=review.id)
    owner = business_client.user.full_name
    assert page.text("#case-owner") == f"Case owner {owner} Change case owner"
    form = call(business_client, "reviews.incident_owner", incident_id=review.id)
    assert set(_options(form, "owner")) == {owner, "Col League"}

    _set_owner(call, business_client, review, accounts["colleague"].id)

    page = call(business_client, "reviews.incident", incident_id=review.id)
    assert page.text("#case-owner").startswith("Case owner Col League")
    assert "Case owner: Col League" in page.text()
    assert db.session.get(SeriousIncident, review.id).owner_id == accounts["colleague"].id


@pytest.mark.parametrize("who", ["outsider", "auditor", "cdop", "inactive"])
def test_an_owner_without_the_right_to_edit_reviews_is_refused(business_client, review,
                                                               accounts, call, who):
    page = _set_owner(call, business_client, review, accounts[who].id, status=400)

    assert page.errors == ["Select an account from the list"]
    assert db.session.get(SeriousIncident, review.id).owner_id == business_client.user.id


def test_a_stale_owner_change_is_refused(business_client, review, accounts, call):
    db.session.refresh(review)
    opened_at = review.version
    _set_owner(call, business_client, review, accounts["colleague"].id)

    page = _set_owner(call, business_client, review, business_client.user.id, status=409,
                      version=opened_at)

    assert page.errors[0].startswith(f"{business_client.user.full_name} changed this "
                                     "incident (Case owner) on ")
    assert db.session.get(SeriousIncident, review.id).owner_id == accounts["colleague"].id


def test_the_owner_form_needs_a_csrf_token_and_the_edit_permission(
        business_client, auditor_client, review, accounts, call):
    response = business_client.post(f"/practice-reviews/{review.id}/owner",
                                    data={"owner": str(accounts["colleague"].id),
                                          "version": review.version})
    assert response.status_code == 400
    assert db.session.get(SeriousIncident, review.id).owner_id == business_client.user.id
    call(auditor_client, "reviews.incident_owner", incident_id=review.id, status=403)
    page = call(auditor_client, "reviews.incident", incident_id=review.id)
    assert "Change" not in page.text("#case-owner")
