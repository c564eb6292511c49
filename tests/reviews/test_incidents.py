"""Recording a serious incident through the web form: the child by a pseudonym, the dates
that start the clocks, references, refusals, the real name apart, and the review page."""

from datetime import date

import pytest

from reviews.models import IncidentChild, SeriousIncident
from tests.cdr.factories import make_case
from tests.conftest import sign_in
from tests.factories import make_partnership, make_user
from tests.reviews.factories import make_incident
from tracker.deadline_models import Deadline
from tracker.extensions import db
from tracker.roles import Role
from tracker.timeline import TimelineEntry

TODAY = date(2025, 1, 10)


@pytest.fixture(autouse=True)
def _today(clock):
    """The pages' today is fixed: Friday 10 January 2025."""
    clock.set(TODAY)


def day(value: date) -> list[str]:
    """A date as the three boxes of the GOV.UK date input post it."""
    return [str(value.day), str(value.month), str(value.year)]


def answers(**changes):
    """A complete, valid incident; `changes` replace or (None) remove answers."""
    data = {
        "child_reference": "Child P", "outcome": "harmed",
        "incident_date": day(date(2024, 12, 20)), "la_aware_on": day(date(2024, 12, 23)),
        "abuse_or_neglect": "yes", "location": "in_area", "looked_after": "no", "care_leaver": "no",
        "cp_plan": "recently_removed", "other_areas": "Southvale (placement)",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def incidents():
    return db.session.scalars(db.select(SeriousIncident).order_by(SeriousIncident.id)).all()


def test_recording_an_incident_opens_it_with_its_reference_and_panel_deadline(
        business_client, call):
    page = call(business_client, "reviews.new_incident", data=answers(), status=302)

    [incident] = incidents()
    assert incident.reference == "CSPR-NSP-2024-0001"
    assert incident.stage == "notified"
    assert (incident.child_reference, incident.child_died, incident.cp_plan) == \
        ("Child P", False, "recently_removed")
    review = call(business_client, "reviews.incident", incident_id=incident.id)
    assert page.response.headers["Location"].endswith(f"/practice-reviews/{incident.id}")
    assert "CSPR-NSP-2024-0001: Child P" in review.text("h1")
    # 23 December 2024 + 5 working days over Christmas: 2 January 2025.
    assert "2 January 2025" in review.text("#deadline-panel_notification")
    assert "2 January 2025" in review.text("#deadline-partners_notification")
    assert "Recently removed from a child protection plan" in review.text("#incident + dl")
    timeline = db.session.scalars(db.select(TimelineEntry.text)).all()
    assert timeline == ["Serious incident recorded: the child was seriously harmed"]


def test_references_count_on_within_the_year_of_awareness(business_client, call):
    call(business_client, "reviews.new_incident", data=answers(), status=302)
    call(business_client, "reviews.new_incident", data=answers(child_reference="Child Q"),
         status=302)
    call(business_client, "reviews.new_incident",
         data=answers(incident_date=day(date(2025, 1, 2)), la_aware_on=day(date(2025, 1, 3))),
         status=302)

    assert [i.reference for i in incidents()] == [
        "CSPR-NSP-2024-0001", "CSPR-NSP-2024-0002", "CSPR-NSP-2025-0001"]


def test_a_reference_already_stored_is_never_issued_again(business_client, partnership, call):
    make_incident(partnership, reference="CSPR-NSP-2024-0001")
    call(business_client, "reviews.new_incident", data=answers(), status=302)

    assert sorted(i.reference for i in incidents()) == ["CSPR-NSP-2024-0001",
                                                         "CSPR-NSP-2024-0002"]


def test_an_odd_reference_in_any_partnership_never_stops_new_incidents(
        business_client, partnership, other_partnership, call):
    """On PostgreSQL the next number was a CAST over every partnership's references."""
    make_incident(other_partnership, reference="CSPR-NSP-2024-X1")
    # Another child than the form's (the factory's pseudonyms run A to Z across the tests).
    make_incident(partnership, reference="CSPR-NSP-2024-0042/A", child_reference="Child Q")

    call(business_client, "reviews.new_incident", data=answers(), status=302)

    assert "CSPR-NSP-2024-0001" in {i.reference for i in incidents()}


def test_a_blank_child_reference_gets_a_pseudonym(business_client, call):
    call(business_client, "reviews.new_incident", data=answers(child_reference=""), status=302)

    [incident] = incidents()
    assert incident.child_reference.startswith("Child ")
    assert len(incident.child_reference) == len("Child X")


def test_the_real_name_is_kept_apart_and_shown_only_to_those_who_may_see_it(
        app, business_client, partnership, call):
    call(business_client, "reviews.new_incident",
         data=answers(child_name="Invented Testchild"), status=302)

    [incident] = incidents()
    [child] = db.session.scalars(db.select(IncidentChild)).all()
    assert child.full_name == "Invented Testchild" and child.incident_id == incident.id
    assert "Invented Testchild" not in " ".join(
        db.session.scalars(db.select(TimelineEntry.text)).all())
    assert "Invented Testchild" in call(business_client, "reviews.incident",
                                        incident_id=incident.id).text("#incident + dl")
    assert "Invented Testchild" not in call(business_client, "reviews.tracker").text()


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"la_aware_on": day(date(2024, 12, 19))}, "la_aware_on",
     "Date the local authority became aware must be the same as or after the incident date"),
    ({"incident_date": day(date(2025, 1, 11))}, "incident_date",
     "Incident date must be today or in the past"),
    ({"la_aware_on": day(date(2025, 1, 11))}, "la_aware_on",
     "Date the local authority became aware must be today or in the past"),
    ({"incident_date": None}, "incident_date", "Enter the incident date"),
    ({"la_aware_on": None}, "la_aware_on", "Enter the date the local authority became aware"),
    ({"la_aware_on": ["31", "2", "2024"]}, "la_aware_on",
     "Date the local authority became aware must be a real date"),
    ({"outcome": None}, "outcome", "Select whether the child died or was seriously harmed"),
    ({"outcome": "maybe"}, "outcome", "Select whether the child died or was seriously harmed"),
    ({"abuse_or_neglect": None}, "abuse_or_neglect",
     "Select whether abuse or neglect is known or suspected"),
    ({"location": "in_wales"}, "location", "Select where it happened"),
    ({"looked_after": None}, "looked_after", "Select whether the child was looked after"),
    ({"cp_plan": None}, "cp_plan",
     "Select whether the child was on a child protection plan"),
    ({"child_reference": "C" * 41}, "child_reference",
     "Reference for the child (optional) must be 40 characters or fewer"),
    ({"cdr_reference": "CDOP-NSP-2025-9999"}, "cdr_reference",
     "There is no child death case with this reference in your partnerships"),
])
def test_bad_answers_are_refused_with_a_clear_message_and_nothing_saved(
        business_client, call, changes, field, message):
    page = call(business_client, "reviews.new_incident", data=answers(**changes), status=400)

    assert message in page.errors
    assert page.html.select_one(f".govuk-error-summary a[href='#{field}']") is not None \
        or page.html.select_one(f".govuk-error-summary a[href='#{field}-day']") is not None
    assert incidents() == []
    assert db.session.scalar(db.select(db.func.count()).select_from(Deadline)) == 0


