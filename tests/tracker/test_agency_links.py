"""Personal links to a directory contact: only the token's hash is kept, every refusal is the
same None, re-sending kills the old link, and the e-mail never names the child."""

from datetime import date, datetime, timedelta

import sqlalchemy as sa

from tracker import agency_links as links
from tracker.agencies import AgencyContact, DirectoryAgency
from tracker.audit import AuditEvent
from tracker.extensions import db
from tracker.mail import OutboundEmail

NOW = datetime(2025, 3, 3, 9, 0)


def _contact(partnership):
    agency = DirectoryAgency(partnership_id=partnership.id, name="Hill Surgery",
                             name_key="hill surgery", kind="gp")
    contact = AgencyContact(agency=agency, partnership_id=partnership.id, name="Jo Hill",
                            email="jo@hill.example")
    db.session.add_all([agency, contact])
    db.session.commit()
    return contact


def _issue(app, partnership, contact, now=NOW, owner_id=1):
    with app.test_request_context():
        link, token = links.issue(owner_type="cdr_agency_request", owner_id=owner_id,
                                  contact=contact, partnership=partnership,
                                  reference="CDOP-NSP-2025-0001", due_on=date(2025, 3, 31),
                                  now=now)
        db.session.commit()
    return link, token


def test_only_the_hash_of_a_long_random_token_is_kept(app, partnership):
    link, token = _issue(app, partnership, _contact(partnership))
    assert len(token) >= 43  # 32 random bytes
    assert link.token_hash == links.token_hash(token) != token
    audit = " ".join(str(row.changes) for row in db.session.scalars(sa.select(AuditEvent)))
    assert token not in audit and link.token_hash not in audit
    assert link.expires_at == NOW + timedelta(days=28)
    assert links.find_valid(token, NOW) == link


def test_the_email_names_the_partnership_reference_and_due_date_never_the_child(
        app, partnership):
    # The service is given no detail of the child to put in it: the reference and due date.
    _, token = _issue(app, partnership, _contact(partnership))
    email = db.session.scalars(sa.select(OutboundEmail)).one()
    body = email.text_body + email.html_body
    assert email.to_address == "jo@hill.example"
    assert partnership.name in email.subject and "CDOP-NSP-2025-0001" in email.subject
    assert "31 March 2025" in body and token in body
    assert "child death review" in body and "Jo Hill" in body


def test_every_refused_token_gets_the_same_none(app, partnership):
    contact = _contact(partnership)
    expired, expired_token = _issue(app, partnership, contact, owner_id=1)
    revoked, revoked_token = _issue(app, partnership, contact, owner_id=2)
    returned, returned_token = _issue(app, partnership, contact, owner_id=3)
    links.revoke(revoked, NOW)
    returned.returned_at = NOW
    db.session.commit()
    later = NOW + timedelta(days=28)
    assert links.find_valid(expired_token, later) is None
    assert expired.state(later) == links.EXPIRED
    assert links.find_valid(revoked_token, NOW) is None
    assert revoked.state(NOW) == links.REVOKED
    assert links.find_valid(returned_token, NOW) is None
    assert returned.state(NOW) == links.RETURNED
    # One letter changed (never to the letter it already was: 1 in 64 tokens ends in "A").
    altered = expired_token[:-1] + ("B" if expired_token.endswith("A") else "A")
    for wrong in ("x" * 43, "", None, "y" * 1000, altered):
        assert links.find_valid(wrong, NOW) is None


def test_sending_again_issues_a_new_token_and_kills_the_old(app, partnership):
    contact = _contact(partnership)
    first, old_token = _issue(app, partnership, contact)
    second, new_token = _issue(app, partnership, contact, now=NOW + timedelta(hours=1))
    assert new_token != old_token
    assert links.find_valid(old_token, NOW + timedelta(hours=2)) is None
    assert (first.state(NOW), first.revoked_why) == (links.REVOKED, "replaced")
    assert links.find_valid(new_token, NOW + timedelta(hours=2)) == second
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboundEmail)) == 2


def test_a_renewed_link_works_again_with_the_same_token(app, partnership):
    link, token = _issue(app, partnership, _contact(partnership))
    later = NOW + timedelta(days=30)
    assert links.find_valid(token, later) is None
    with app.app_context():
        links.renew(link, later)
    db.session.commit()
    assert links.find_valid(token, later) == link
    assert link.expires_at == later + timedelta(days=28)
    assert link.state(later) == links.SENT
    link.opened_at = later
    assert link.state(later) == links.OPENED


# --- The request page: sending, the link's state, revoking ----------------------------------

def _request_with_contact(partnership):
    from cdr.models import AgencyRequest
    from tests.cdr.factories import make_case

    case = make_case(partnership)
    request = AgencyRequest(partnership_id=partnership.id, case_id=case.id,
                            agency="Hill Surgery", sent_on=date(2025, 3, 3))
    db.session.add(request)
    db.session.commit()
    return case, request, _contact(partnership)


