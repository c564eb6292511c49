"""A practice review's requests for information to agencies, sent as personal links: the
business unit asks a directory contact for the rapid or the local review, the e-mail names
no child, the agency opens the link with its code and sends a written response, and the
business unit accepts or queries it; another partnership is refused; everything audited."""

import re
from datetime import date, datetime, timedelta

import pytest
import sqlalchemy as sa

from reviews.models import InformationRequest
from tests.conftest import csrf_token_from, sign_in
from tests.factories import make_user
from tests.reviews.factories import make_incident
from tracker import agency_access, mail
from tracker import agency_links as links
from tracker.agencies import AgencyContact, DirectoryAgency
from tracker.audit import AuditEvent
from tracker.extensions import db
from tracker.mail import OutboundEmail
from tracker.models import Partnership
from tracker.roles import Role

NOW = datetime(2025, 3, 3, 9, 0)
CHILD = "Testchild Invented"


@pytest.fixture
def world(partnership, clock):
    """An incident with the child's name recorded, and a directory contact."""
    clock.set(NOW)
    incident = make_incident(partnership, child_name=CHILD, child_reference="Child P")
    agency = DirectoryAgency(partnership_id=partnership.id, name="Hill Surgery",
                             name_key="hill surgery", kind="gp")
    contact = AgencyContact(agency=agency, partnership_id=partnership.id, name="Jo Hill",
                            email="jo@hill.example")
    other = AgencyContact(agency=agency, partnership_id=partnership.id, name="Sam Hill",
                          email="sam@hill.example")
    db.session.add_all([agency, contact, other])
    db.session.commit()
    return incident, contact


def _day(value):
    return [str(value.day), str(value.month), str(value.year)]


ASKED = "Your records of contact with the family from June 2024."


def _make(call, client, incident, contact, **changes):
    data = {"stage": "rapid_review", "contact": str(contact.id), "asked": ASKED,
            "due_on": _day(date(2025, 3, 17)), **changes}
    return call(client, "reviews.new_information_request", status=changes.pop("status", 302),
                data=data, incident_id=incident.id)


def _made(call, business_client, world):
    incident, contact = world
    _make(call, business_client, incident, contact)
    return db.session.scalars(sa.select(InformationRequest)).one()


def _token():
    email = db.session.scalars(sa.select(OutboundEmail).where(
        OutboundEmail.kind == "agency_link").order_by(OutboundEmail.id.desc())).first()
    return re.search(r"/agency/([A-Za-z0-9_-]{40,})", email.text_body).group(1)


def _signed_in(client, token):
    page = client.get(f"/agency/{token}")
    assert page.status_code == 200
    client.post(f"/agency/{token}", data={"csrf_token": csrf_token_from(
        page.get_data(as_text=True))})
    code_email = db.session.scalars(sa.select(OutboundEmail).where(
        OutboundEmail.kind == "agency_code").order_by(OutboundEmail.id.desc())).first()
    code = re.search(r"\b(\d{6})\b", code_email.text_body).group(1)
    page = client.get(f"/agency/{token}/code")
    entered = client.post(f"/agency/{token}/code", data={
        "code": code, "csrf_token": csrf_token_from(page.get_data(as_text=True))})
    assert entered.status_code == 302 and entered.headers["Location"].endswith(
        "/agency/request")


def _post(client, url, data):
    html = client.get(url).get_data(as_text=True)
    return client.post(url, data={**data, "csrf_token": csrf_token_from(html)})


def _respond(app, text="Seen twice at the surgery, in July and in September."):
    client = app.test_client()
    _signed_in(client, _token())
    assert client.get("/agency/request").status_code == 200
    assert _post(client, "/agency/form", {"response": text}).status_code == 302
    sent = _post(client, "/agency/check", {})
    assert sent.status_code == 302 and "/agency/sent" in sent.headers["Location"]
    return client


