"""The decision through the web form, and one incident walked from its record through
notification, rapid review and the Panel's response to a local review decision."""

from datetime import date

import pytest

from reviews.models import Reviewer, SeriousIncident
from tests.reviews.factories import make_incident
from tracker.deadline_models import Deadline
from tracker.extensions import db
from tracker.timeline import TimelineEntry

TODAY = date(2025, 2, 7)


@pytest.fixture(autouse=True)
def _today(clock):
    """The pages' today is fixed: Friday 7 February 2025."""
    clock.set(TODAY)


def day(value: date) -> list[str]:
    """A date as the three boxes of the GOV.UK date input post it."""
    return [str(value.day), str(value.month), str(value.year)]


def saved(incident_id):
    db.session.expire_all()
    return db.session.get(SeriousIncident, incident_id)


def deadlines_of(incident_id):
    return {row.rule_key: row for row in db.session.scalars(db.select(Deadline).where(
        Deadline.owner_type == "serious_incident", Deadline.owner_id == incident_id))}


def decide(call, client, incident, status=302, **changes):
    """Post the decision form: a local review decided on 3 February 2025 unless `changes`
    replace or (None) remove answers."""
    data = {"version": str(incident.version), "decision": "local",
            "decision_on": day(date(2025, 2, 3)),
            "decision_rationale": "Agencies did not share what they knew.",
            "family_told": "yes", "family_told_on": day(date(2025, 2, 4)),
            "decision_informed_on": day(date(2025, 2, 4)), **changes}
    data = {key: value for key, value in data.items() if value is not None}
    return call(client, "reviews.decision", incident_id=incident.id, data=data, status=status)


def test_an_incident_walks_from_its_record_to_a_converted_local_review(business_client, call):
    # Recorded: a looked-after child died.
    call(business_client, "reviews.new_incident", status=302, data={
        "child_reference": "Child P", "outcome": "died",
        "incident_date": day(date(2024, 12, 20)), "la_aware_on": day(date(2024, 12, 23)),
        "abuse_or_neglect": "yes", "location": "in_area", "looked_after": "yes",
        "care_leaver": "no",
        "cp_plan": "no"})
    incident = db.session.scalars(db.select(SeriousIncident)).one()
    review = call(business_client, "reviews.incident", incident_id=incident.id)
    assert "inferred" in review.text("#deadline-sos_ofsted_lac_notification")

    # Notified: the Panel on time, the partners and the Secretary of State and Ofsted late.
    call(business_client, "reviews.notifications", incident_id=incident.id, status=302, data={
        "version": str(incident.version), "panel_notified_on": day(date(2024, 12, 30)),
        "panel_reference": "P-2024-77", "partners_notified_on": day(date(2025, 1, 3)),
        "partners_late_reason": "Holiday cover", "sos_ofsted_notified_on": day(date(2025, 1, 3)),
        "sos_ofsted_late_reason": "Holiday cover"})
    incident = saved(incident.id)
    assert {key: row.met_on for key, row in deadlines_of(incident.id).items()} == {
        "panel_notification": date(2024, 12, 30), "partners_notification": date(2025, 1, 3),
        "sos_ofsted_lac_notification": date(2025, 1, 3), "rapid_review": None}

    # The rapid review meets, is sent, and the Panel answers.
    rapid = ("reviews.rapid_review", {"incident_id": incident.id})
    call(business_client, "reviews.add_rapid_review_meeting", incident_id=incident.id,
         data={"meeting_on": day(date(2025, 1, 9))}, status=302, form_page=rapid)
    incident = saved(incident.id)
    call(business_client, "reviews.rapid_review", incident_id=incident.id, status=302, data={
        "version": str(incident.version), "rr_recommendation": "local",
        "rr_rationale": "Recurrent theme", "rapid_review_sent_on": day(date(2025, 1, 17))})
    incident = saved(incident.id)
    call(business_client, "reviews.panel_response", incident_id=incident.id, status=302, data={
        "version": str(incident.version), "panel_response_on": day(date(2025, 1, 30)),
        "panel_national_review": "no"})
    incident = saved(incident.id)
    assert incident.stage == "decision"

    # The decision: a local review, converted from the rapid review.
    form = call(business_client, "reviews.decision", incident_id=incident.id)
    assert "marks it as converted" in form.text("#conversion-note")
    decide(call, business_client, incident)

    incident = saved(incident.id)
    assert (incident.decision, incident.converted, incident.stage) == ("local", True, "review")
    publication = deadlines_of(incident.id)["cspr_publication"]
    assert publication.due_date == date(2025, 8, 3)  # six calendar months from the decision
    page = call(business_client, "reviews.incident", incident_id=incident.id)
    summary = page.text("#decision-summary")
    assert "Local child safeguarding practice review (converted from the rapid review)" in \
        summary
    assert "Yes, on 4 February 2025" in summary
    assert "3 August 2025" in page.text("#deadline-cspr_publication")
    assert "Decision: local child safeguarding practice review (the rapid review was " \
        "converted to a local review)" in db.session.scalars(db.select(TimelineEntry.text)).all()
    listed = call(business_client, "reviews.tracker", converted="yes")
    assert incident.reference in listed.text("#tracker-list")


