"""Chasing agencies for a practice review's requests for information sent as personal links:
before the due date the business unit set, on it, when overdue, then the agency's escalation
contact; each once, over real SMTP, never naming the child or holding the link; never an
inactive contact; none once a response is in, or while the business unit pauses it."""

from datetime import date

import pytest
import sqlalchemy as sa

from reviews.models import InformationRequest
from reviews.models.information import ACCEPTED, QUERIED, RETURNED
from reviews.services import information_requests as service
from tests.factories import make_user
from tests.reviews.factories import make_incident
from tests.tracker.test_audit import count_queries
from tracker import agency_chasing
from tracker.agencies import AgencyContact, DirectoryAgency
from tracker.agency_chasing import AgencyChase
from tracker.audit import AuditEvent
from tracker.extensions import db
from tracker.reminders.passes import run_pass
from tracker.roles import Role
from tracker.timeutil import london_today

SENT = date(2025, 3, 3)  # a Monday
DUE = date(2025, 3, 24)  # a Monday: the due date the business unit set
CHILD = "Testchild Invented"
ASKED = "Your records of contact with the family from June 2024."


@pytest.fixture
def chased(app, partnership, clock, smtp_server):
    """An incident with the child's name recorded, and a request for information for its
    rapid review sent on 3 March, due 24 March, as a personal link to Jo Hill of Hill Surgery,
    whose escalation contact is Sam Lead; returns (incident, request)."""
    clock.set(SENT)
    user = make_user(Role.BUSINESS_UNIT, [partnership])
    incident = make_incident(partnership, child_name=CHILD, child_reference="Child P")
    agency = DirectoryAgency(partnership_id=partnership.id, name="Hill Surgery",
                             name_key="hill surgery", kind="gp")
    contact = AgencyContact(agency=agency, partnership_id=partnership.id, name="Jo Hill",
                            email="jo@hill.example")
    lead = AgencyContact(agency=agency, partnership_id=partnership.id, name="Sam Lead",
                         email="sam@hill.example", escalation=True)
    db.session.add_all([agency, contact, lead])
    db.session.flush()
    with app.test_request_context():
        info = service.make(incident, stage="rapid_review", contact_id=contact.id, asked=ASKED,
                            due_on=DUE, user=user, today=SENT)
    db.session.commit()
    run_pass(SENT)  # sends the link's own e-mail (the token is only ever in it)
    return incident, info


def _pass(clock, day):
    clock.set(day)
    return run_pass(london_today())


def _to_agency(smtp_server):
    return [m for m in smtp_server.messages if str(m["To"]).endswith("@hill.example")]


def _chases(smtp_server):
    """The chase e-mails received, after the link's own e-mail."""
    return _to_agency(smtp_server)[1:]


def test_the_contact_is_chased_before_on_and_after_the_due_date_then_the_escalation_contact(
        chased, clock, smtp_server):
    incident, _info = chased
    assert len(_to_agency(smtp_server)) == 1  # the link itself
    assert _pass(clock, date(2025, 3, 19)).chases_queued == 0  # three working days before
    assert _pass(clock, date(2025, 3, 20)).chases_queued == 1  # two working days before
    assert _pass(clock, date(2025, 3, 20)).chases_queued == 0  # run twice: one e-mail
    before, = _chases(smtp_server)
    assert before["To"] == "jo@hill.example"
    assert before["Subject"] == (f"Reminder: Northshire Partnership, information for a "
                                 f"practice review requested ({incident.reference})")
    body = before.get_body(("plain",)).get_content()
    assert "is due by 24 March 2025" in body
    assert "safeguarding practice review business unit" in body
    assert "write your response online" in body
    assert "child death" not in body and "reporting form" not in body
    _pass(clock, DUE)
    _pass(clock, date(2025, 3, 25))
    due, overdue = _chases(smtp_server)[1:]
    assert due["Subject"].startswith("Due today") and overdue["Subject"].startswith("Overdue")
    assert "overdue by 1 day" in overdue.get_body(("plain",)).get_content()
    # Five working days overdue: the contact again, and the agency's escalation contact.
    assert _pass(clock, date(2025, 3, 31)).chases_queued == 2
    assert _pass(clock, date(2025, 3, 31)).chases_queued == 0
    fifth, escalated = sorted(_chases(smtp_server)[3:], key=lambda m: m["To"])
    assert escalated["To"] == "sam@hill.example" and fifth["To"] == "jo@hill.example"
    assert escalated["Subject"].startswith("Overdue: please help")
    words = escalated.get_body(("plain",)).get_content()
    assert "escalation contact" in words and "Jo Hill" in words and "Hill Surgery" in words
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AgencyChase)) == 5