def test_the_business_unit_asks_an_agency_and_the_link_reaches_the_contact_naming_no_child(
        app, call, business_client, world, smtp_server):
    incident, contact = world
    form = call(business_client, "reviews.new_information_request", incident_id=incident.id)
    assert "not a statutory deadline" in form.text("main")
    assert CHILD in form.text("#agency-child-details")  # what the agency will see
    info = _made(call, business_client, world)
    assert (info.stage, info.status, info.due_on, info.asked) == (
        "rapid_review", "sent", date(2025, 3, 17), ASKED)
    page = call(business_client, "reviews.incident", incident_id=incident.id)
    assert "Hill Surgery" in page.text("#information-requests")
    assert "Sent" in page.text("#information-requests")
    with app.app_context():
        assert mail.send_due(NOW + timedelta(minutes=1)) == (1, 0)
    received = smtp_server.messages[0]
    body = received.get_body(("plain",)).get_content()
    assert received["To"] == "jo@hill.example"
    assert incident.reference in body and "17 March 2025" in body
    assert "practice review" in body and "reporting form" not in body
    for value in ("Testchild", "Invented", "Child P", ASKED):
        assert value not in str(received["Subject"]) + body
        assert value not in received.get_body(("html",)).get_content()


def test_a_local_review_request_needs_a_local_review_and_a_due_date_not_past(
        app, call, business_client, world):
    incident, contact = world
    refused = _make(call, business_client, incident, contact, stage="local_review", status=400)
    assert refused.errors == ["Select which review it is for"]
    refused = _make(call, business_client, incident, contact,
                    due_on=_day(date(2025, 3, 2)), status=400)
    assert refused.errors == ["The due date must be today or in the future"]
    assert ASKED in refused.text("main")  # nothing typed is lost
    assert db.session.scalar(sa.select(sa.func.count()).select_from(InformationRequest)) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboundEmail)) == 0
    incident.decision, incident.decision_on = "local", date(2025, 2, 20)
    db.session.commit()
    _make(call, business_client, incident, contact, stage="local_review")
    assert db.session.scalars(sa.select(InformationRequest)).one().stage == "local_review"


def test_the_agency_opens_the_link_with_its_code_and_sees_only_what_it_needs(
        app, call, business_client, world):
    incident, contact = world
    _made(call, business_client, world)
    client = app.test_client()
    before = client.get(f"/agency/{_token()}").get_data(as_text=True)
    assert "Testchild" not in before and incident.reference not in before
    assert "asked your agency for information for a practice review" in before
    _signed_in(client, _token())
    html = client.get("/agency/request").get_data(as_text=True)
    assert "Request for information" in html and CHILD in html
    assert incident.reference in html and ASKED in html and "17 March 2025" in html
    assert "20 December 2024" in html  # the incident's date
    assert "reporting form" not in html.lower()
    form = client.get("/agency/form").get_data(as_text=True)
    assert "Your agency&#39;s response" in form or "Your agency's response" in form
    assert "bereavement" not in form.lower()


def test_the_agency_saves_then_sends_a_written_response_once(app, call, business_client,
                                                               world):
    incident, contact = world
    info = _made(call, business_client, world)
    client = app.test_client()
    _signed_in(client, _token())
    saved = _post(client, "/agency/form", {"response": "Half written", "save": "y"})
    assert saved.status_code == 302
    assert "Half written" in client.get("/agency/form").get_data(as_text=True)
    empty = _post(client, "/agency/form", {"response": ""})
    assert empty.status_code == 400
    assert "Enter your agency" in empty.get_data(as_text=True)
    assert _post(client, "/agency/form", {"response": "All of it."}).status_code == 302
    check = client.get("/agency/check")
    assert check.status_code == 200 and "All of it." in check.get_data(as_text=True)
    token_field = csrf_token_from(check.get_data(as_text=True))
    sent = client.post("/agency/check", data={"csrf_token": token_field})
    assert sent.status_code == 302
    assert "Response sent" in client.get(sent.headers["Location"]).get_data(as_text=True)
    assert client.post("/agency/check", data={"csrf_token": token_field}).status_code == 401
    db.session.expire_all()
    assert info.status == "returned" and info.returned_at.date() == NOW.date()
    told = db.session.scalars(sa.select(OutboundEmail).where(
        OutboundEmail.kind == "agency_return")).one()  # the business unit user
    assert "written response" in told.subject
    for value in ("Testchild", "Invented", "All of it", incident.reference):
        assert value not in told.subject + told.text_body + told.html_body
    page = call(business_client, "reviews.incident", incident_id=incident.id)
    assert "Returned, awaiting review" in page.text("#information-requests")


