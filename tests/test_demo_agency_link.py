"""The demo has an agency directory and a case with an agency link, whose e-mail is queued for
the local mail folder, naming the case reference and never the child."""

from datetime import date

import sqlalchemy as sa

from cdr.models import AgencyRequest, ChildDeathCase, ChildIdentity
from tracker import demo
from tracker.agencies import AgencyContact
from tracker.agency_links import AgencyLink
from tracker.extensions import db
from tracker.mail import OutboundEmail


def test_the_demo_sends_one_agency_link_to_a_directory_contact(app):
    demo.seed_people()
    demo.seed_cases(40, today=date(2026, 11, 23))

    link = db.session.scalars(sa.select(AgencyLink).where(
        AgencyLink.owner_type == "cdr_agency_request")).one()
    contact = db.session.get(AgencyContact, link.contact_id)
    email = db.session.scalars(sa.select(OutboundEmail).where(
        OutboundEmail.kind == "agency_link",
        OutboundEmail.subject.contains("reporting form"))).one()
    assert email.to_address == contact.email
    case = db.session.get(ChildDeathCase,
                          db.session.get(AgencyRequest, link.owner_id).case_id)
    assert case.reference in email.subject
    identity = db.session.scalar(sa.select(ChildIdentity).where(
        ChildIdentity.case_id == case.id))
    for value in (f"{identity.given_names} {identity.family_name}", identity.nhs_number,
                  identity.postcode):
        assert value not in email.subject + email.text_body + email.html_body
    assert "/agency/" in email.text_body


def test_the_demo_sends_a_practice_reviews_request_for_information(app):
    from reviews.models import IncidentChild, InformationRequest, SeriousIncident

    demo.seed_people()
    demo.seed_cases(40, today=date(2026, 11, 23))
    info = db.session.scalars(sa.select(InformationRequest)).one()
    assert (info.stage, info.due_on) == ("rapid_review", date(2026, 12, 7))
    link = db.session.scalars(sa.select(AgencyLink).where(
        AgencyLink.owner_type == "reviews_information_request")).one()
    assert link.owner_id == info.id
    email = db.session.scalars(sa.select(OutboundEmail).where(
        OutboundEmail.kind == "agency_link",
        OutboundEmail.subject.contains("practice review"))).one()
    incident = db.session.get(SeriousIncident, info.incident_id)
    assert incident.reference in email.subject and "/agency/" in email.text_body
    child = db.session.scalar(sa.select(IncidentChild).where(
        IncidentChild.incident_id == incident.id))
    for value in [incident.child_reference] + ([child.full_name] if child else []):
        assert value not in email.subject + email.text_body + email.html_body
