"""Only a notifiable incident has the Panel's clocks (Children Act 2004 s16C(1)): abuse or
neglect known or suspected. Without it the incident says why and has no Panel notification,
partners' report or rapid review deadline; a suspicion recorded later starts them from that
day; a looked-after child's death keeps its Secretary of State and Ofsted clock whatever the
cause."""

from datetime import date

import pytest

from reviews.models import SeriousIncident
from reviews.services import exports
from tests.reviews.factories import make_incident
from tracker import calendar
from tracker.audit import AuditEvent
from tracker.deadline_models import Deadline
from tracker.extensions import db

PANEL_CLOCKS = {"panel_notification", "partners_notification", "rapid_review"}
TODAY = date(2026, 1, 7)


@pytest.fixture(autouse=True)
def _today(clock):
    """The pages' today is fixed: Wednesday 7 January 2026."""
    clock.set(TODAY)


def day(value: date) -> list[str]:
    return [str(value.day), str(value.month), str(value.year)]


def stored(incident_id):
    db.session.expire_all()
    return {row.rule_key: row for row in db.session.scalars(db.select(Deadline).where(
        Deadline.owner_type == "serious_incident", Deadline.owner_id == incident_id))}


def record(call, client, **answers):
    data = {"child_reference": "Child Q", "outcome": "harmed",
            "incident_date": day(date(2025, 12, 20)), "la_aware_on": day(date(2025, 12, 22)),
            "abuse_or_neglect": "no", "location": "in_area", "looked_after": "no",
            "care_leaver": "no",
            "cp_plan": "no", **answers}
    call(client, "reviews.new_incident", status=302, data=data)
    return db.session.scalars(db.select(SeriousIncident).order_by(SeriousIncident.id.desc())
                              ).first()


def test_an_incident_without_suspicion_has_no_panel_clock_and_says_why(
        business_client, partnership, call):
    incident = record(call, business_client)

    assert not PANEL_CLOCKS & set(stored(incident.id))
    page = call(business_client, "reviews.incident", incident_id=incident.id)
    assert "Not notifiable to the Panel: abuse or neglect is not known or suspected " \
        "(Children Act 2004 section 16C(1))" in page.text("#incident ~ dl")
    assert "Not notifiable to the Panel" in page.text("#notification-summary")
    stages = [" ".join(item.text.split()) for item in
              page.html.select(".govuk-task-list__item")]
    assert stages[:2] == ["Notify the Panel and the safeguarding partners Not needed",
                          "Rapid review Not needed"]
    listed = call(business_client, "reviews.tracker")
    assert "Not notifiable to the Panel" in listed.text(".app-not-notifiable")
    row = exports._incident_values(incident, {})
    assert "Not notifiable to the Panel: abuse or neglect is not known or suspected " \
        "(Children Act 2004 section 16C(1))" in row


def test_a_suspicion_recorded_a_week_later_starts_the_clocks_from_that_day(
        business_client, partnership, call):
    # Aware on Monday 22 December 2025, not notifiable; a week later abuse is suspected.
    incident = record(call, business_client)
    call(business_client, "reviews.notifications", incident_id=incident.id, status=302, data={
        "version": str(incident.version), "abuse_or_neglect": "yes",
        "abuse_or_neglect_known_on": day(date(2025, 12, 29))})

    rows = stored(incident.id)
    # 5 working days from Monday 29 December 2025, over New Year's Day: Tuesday 6 January
    # (from the awareness date it would have been Wednesday 31 December).
    assert calendar.add_working_days(date(2025, 12, 29), 5) == date(2026, 1, 6)
    assert rows["panel_notification"].due_date == date(2026, 1, 6)
    assert rows["partners_notification"].due_date == date(2026, 1, 6)
    assert rows["panel_notification"].trigger_date == date(2025, 12, 29)
    page = call(business_client, "reviews.incident", incident_id=incident.id)
    assert "Yes, from 29 December 2025" in page.text("#incident ~ dl")

    # Notified on the due day: the rapid review's 15 working days run to Tuesday 27 January.
    call(business_client, "reviews.notifications", incident_id=incident.id, status=302, data={
        "version": str(db.session.get(SeriousIncident, incident.id).version),
        "panel_notified_on": day(date(2026, 1, 6)),
        "partners_notified_on": day(date(2026, 1, 6))})
    rows = stored(incident.id)
    assert rows["panel_notification"].met_on == date(2026, 1, 6)
    assert rows["rapid_review"].due_date == date(2026, 1, 27)


def test_a_future_suspicion_date_is_refused_and_nothing_is_saved(
        business_client, partnership, call):
    incident = record(call, business_client)
    page = call(business_client, "reviews.notifications", incident_id=incident.id, status=400,
                data={"version": str(incident.version), "abuse_or_neglect": "yes",
                      "abuse_or_neglect_known_on": day(date(2026, 1, 8))})
    assert "must be today or in the past" in page.text(".govuk-error-summary")
    assert not PANEL_CLOCKS & set(stored(incident.id))
    assert db.session.get(SeriousIncident, incident.id).abuse_or_neglect_suspected is False


def test_a_suspicion_withdrawn_drops_the_panel_clocks_and_the_trail_keeps_the_met_date(
        business_client, partnership, call):
    incident = make_incident(partnership, la_aware_on=date(2025, 12, 22),
                             panel_notified_on=date(2025, 12, 23))
    assert stored(incident.id)["panel_notification"].met_on == date(2025, 12, 23)

    call(business_client, "reviews.notifications", incident_id=incident.id, status=302, data={
        "version": str(incident.version), "abuse_or_neglect": "no",
        "panel_notified_on": day(date(2025, 12, 23))})

    assert not PANEL_CLOCKS & set(stored(incident.id))
    deleted = db.session.scalars(db.select(AuditEvent).where(
        AuditEvent.object_type == "Deadline", AuditEvent.action == "delete",
        AuditEvent.object_label == "panel_notification")).one()
    assert deleted.changes["met_on"][0] == "2025-12-23"


def test_a_looked_after_childs_death_without_abuse_keeps_the_secretary_of_state_clock(
        business_client, partnership, call):
    incident = record(call, business_client, outcome="died", looked_after="yes")

    rows = stored(incident.id)
    assert not PANEL_CLOCKS & set(rows)
    # 5 working days from Monday 22 December 2025 (Christmas and Boxing Day skipped).
    assert rows["sos_ofsted_lac_notification"].due_date == date(2025, 12, 31)
    form = call(business_client, "reviews.notifications", incident_id=incident.id)
    assert "Date the Secretary of State and Ofsted were notified" in form.text("main form")


@pytest.mark.parametrize("suspected", [True, False])
def test_the_mapping_needs_the_suspicion_for_the_panel_but_not_for_the_looked_after_child(
        partnership, suspected):
    incident = make_incident(partnership, child_died=True, looked_after=True,
                             abuse_or_neglect_suspected=suspected,
                             panel_notified_on=date(2025, 1, 2))
    rules = set(stored(incident.id))
    assert "sos_ofsted_lac_notification" in rules
    assert (rules >= PANEL_CLOCKS) is suspected