def test_a_local_review_without_a_rapid_review_sent_is_not_converted(business_client,
                                                                    partnership, call):
    incident = make_incident(partnership)

    decide(call, business_client, incident)

    incident = saved(incident.id)
    assert (incident.decision, incident.converted) == ("local", False)


def test_a_national_review_has_its_own_clock_and_no_review_ends_the_clocks(
        business_client, partnership, call):
    national = make_incident(partnership, rapid_review_sent_on=date(2025, 1, 20))
    none = make_incident(partnership, rapid_review_sent_on=date(2025, 1, 20))

    decide(call, business_client, national, decision="national",
           panel_decision_on=day(date(2025, 2, 3)))
    decide(call, business_client, none, decision="none", family_told="no",
           family_told_on=None)

    national, none = saved(national.id), saved(none.id)
    assert (national.stage, national.converted, national.decision_informed_on) == \
        ("review", False, None)
    assert "national_publication" in deadlines_of(national.id)
    assert "cspr_publication" not in deadlines_of(national.id)
    assert (none.stage, none.family_told, none.family_told_on) == ("no_review", False, None)
    assert not {"cspr_publication", "national_publication"} & set(deadlines_of(none.id))


def test_changing_a_local_review_to_no_review_drops_its_publication_clock(
        business_client, partnership, call):
    incident = make_incident(partnership, rapid_review_sent_on=date(2025, 1, 20))
    decide(call, business_client, incident)
    incident = saved(incident.id)

    decide(call, business_client, incident, decision="none")

    incident = saved(incident.id)
    assert (incident.converted, incident.stage) == (False, "no_review")
    assert "cspr_publication" not in deadlines_of(incident.id)


@pytest.mark.parametrize(("changes", "message"), [
    ({"decision": None}, "Select what was decided"),
    ({"decision": "maybe"}, "Select what was decided"),
    ({"decision_on": None}, "Enter the date of the decision"),
    ({"decision_on": day(date(2025, 2, 8))}, "Date of the decision must be today or in the past"),
    ({"decision_on": day(date(2024, 12, 22))},
     "Date of the decision must be the same as or after the date the local authority became "
     "aware"),
    ({"decision": "national"}, "Enter the date the Panel decided to carry out a national review"),
    ({"decision_rationale": ""}, "Enter the rationale for the decision"),
    ({"family_told": None}, "Select whether the family has been told"),
    ({"family_told_on": None}, "Enter the date the family was told"),
    ({"family_told_on": day(date(2025, 2, 2))},
     "Date the family was told must be the same as or after the date of the decision"),
    ({"decision_informed_on": day(date(2025, 2, 10))},
     "Date the Panel was told must be today or in the past"),
    ({"decision_dfe_told_on": day(date(2025, 2, 2))},
     "Date the Department for Education was told must be the same as or after the date of "
     "the decision"),
])
def test_bad_decisions_are_refused_and_nothing_saved(business_client, partnership, call,
                                                     changes, message):
    incident = make_incident(partnership)

    page = decide(call, business_client, incident, status=400, **changes)

    assert message in page.errors
    incident = saved(incident.id)
    assert (incident.decision, incident.decision_on, incident.stage) == \
        (None, None, "notified")


def test_the_decision_form_names_the_reviewers_and_points_to_where_they_are_recorded(
        business_client, partnership, call):
    incident = make_incident(partnership)
    db.session.add(Reviewer(incident_id=incident.id, partnership_id=partnership.id,
                            name="Invented Reviewer"))
    db.session.commit()

    page = call(business_client, "reviews.decision", incident_id=incident.id)

    hint = page.text("#reviewer-hint")
    assert "Reviewer commissioned: Invented Reviewer." in hint
    assert page.html.select_one("#reviewer-hint a")["href"].endswith("#local-review")