def test_the_request_page_sends_a_link_shows_its_state_and_revokes_it(
        call, cdop_client, partnership):
    case, request, contact = _request_with_contact(partnership)
    call(cdop_client, "cdr.send_request_link", status=302, form_page=(
        "cdr.edit_request", {"case_id": case.id, "request_id": request.id}),
        case_id=case.id, request_id=request.id, data={"contact": str(contact.id)})
    email = db.session.scalars(sa.select(OutboundEmail)).one()
    assert email.to_address == "jo@hill.example" and case.reference in email.subject
    shown = call(cdop_client, "cdr.edit_request", case_id=case.id, request_id=request.id)
    assert "Jo Hill, Hill Surgery" in shown.text("#request-links")
    assert "Sent" in shown.text("#request-links")
    link = db.session.scalars(sa.select(links.AgencyLink)).one()
    call(cdop_client, "cdr.revoke_request_link", status=302, form_page=(
        "cdr.edit_request", {"case_id": case.id, "request_id": request.id}),
        case_id=case.id, request_id=request.id, data={"link_id": str(link.id)})
    shown = call(cdop_client, "cdr.edit_request", case_id=case.id, request_id=request.id)
    assert "Revoked" in shown.text("#request-links")
    db.session.expire_all()
    assert link.revoked_why == "revoked"


def test_another_partnerships_contact_cannot_be_sent_the_request(
        call, cdop_client, partnership, other_partnership):
    case, request, _ = _request_with_contact(partnership)
    elsewhere = _contact(other_partnership)
    refused = call(cdop_client, "cdr.send_request_link", status=400, form_page=(
        "cdr.edit_request", {"case_id": case.id, "request_id": request.id}),
        case_id=case.id, request_id=request.id, data={"contact": str(elsewhere.id)})
    assert refused.errors == ["Select a contact from the agency directory"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboundEmail)) == 0


def test_another_partnerships_staff_cannot_send_or_revoke(app, call, partnership,
                                                          other_partnership):
    from tests.conftest import sign_in
    from tests.factories import make_user
    from tracker.roles import Role

    case, request, contact = _request_with_contact(partnership)
    client = app.test_client()
    sign_in(client, make_user(Role.CDOP_ADMIN, [other_partnership]).email)
    call(client, "cdr.edit_request", status=404, case_id=case.id, request_id=request.id)
    assert client.post(f"/child-deaths/{case.id}/requests/{request.id}/link",
                       data={"contact": str(contact.id)}).status_code in (400, 404)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboundEmail)) == 0


def test_the_link_reaches_the_contact_and_the_queue_forgets_it_once_sent(
        app, partnership, smtp_server):
    from tracker import mail

    _, token = _issue(app, partnership, _contact(partnership))
    with app.app_context():
        assert mail.send_due(NOW + timedelta(minutes=1)) == (1, 0)
    received = smtp_server.messages[0]
    assert token in received.get_body(("plain",)).get_content()
    db.session.expire_all()
    row = db.session.scalars(sa.select(OutboundEmail)).one()
    assert row.status == mail.SENT
    assert token not in row.text_body + row.html_body


def test_the_request_page_renews_an_expired_link(app, call, cdop_client, partnership, clock):
    clock.set(date(2025, 3, 3))
    case, request, contact = _request_with_contact(partnership)
    link, token = _issue(app, partnership, contact, now=datetime(2025, 1, 1, 9, 0),
                         owner_id=request.id)
    assert links.find_valid(token) is None  # expired on 29 January
    page = ("cdr.edit_request", {"case_id": case.id, "request_id": request.id})
    assert "Expired" in call(cdop_client, *page[:1], **page[1]).text("#request-links")
    call(cdop_client, "cdr.renew_request_link", status=302, form_page=page,
         case_id=case.id, request_id=request.id, data={"link_id": str(link.id)})
    db.session.expire_all()
    assert links.find_valid(token) == link
    links.revoke(link)
    db.session.commit()
    call(cdop_client, "cdr.renew_request_link", status=302, form_page=page,
         case_id=case.id, request_id=request.id, data={"link_id": str(link.id)})
    db.session.expire_all()
    assert links.find_valid(token) is None  # a revoked link is sent again, not renewed


def test_a_link_that_could_never_be_sent_is_not_kept_in_the_queue(app, partnership,
                                                                   smtp_server):
    from tracker import mail

    app.config["MAIL_MAX_ATTEMPTS"] = 1
    _, token = _issue(app, partnership, _contact(partnership))
    smtp_server.stop()
    with app.app_context():
        assert mail.send_due(NOW + timedelta(minutes=1)) == (0, 1)
    db.session.expire_all()
    row = db.session.scalars(sa.select(OutboundEmail)).one()
    assert row.status == mail.FAILED
    assert token not in row.text_body + row.html_body