def test_no_chase_names_the_child_or_holds_a_link(chased, clock, smtp_server):
    for day in (date(2025, 3, 20), DUE, date(2025, 3, 31)):
        _pass(clock, day)
    link_mail = _to_agency(smtp_server)[0].as_string()
    token = link_mail.split("/agency/")[1].split()[0].split('"')[0]
    chases = _chases(smtp_server)
    assert len(chases) == 4
    for message in chases:
        whole = message.as_string()
        for value in ("Testchild", "Invented", "Child P", ASKED, "/agency/", token[:20]):
            assert value not in whole
        assert "send it again" in message.get_body(("plain",)).get_content()


def test_a_request_with_its_response_in_is_not_chased_and_a_queried_one_is(
        chased, clock, smtp_server):
    _incident, info = chased
    for status in (RETURNED, ACCEPTED):
        info.status = status
        db.session.commit()
        assert _pass(clock, DUE).chases_queued == 0
    info.status = QUERIED  # the agency's link works again and an answer is still owed
    db.session.commit()
    assert _pass(clock, DUE).chases_queued == 1


def test_pausing_chasing_on_the_request_page_is_audited_shown_and_stops_the_e_mails(
        chased, clock, smtp_server, call, business_client, days_pass):
    incident, info = chased
    values = {"incident_id": incident.id, "information_request_id": info.id}
    form_page = ("reviews.information_request", values)
    assert "Pause chasing" in call(business_client, "reviews.information_request",
                                   **values).text("main")
    call(business_client, "reviews.information_request_chasing", status=302,
         data={"chasing": "pause"}, form_page=form_page, **values)
    page = call(business_client, "reviews.information_request", **values)
    assert "Paused" in page.text("#chasing-state")
    assert "Resume chasing" in page.text("main")
    event = db.session.scalars(sa.select(AuditEvent).where(
        AuditEvent.object_type == "InformationRequest",
        AuditEvent.object_id == str(info.id)).order_by(AuditEvent.id.desc())).first()
    assert event.detail == "Chasing the agency paused" and event.user is not None
    for day in (date(2025, 3, 20), DUE):
        assert _pass(clock, day).chases_queued == 0
    assert _chases(smtp_server) == []
    call(business_client, "reviews.information_request_chasing", status=302,
         data={"chasing": "resume"}, form_page=form_page, **values)
    assert db.session.get(InformationRequest, info.id).chasing_paused_at is None
    assert _pass(clock, date(2025, 3, 25)).chases_queued == 1
    assert _chases(smtp_server)[0]["Subject"].startswith("Overdue")


def test_chasing_is_refused_for_another_partnerships_request(chased, call, app,
                                                            other_partnership):
    from tests.conftest import _signed_in_client

    incident, info = chased
    outsider = _signed_in_client(app, other_partnership, Role.BUSINESS_UNIT)
    call(outsider, "reviews.information_request_chasing", status=404,
         data={"chasing": "pause"}, form_page="reviews.tracker", incident_id=incident.id,
         information_request_id=info.id)
    assert db.session.get(InformationRequest, info.id).chasing_paused_at is None


def test_an_inactive_contact_is_never_e_mailed(chased, clock, smtp_server):
    """Someone who has left the agency (made inactive in the directory) gets no chase: not
    the contact the link went to, and not an escalation contact."""
    lead = db.session.scalars(sa.select(AgencyContact).where(
        AgencyContact.escalation.is_(True))).one()
    lead.active = False
    db.session.commit()
    assert _pass(clock, date(2025, 3, 31)).chases_queued == 1  # the contact only
    assert [m["To"] for m in _chases(smtp_server)] == ["jo@hill.example"]
    contact = db.session.scalars(sa.select(AgencyContact).where(
        AgencyContact.escalation.is_(False))).one()
    contact.active = False
    lead.active = True
    db.session.commit()
    for day in (date(2025, 4, 1), date(2025, 4, 7)):
        assert _pass(clock, day).chases_queued == 0
    assert len(_chases(smtp_server)) == 1


def test_a_pass_chases_many_requests_in_the_same_number_of_queries(app, chased, clock,
                                                                   partnership):
    incident, _info = chased
    clock.set(date(2025, 3, 20))

    def queries():
        with app.test_request_context(), count_queries() as statements:
            queued = agency_chasing.chase(london_today())
        db.session.rollback()
        return len(statements), queued

    one, queued = queries()
    assert queued == 1
    contact = db.session.scalars(sa.select(AgencyContact).where(
        AgencyContact.escalation.is_(False))).one()
    user = make_user(Role.BUSINESS_UNIT, [partnership])
    clock.set(SENT)
    for _ in range(4):
        with app.test_request_context():
            service.make(incident, stage="rapid_review", contact_id=contact.id, asked=ASKED,
                         due_on=DUE, user=user, today=SENT)
    db.session.commit()
    clock.set(date(2025, 3, 20))
    assert queries() == (one, 5)