def test_the_business_unit_accepts_the_response(app, call, business_client, world):
    incident, contact = world
    info = _made(call, business_client, world)
    _respond(app)
    page = call(business_client, "reviews.information_request", incident_id=incident.id,
                information_request_id=info.id)
    assert "Seen twice at the surgery" in page.text("main")
    assert "Returned, awaiting review" in page.text("#information-request-summary")
    link = db.session.scalars(sa.select(links.AgencyLink)).one()
    form_page = ("reviews.information_request",
                 {"incident_id": incident.id, "information_request_id": info.id})
    call(business_client, "reviews.accept_information_answer", status=302, form_page=form_page,
         incident_id=incident.id, information_request_id=info.id,
         data={"link_id": str(link.id)})
    db.session.expire_all()
    assert (info.status, info.accepted_on) == ("accepted", date(2025, 3, 3))
    assert agency_access.answer_of(link).status == agency_access.ACCEPTED
    # Accepted twice is accepted once; nothing more is sent once accepted.
    call(business_client, "reviews.accept_information_answer", status=302,
         form_page=form_page, incident_id=incident.id, information_request_id=info.id,
         data={"link_id": str(link.id)})
    page = call(business_client, "reviews.information_request", incident_id=incident.id,
                information_request_id=info.id)
    assert "Accepted" in page.text("#information-request-summary")
    assert "Send the link again" not in page.text("main")
    assert "Written response from Hill Surgery accepted" in call(
        business_client, "reviews.incident", incident_id=incident.id).text("main")


def test_a_query_reopens_the_link_with_the_question_shown(app, call, business_client, world):
    incident, contact = world
    info = _made(call, business_client, world)
    _respond(app)
    link = db.session.scalars(sa.select(links.AgencyLink)).one()
    form_page = ("reviews.information_request",
                 {"incident_id": incident.id, "information_request_id": info.id})
    # While the response awaits review, it is not sent again.
    refused = call(business_client, "reviews.send_information_link", status=400,
                   form_page=form_page, incident_id=incident.id,
                   information_request_id=info.id, data={"contact": str(contact.id)})
    assert refused.errors == ["Accept or query the response awaiting review first"]
    refused = call(business_client, "reviews.query_information_answer", status=400,
                   form_page=form_page, incident_id=incident.id,
                   information_request_id=info.id, data={"link_id": str(link.id)})
    assert refused.errors == ["Enter your question to the agency"]
    call(business_client, "reviews.query_information_answer", status=302, form_page=form_page,
         incident_id=incident.id, information_request_id=info.id,
         data={"link_id": str(link.id), "question": "Which dates in September?"})
    db.session.expire_all()
    assert info.status == "queried"
    email = db.session.scalars(sa.select(OutboundEmail).where(
        OutboundEmail.kind == "agency_query")).one()
    assert "written response" in email.subject
    for value in ("Testchild", "Which dates", "surgery, in July"):
        assert value not in email.subject + email.text_body + email.html_body
    client = app.test_client()
    _signed_in(client, _token())
    form = client.get("/agency/form").get_data(as_text=True)
    assert "Which dates in September?" in form and "Seen twice at the surgery" in form
    assert _post(client, "/agency/form", {"response": "12 and 19 September."}).status_code == 302
    assert _post(client, "/agency/check", {}).status_code == 302
    db.session.expire_all()
    assert info.status == "returned"


