"""Notifications of a serious incident through the web form: the Panel with its reference,
the safeguarding partners, the Secretary of State and Ofsted for a looked-after child who
died (an inferred deadline), late ones with their reason, and refusals."""

from datetime import date

import pytest

from reviews.models import SeriousIncident
from tests.reviews.factories import make_incident
from tracker.deadline_models import Deadline
from tracker.extensions import db
from tracker.timeline import TimelineEntry

TODAY = date(2025, 1, 10)


@pytest.fixture(autouse=True)
def _today(clock):
    """The pages' today is fixed: Friday 10 January 2025."""
    clock.set(TODAY)


def day(value: date) -> list[str]:
    """A date as the three boxes of the GOV.UK date input post it."""
    return [str(value.day), str(value.month), str(value.year)]


def post(call, client, incident, status=302, **answers):
    data = {"version": str(incident.version), **answers}
    return call(client, "reviews.notifications", incident_id=incident.id, data=data,
                status=status)


def deadline(incident, rule_key):
    return db.session.scalar(db.select(Deadline).where(
        Deadline.owner_id == incident.id, Deadline.owner_type == "serious_incident",
        Deadline.rule_key == rule_key))


def test_notifications_on_time_meet_their_deadlines_and_show_on_the_review_page(
        business_client, partnership, call):
    incident = make_incident(partnership, la_aware_on=date(2024, 12, 23))

    post(call, business_client, incident, panel_notified_on=day(date(2024, 12, 30)),
         panel_reference="CSPR-REF-123", partners_notified_on=day(date(2025, 1, 2)))

    db.session.expire_all()
    assert deadline(incident, "panel_notification").met_on == date(2024, 12, 30)
    assert deadline(incident, "partners_notification").met_on == date(2025, 1, 2)
    page = call(business_client, "reviews.incident", incident_id=incident.id)
    assert "Met on time" in page.text("#deadline-panel_notification")
    assert "30 December 2024, reference CSPR-REF-123" in page.text("#notification-summary")
    texts = db.session.scalars(db.select(TimelineEntry.text)).all()
    assert "Panel notified" in texts and "Reported to the safeguarding partners" in texts


def test_the_form_shows_each_stored_due_date(business_client, partnership, call):
    incident = make_incident(partnership, la_aware_on=date(2024, 12, 23))

    page = call(business_client, "reviews.notifications", incident_id=incident.id)

    assert "Due by 2 January 2025" in page.text("#panel_notified_on-hint")
    assert "Due by 2 January 2025" in page.text("#partners_notified_on-hint")
    assert "Secretary of State" not in page.text("main form")


def test_a_late_notification_needs_its_reason_and_is_then_recorded_as_late(
        business_client, partnership, call):
    incident = make_incident(partnership, la_aware_on=date(2024, 12, 23))

    refused = post(call, business_client, incident, status=400,
                   panel_notified_on=day(date(2025, 1, 6)))
    assert "Enter why it was sent after the deadline of 2 January 2025" in refused.errors
    assert db.session.get(SeriousIncident, incident.id).panel_notified_on is None

    post(call, business_client, incident, panel_notified_on=day(date(2025, 1, 6)),
         panel_late_reason="The referral reached the local authority's duty team late")

    db.session.expire_all()
    saved = db.session.get(SeriousIncident, incident.id)
    assert saved.panel_late_reason.startswith("The referral")
    page = call(business_client, "reviews.incident", incident_id=incident.id)
    assert "Met late" in page.text("#deadline-panel_notification")
    assert "late: The referral" in page.text("#notification-summary")
    assert "Panel notified (late)" in db.session.scalars(db.select(TimelineEntry.text)).all()


def test_an_extended_deadline_is_read_from_the_stored_row(business_client, partnership, call):
    incident = make_incident(partnership, la_aware_on=date(2024, 12, 23))
    stored = deadline(incident, "panel_notification")
    stored.extended_to, stored.extension_reason = date(2025, 1, 8), "Agreed with the Panel"
    db.session.commit()

    post(call, business_client, incident, panel_notified_on=day(date(2025, 1, 7)))

    db.session.expire_all()
    assert db.session.get(SeriousIncident, incident.id).panel_notified_on == date(2025, 1, 7)


