"""Chasing agencies for reporting forms sent as personal links: before the due date, on it,
when overdue, then the agency's escalation contact; each once, over real SMTP, never naming
the child or holding the link; none once the request or its link is done, or while paused."""

from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from flask import url_for

from cdr.models import AgencyRequest, ChildIdentity
from cdr.services import request_links
from cdr.services import requests as service
from tests.cdr.factories import make_case
from tests.factories import make_user
from tests.tracker.test_audit import count_queries
from tracker.agencies import AgencyContact, DirectoryAgency
from tracker.agency_chasing import AgencyChase
from tracker.audit import AuditEvent
from tracker.extensions import db
from tracker.reminders.models import ReminderPolicy
from tracker.reminders.passes import run_pass
from tracker.roles import Role
from tracker.timeutil import london_today

SENT = date(2025, 3, 3)  # a Monday: 15 working days later the request is due on 24 March
DUE = date(2025, 3, 24)


@pytest.fixture
def chased(app, partnership, clock, smtp_server):
    """A case with a request sent on 3 March as a personal link to Jo Hill of Hill Surgery,
    whose escalation contact is Sam Lead; returns (case, request, link)."""
    clock.set(SENT)
    user = make_user(Role.CDOP_ADMIN, [partnership])
    agency = DirectoryAgency(partnership_id=partnership.id, name="Hill Surgery",
                             name_key="hill surgery", kind="gp")
    contact = AgencyContact(agency=agency, partnership_id=partnership.id, name="Jo Hill",
                            email="jo@hill.example")
    lead = AgencyContact(agency=agency, partnership_id=partnership.id, name="Sam Lead",
                         email="sam@hill.example", escalation=True)
    db.session.add_all([agency, contact, lead])
    case = make_case(partnership)
    agency_request = service.add_request(case, agency="Hill Surgery", sent_on=SENT)
    db.session.flush()
    with app.test_request_context():
        link, _ = request_links.send(case, agency_request, contact.id, user)
    db.session.commit()
    run_pass(SENT)  # sends the link's own e-mail (the token is only ever in it)
    return case, agency_request, link


def _pass(clock, day):
    clock.set(day)
    return run_pass(london_today())


def _chases(smtp_server):
    """The chase e-mails received: to the agency, after the link's own e-mail (staff get
    their own reminders of the request's deadline)."""
    return _to_agency(smtp_server)[1:]


def _to_agency(smtp_server):
    return [m for m in smtp_server.messages if str(m["To"]).endswith("@hill.example")]


def test_the_contact_is_chased_before_on_and_after_the_due_date_then_the_escalation_contact(
        chased, clock, smtp_server, partnership):
    case, _request, _link = chased
    assert len(_to_agency(smtp_server)) == 1  # the link itself
    assert _pass(clock, date(2025, 3, 19)).chases_queued == 0  # three working days before
    assert _pass(clock, date(2025, 3, 20)).chases_queued == 1  # two working days before
    assert _pass(clock, date(2025, 3, 20)).chases_queued == 0  # run twice: one e-mail
    before, = _chases(smtp_server)
    assert before["To"] == "jo@hill.example"
    assert before["Subject"].startswith("Reminder: Northshire Partnership")
    assert case.reference in before["Subject"]
    assert "is due by 24 March 2025" in before.get_body(("plain",)).get_content()
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
    case, _request, _link = chased
    identity = db.session.scalar(sa.select(ChildIdentity).where(
        ChildIdentity.case_id == case.id))
    for day in (date(2025, 3, 20), DUE, date(2025, 3, 31)):
        _pass(clock, day)
    link_mail = _to_agency(smtp_server)[0].as_string()
    token = link_mail.split("/agency/")[1].split()[0].split('"')[0]
    chases = _chases(smtp_server)
    assert len(chases) == 4
    for message in chases:
        whole = message.as_string()
        for value in (identity.given_names, identity.family_name, identity.nhs_number,
                      identity.postcode, "Imaginary Lane", "/agency/", token[:20]):
            assert value not in whole
        assert "26 January 2024" not in whole  # the date of birth
        assert "send it again" in message.get_body(("plain",)).get_content()


def test_the_partnership_policy_sets_when_chasing_starts(chased, clock, smtp_server,
                                                         partnership):
    db.session.add(ReminderPolicy(partnership_id=partnership.id, policy_key="agency_chasing",
                                  before_working_days=5, on_due=False, overdue_daily_days=0,
                                  overdue_weekly=False, escalate_after=None))
    db.session.commit()
    assert _pass(clock, date(2025, 3, 17)).chases_queued == 1  # five working days before
    assert _pass(clock, DUE).chases_queued == 0  # no e-mail on the day
    assert _pass(clock, date(2025, 4, 7)).chases_queued == 0  # no overdue or escalation