def test_sending_again_and_revoking(app, call, business_client, world):
    incident, contact = world
    info = _made(call, business_client, world)
    first = _token()
    other = db.session.scalar(sa.select(AgencyContact).where(AgencyContact.name == "Sam Hill"))
    form_page = ("reviews.information_request",
                 {"incident_id": incident.id, "information_request_id": info.id})
    call(business_client, "reviews.send_information_link", status=302, form_page=form_page,
         incident_id=incident.id, information_request_id=info.id,
         data={"contact": str(other.id)})
    second = _token()
    assert second != first
    email = db.session.scalars(sa.select(OutboundEmail).where(
        OutboundEmail.kind == "agency_link").order_by(OutboundEmail.id.desc())).first()
    assert email.to_address == "sam@hill.example"
    link = db.session.scalars(sa.select(links.AgencyLink).where(
        links.AgencyLink.contact_id == other.id)).one()
    call(business_client, "reviews.revoke_information_link", status=302, form_page=form_page,
         incident_id=incident.id, information_request_id=info.id,
         data={"link_id": str(link.id)})
    assert app.test_client().get(f"/agency/{second}").status_code == 404
    assert "Revoked" in call(business_client, "reviews.information_request",
                             incident_id=incident.id,
                             information_request_id=info.id).text("#request-links")


def test_a_contact_of_another_agency_or_partnership_is_refused(
        app, call, business_client, world, other_partnership):
    incident, contact = world
    info = _made(call, business_client, world)
    elsewhere = DirectoryAgency(partnership_id=other_partnership.id, name="Far Surgery",
                                name_key="far surgery", kind="gp")
    stranger = AgencyContact(agency=elsewhere, partnership_id=other_partnership.id,
                             name="Al Far", email="al@far.example")
    db.session.add_all([elsewhere, stranger])
    db.session.commit()
    before = db.session.scalar(sa.select(sa.func.count()).select_from(OutboundEmail))
    refused = _make(call, business_client, incident, stranger, status=400)
    assert refused.errors
    form_page = ("reviews.information_request",
                 {"incident_id": incident.id, "information_request_id": info.id})
    call(business_client, "reviews.send_information_link", status=400, form_page=form_page,
         incident_id=incident.id, information_request_id=info.id,
         data={"contact": str(stranger.id)})
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboundEmail)) == before


def test_another_partnership_and_other_roles_are_refused(app, call, business_client, world,
                                                         other_partnership, cdop_client,
                                                         auditor_client):
    incident, contact = world
    info = _made(call, business_client, world)
    client = app.test_client()
    assert sign_in(client, make_user(Role.BUSINESS_UNIT, [other_partnership]).email
                   ).status_code == 302
    for endpoint in ("reviews.new_information_request", "reviews.information_request"):
        call(client, endpoint, status=404, incident_id=incident.id,
             information_request_id=info.id)
    base = f"/practice-reviews/{incident.id}/information-requests/{info.id}"
    link = db.session.scalars(sa.select(links.AgencyLink)).one()
    csrf = csrf_token_from(client.get("/").get_data(as_text=True))
    for path in ("/link", "/link/revoke", "/accept", "/query"):
        answer = client.post(base + path, data={"csrf_token": csrf, "link_id": str(link.id),
                                                "contact": str(contact.id)})
        assert answer.status_code == 404
    db.session.expire_all()
    assert link.revoked_at is None
    # The CDOP administrator and the auditor may not make or see one.
    for other in (cdop_client, auditor_client):
        call(other, "reviews.information_request", status=403, incident_id=incident.id,
             information_request_id=info.id)
    # The auditor sees the list on the review page, without links to change anything.
    page = call(auditor_client, "reviews.incident", incident_id=incident.id)
    assert "Hill Surgery" in page.text("#information-requests")
    assert "Ask an agency for information" not in page.text("main")