def test_a_child_death_case_is_linked_by_its_reference_in_the_users_partnerships_only(
        business_client, partnership, call):
    ours = make_case(partnership, abuse_or_neglect_suspected=True)
    theirs = make_case(make_partnership(code="ZZP"), abuse_or_neglect_suspected=True)

    refused = call(business_client, "reviews.new_incident", status=400, data=answers(
        outcome="died", cdr_reference=theirs.reference))
    assert "There is no child death case with this reference in your partnerships" in \
        refused.errors
    harmed = call(business_client, "reviews.new_incident", status=400, data=answers(
        cdr_reference=ours.reference.lower()))
    assert any("A child death case is linked" in error for error in harmed.errors)
    call(business_client, "reviews.new_incident", status=302, data=answers(
        outcome="died", cdr_reference=ours.reference.lower()))

    [incident] = incidents()
    assert incident.cdr_case_id == ours.id and incident.child_died


def test_from_a_child_death_case_the_form_carries_the_dates_over(business_client,
                                                                 partnership, call):
    case = make_case(partnership, abuse_or_neglect_suspected=True, looked_after=True,
                     date_of_death=date(2024, 12, 1), notification_received_on=date(2024, 12, 2))

    form = call(business_client, "reviews.new_incident", cdr_case=case.id)

    def value(name):
        return [box["value"] for box in form.html.select(f"input[name={name}]")]

    assert value("incident_date") == ["01", "12", "2024"]
    assert value("la_aware_on") == ["02", "12", "2024"]
    assert value("cdr_reference") == [case.reference]
    assert form.html.select_one("input[name=outcome][value=died]").has_attr("checked")
    assert form.html.select_one("input[name=looked_after][value=yes]").has_attr("checked")


def test_another_partnerships_child_death_case_is_not_carried_over(business_client, call):
    case = make_case(make_partnership(code="ZZP"), date_of_death=date(2024, 12, 1),
                     abuse_or_neglect_suspected=True)

    form = call(business_client, "reviews.new_incident", cdr_case=case.id, status=404)

    assert "1 December 2024" not in form.text()


def test_a_user_of_two_partnerships_chooses_which(app, partnership, call):
    other = make_partnership(code="SVP", name="Southvale Partnership")
    user = make_user(Role.BUSINESS_UNIT, [partnership, other])
    client = app.test_client()
    sign_in(client, user.email)

    call(client, "reviews.new_incident", data=answers(partnership=str(other.id)), status=302)

    [incident] = incidents()
    assert incident.partnership_id == other.id
    assert incident.reference == "CSPR-SVP-2024-0001"


@pytest.mark.parametrize("client_name", ["cdop_client", "auditor_client", "panel_client"])
def test_only_the_business_unit_may_record_an_incident(request, call, client_name):
    client = request.getfixturevalue(client_name)

    call(client, "reviews.new_incident", status=403)