def test_a_returned_request_or_a_done_link_is_not_chased(app, chased, clock, smtp_server):
    case, agency_request, link = chased
    link.returned_at = link.issued_at + timedelta(days=1)  # sent online, awaiting review
    db.session.commit()
    assert _pass(clock, DUE).chases_queued == 0
    link.returned_at = None
    link.revoked_at, link.revoked_why = link.issued_at, "revoked"
    db.session.commit()
    assert _pass(clock, DUE).chases_queued == 0
    link.revoked_at = None
    link.expires_at = link.issued_at + timedelta(days=2)  # expired
    db.session.commit()
    assert _pass(clock, DUE).chases_queued == 0
    link.expires_at = link.issued_at + timedelta(days=60)
    db.session.commit()
    service.update_request(case, agency_request, agency=agency_request.agency, sent_on=SENT,
                           chased_on=None, returned_on=date(2025, 3, 21), summary=None)
    db.session.commit()
    assert _pass(clock, DUE).chases_queued == 0
    assert _pass(clock, date(2025, 3, 31)).chases_queued == 0
    assert len(_to_agency(smtp_server)) == 1


def test_pausing_chasing_on_the_request_page_is_audited_shown_and_stops_the_e_mails(
        chased, clock, smtp_server, call, cdop_client, days_pass):
    case, agency_request, _link = chased
    values = {"case_id": case.id, "request_id": agency_request.id}
    form_page = ("cdr.edit_request", values)
    call(cdop_client, "cdr.request_chasing", status=302, data={"chasing": "pause"},
         form_page=form_page, **values)
    page = call(cdop_client, "cdr.edit_request", **values)
    assert "Paused" in page.text("#chasing-state")
    assert "Resume chasing" in page.text()
    event = db.session.scalars(sa.select(AuditEvent).where(
        AuditEvent.object_type == "AgencyRequest",
        AuditEvent.object_id == str(agency_request.id)).order_by(AuditEvent.id.desc())).first()
    assert event.detail == "Chasing the agency paused" and event.user is not None
    assert _pass(clock, date(2025, 3, 20)).chases_queued == 0
    call(cdop_client, "cdr.request_chasing", status=302, data={"chasing": "resume"},
         form_page=form_page, **values)
    assert db.session.get(AgencyRequest, agency_request.id).chasing_paused_at is None
    assert _pass(clock, date(2025, 3, 21)).chases_queued == 1


def test_chasing_is_refused_for_another_partnerships_request(
        chased, call, other_partnership, app):
    case, agency_request, _link = chased
    from tests.conftest import _signed_in_client

    outsider = _signed_in_client(app, other_partnership, Role.CDOP_ADMIN)
    call(outsider, "cdr.request_chasing", status=404, data={"chasing": "pause"},
         form_page="cdr.outstanding_requests", case_id=case.id, request_id=agency_request.id)
    assert db.session.get(AgencyRequest, agency_request.id).chasing_paused_at is None


def test_a_pass_chases_many_requests_in_the_same_number_of_queries(app, chased, clock,
                                                                   partnership):
    from tracker import agency_chasing

    case, _request, _link = chased
    clock.set(date(2025, 3, 20))

    def queries():
        with app.test_request_context(), count_queries() as statements:
            agency_chasing.chase(london_today())
        db.session.rollback()
        return len(statements)

    one = queries()
    contact = db.session.scalars(sa.select(AgencyContact).where(
        AgencyContact.escalation.is_(False))).one()
    user = make_user(Role.CDOP_ADMIN, [partnership])
    clock.set(SENT)
    for _ in range(4):
        more = service.add_request(case, agency="Hill Surgery", sent_on=SENT)
        db.session.flush()
        with app.test_request_context():
            request_links.send(case, more, contact.id, user)
    db.session.commit()
    clock.set(date(2025, 3, 20))
    assert queries() == one


def test_a_contact_made_inactive_is_not_chased(chased, clock, smtp_server):
    """Someone who has left the agency (made inactive in the directory) gets no chase; the
    link stays on the request page, to be sent to someone else."""
    _case, _request, link = chased
    db.session.get(AgencyContact, link.contact_id).active = False
    db.session.commit()
    for day in (date(2025, 3, 20), DUE, date(2025, 3, 31)):
        assert _pass(clock, day).chases_queued == 0
    assert _chases(smtp_server) == []


def test_pausing_chasing_does_not_make_an_edit_open_in_another_tab_stale(
        app, chased, clock, call, cdop_client, days_pass):
    """A pause is no edit of the request: the edit form opened before it still saves, and
    the pause stays."""
    case, agency_request, _link = chased
    clock.set(date(2025, 3, 10))
    values = {"case_id": case.id, "request_id": agency_request.id}
    opened = call(cdop_client, "cdr.edit_request", **values)
    version = opened.html.select_one("input[name=version]")["value"]
    call(cdop_client, "cdr.request_chasing", status=302, data={"chasing": "pause"},
         form_page=("cdr.edit_request", values), **values)
    with app.test_request_context():
        url = url_for("cdr.edit_request", **values)
    saved = cdop_client.post(
        url,
        data={"csrf_token": opened.html.select_one("input[name=csrf_token]")["value"],
              "version": version, "agency": "Hill Surgery", "reporting_form": "core",
              "sent_on": ["3", "3", "2025"], "chased_on": ["10", "3", "2025"]})
    assert saved.status_code == 302
    db.session.expire_all()
    saved_request = db.session.get(AgencyRequest, agency_request.id)
    assert saved_request.chased_on == date(2025, 3, 10)
    assert saved_request.chasing_paused_at is not None