def test_every_view_and_change_is_audited(app, call, business_client, world):
    incident, contact = world
    info = _made(call, business_client, world)
    call(business_client, "reviews.information_request", incident_id=incident.id,
         information_request_id=info.id)
    _respond(app)
    rows = list(db.session.scalars(sa.select(AuditEvent)))
    created = [row for row in rows if row.object_type == "InformationRequest"
               and row.action == "create"]
    assert len(created) == 1 and created[0].partnership_id == incident.partnership_id
    assert created[0].user_id is not None
    views = [row.detail for row in rows if row.action == "view"
             and row.object_type == "SeriousIncident"]
    assert any("request for information page" in (detail or "") for detail in views)
    link = db.session.scalars(sa.select(links.AgencyLink)).one()
    agency_rows = [row for row in rows if row.user_email == f"Agency contact {contact.id}"]
    assert {row.action for row in agency_rows} >= {"code_sent", "login", "view", "update"}
    assert sum(row.action == "view" for row in agency_rows) >= 3  # request, form, check
    assert any(row.object_type == "InformationRequest" and row.action == "update"
               for row in agency_rows)  # the request returned, under the contact
    assert any("written response" in (row.detail or "") for row in agency_rows
               if row.object_id == str(link.id))
    # The response's text is never copied into the trail.
    assert not any("Seen twice" in str(row.changes) + str(row.detail or "") for row in rows)


def test_a_written_response_takes_no_attached_files(app, call, business_client, world):
    """The attachments pages serve reporting forms only: a practice review's written
    response has no place where staff would see a file, so none can be stored on it."""
    from tracker.attachments import AgencyAttachment

    _made(call, business_client, world)
    client = app.test_client()
    _signed_in(client, _token())
    assert client.get("/agency/attachments").status_code != 200
    pdf = b"%PDF-1.4\n%%EOF\n"
    import io
    client.post("/agency/attachments", data={
        "upload": (io.BytesIO(pdf), "record.pdf"),
        "csrf_token": csrf_token_from(client.get("/agency/form").get_data(as_text=True))},
        content_type="multipart/form-data")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AgencyAttachment)) == 0


def test_an_inactive_contact_is_not_offered_nor_sent_a_link(app, call, business_client, world):
    """A contact made inactive (left the agency) gets no new link with the child's details
    behind it, whether on a new request or sent again."""
    incident, contact = world
    info = _made(call, business_client, world)
    contact.active = False
    db.session.commit()
    before = db.session.scalar(sa.select(sa.func.count()).select_from(OutboundEmail))
    refused = _make(call, business_client, incident, contact, status=400)
    assert refused.errors
    form_page = ("reviews.information_request",
                 {"incident_id": incident.id, "information_request_id": info.id})
    call(business_client, "reviews.send_information_link", status=400, form_page=form_page,
         incident_id=incident.id, information_request_id=info.id,
         data={"contact": str(contact.id)})
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboundEmail)) == before


def test_renewing_says_the_partnerships_own_number_of_days(app, call, business_client, world):
    incident, _contact = world
    info = _made(call, business_client, world)
    db.session.get(Partnership, incident.partnership_id).agency_link_days = 10
    db.session.commit()
    link = db.session.scalars(sa.select(links.AgencyLink)).one()
    form_page = ("reviews.information_request",
                 {"incident_id": incident.id, "information_request_id": info.id})
    renewed = call(business_client, "reviews.renew_information_link", status=302,
                   form_page=form_page, incident_id=incident.id,
                   information_request_id=info.id, data={"link_id": str(link.id)})
    page = business_client.get(renewed.response.headers["Location"]).get_data(as_text=True)
    assert "it works for another 10 days" in page