@pytest.mark.parametrize(("answers", "message"), [
    ({"panel_notified_on": day(date(2025, 1, 11))},
     "Date the Panel was notified must be today or in the past"),
    ({"panel_notified_on": day(date(2024, 12, 22))},
     "Date the Panel was notified must be the same as or after the date the local authority "
     "became aware"),
    ({"partners_notified_on": day(date(2024, 12, 20))},
     "Date reported to the safeguarding partners must be the same as or after the date the "
     "local authority became aware"),
    ({"partners_notified_on": ["2", "13", "2024"]},
     "Date reported to the safeguarding partners must be a real date"),
    ({"panel_reference": "REF-1"},
     "Enter the date the Panel was notified, or remove the Panel's reference"),
])
def test_bad_dates_are_refused_and_nothing_is_saved(business_client, partnership, call,
                                                    answers, message):
    incident = make_incident(partnership, la_aware_on=date(2024, 12, 23))

    page = post(call, business_client, incident, status=400, **answers)

    assert message in page.errors
    db.session.expire_all()
    saved = db.session.get(SeriousIncident, incident.id)
    assert (saved.panel_notified_on, saved.partners_notified_on, saved.panel_reference) == \
        (None, None, None)


def test_a_looked_after_child_who_died_shows_the_secretary_of_state_and_ofsted_deadline(
        business_client, partnership, call):
    incident = make_incident(partnership, la_aware_on=date(2024, 12, 23), looked_after=True,
                             child_died=True)

    review = call(business_client, "reviews.incident", incident_id=incident.id)
    row = review.text("#deadline-sos_ofsted_lac_notification")
    assert "Notify the Secretary of State and Ofsted" in row
    assert "inferred" in row and "2 January 2025" in row
    form = call(business_client, "reviews.notifications", incident_id=incident.id)
    assert "inferred" in form.text("main form")

    post(call, business_client, incident, sos_ofsted_notified_on=day(date(2025, 1, 3)),
         sos_ofsted_late_reason="Out of hours")
    db.session.expire_all()
    assert deadline(incident, "sos_ofsted_lac_notification").met_on == date(2025, 1, 3)
    assert db.session.get(SeriousIncident, incident.id).sos_ofsted_late_reason == "Out of hours"


def test_a_child_not_looked_after_has_no_secretary_of_state_notification(
        business_client, partnership, call):
    incident = make_incident(partnership, looked_after=False, child_died=True)

    page = call(business_client, "reviews.incident", incident_id=incident.id)

    assert page.html.select_one("#deadline-sos_ofsted_lac_notification") is None
    post(call, business_client, incident, sos_ofsted_notified_on=day(date(2025, 1, 3)))
    db.session.expire_all()
    assert db.session.get(SeriousIncident, incident.id).sos_ofsted_notified_on is None


def test_a_stale_form_is_refused_without_overwriting(business_client, partnership, call):
    incident = make_incident(partnership, la_aware_on=date(2024, 12, 23))

    page = call(business_client, "reviews.notifications", incident_id=incident.id, status=409,
                data={"version": "0", "panel_notified_on": day(date(2024, 12, 30))})

    assert page.errors[0].startswith("Someone else changed this incident")
    db.session.expire_all()
    assert db.session.get(SeriousIncident, incident.id).panel_notified_on is None


def test_another_partnerships_incident_is_not_found(business_client, other_partnership, call):
    theirs = make_incident(other_partnership)

    call(business_client, "reviews.notifications", incident_id=theirs.id, status=404)


def test_the_auditor_may_not_record_notifications(auditor_client, partnership, call):
    incident = make_incident(partnership)

    call(auditor_client, "reviews.notifications", incident_id=incident.id, status=403)
