"""An agency contact made inactive (left the agency): offered no new request and refused one;
the links already sent to them keep working and stay listed; audited; and active again."""

import sqlalchemy as sa

from tests.tracker.test_agency_links import _issue, _request_with_contact
from tracker import agency_links as links
from tracker.audit import AuditEvent
from tracker.extensions import db
from tracker.mail import OutboundEmail


def _set_active(call, client, contact, value):
    values = {"agency_id": contact.agency_id, "contact_id": contact.id}
    call(client, "agencies.contact_active", status=302, data={"active": value},
         form_page=("agencies.show", {"agency_id": contact.agency_id}), **values)
    db.session.expire_all()


def test_an_inactive_contact_gets_no_new_request_but_their_link_keeps_working(
        app, call, cdop_client, partnership):
    case, request, contact = _request_with_contact(partnership)
    link, token = _issue(app, partnership, contact, owner_id=request.id)
    _set_active(call, cdop_client, contact, "no")
    assert contact.active is False
    shown = call(cdop_client, "agencies.show", agency_id=contact.agency_id)
    assert "Inactive" in shown.text("#agency-contacts")
    assert "Make active" in shown.text("#agency-contacts")
    event = db.session.scalars(sa.select(AuditEvent).where(
        AuditEvent.object_type == "AgencyContact").order_by(AuditEvent.id.desc())).first()
    assert "active" in str(event.changes)

    page = call(cdop_client, "cdr.edit_request", case_id=case.id, request_id=request.id)
    assert page.html.select("select[name=contact] option") == []
    assert "Jo Hill" in page.text("#request-links")  # the link already sent is listed
    assert links.find_valid(token, link.issued_at) == link  # and still opens
    refused = call(cdop_client, "cdr.send_request_link", status=400, form_page=(
        "cdr.edit_request", {"case_id": case.id, "request_id": request.id}),
        case_id=case.id, request_id=request.id, data={"contact": str(contact.id)})
    assert refused.errors == ["Select a contact from the agency directory"]
    several = call(cdop_client, "cdr.several_requests", case_id=case.id)
    assert "jo@hill.example" not in several.text()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboundEmail)) == 1

    _set_active(call, cdop_client, contact, "yes")
    assert contact.active is True
    call(cdop_client, "cdr.send_request_link", status=302, form_page=(
        "cdr.edit_request", {"case_id": case.id, "request_id": request.id}),
        case_id=case.id, request_id=request.id, data={"contact": str(contact.id)})
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboundEmail)) == 2


def test_the_service_refuses_an_inactive_contact(app, partnership, cdop_client):
    from cdr.services import request_links

    case, request, contact = _request_with_contact(partnership)
    contact.active = False
    db.session.commit()
    try:
        with app.test_request_context():
            request_links.send(case, request, contact.id, cdop_client.user)
    except request_links.Refused as refused:
        assert "no longer an active contact" in str(refused)
    else:
        raise AssertionError("an inactive contact was sent a link")


def test_another_partnerships_staff_cannot_change_a_contact(app, call, partnership,
                                                            other_partnership):
    from tests.conftest import sign_in
    from tests.factories import make_user
    from tracker.roles import Role

    _case, _request, contact = _request_with_contact(partnership)
    client = app.test_client()
    sign_in(client, make_user(Role.CDOP_ADMIN, [other_partnership]).email)
    call(client, "agencies.contact_active", status=404, data={"active": "no"},
         form_page="agencies.index", agency_id=contact.agency_id, contact_id=contact.id)
    db.session.expire_all()
    assert contact.active is True
