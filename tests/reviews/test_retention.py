"""Retention of practice reviews: a review published more than its years ago is listed and,
once confirmed, anonymised (the child's name row gone, its reference back to "Child"), its
deadlines kept for the compliance figures; one not yet published is not listed."""

from datetime import date

import sqlalchemy as sa

from reviews.models import IncidentChild, SeriousIncident
from tests.conftest import _signed_in_client, csrf_token_from
from tests.reviews.factories import make_incident
from tracker import compliance, retention
from tracker.audit import AuditEvent
from tracker.compliance import Period
from tracker.deadline_models import Deadline
from tracker.extensions import db
from tracker.retention import RetentionDue
from tracker.roles import Role

AFTER = date(2046, 1, 10)
YEAR = Period(date(2024, 4, 1), date(2025, 3, 31))


def _figures(partnership):
    return repr(compliance.rule_compliance(partnership.id, YEAR, ["serious_incident"],
                                           date(2025, 6, 1)))


def test_a_published_review_past_its_date_is_anonymised(app, partnership, clock):
    clock.set(date(2025, 6, 1))
    published = make_incident(partnership, child_name="Ann Invented", child_reference="Child A")
    db.session.execute(sa.update(SeriousIncident).where(SeriousIncident.id == published.id)
                       .values(published_on=date(2025, 6, 1), decision="local",
                               decision_on=date(2025, 1, 10)))
    open_review = make_incident(partnership, child_name="Bea Invented")
    db.session.commit()
    deadlines = db.session.scalar(sa.select(sa.func.count()).select_from(Deadline).where(
        Deadline.owner_type == "serious_incident", Deadline.owner_id == published.id))
    before = _figures(partnership)

    clock.set(AFTER)
    assert retention.list_due(AFTER) == 1
    item = db.session.scalar(sa.select(RetentionDue))
    assert (item.kind, item.record_id, item.due_on) == ("practice_review", published.id,
                                                        date(2045, 6, 1))
    client = _signed_in_client(app, partnership, Role.SYSTEM_ADMIN)
    url = f"/retention/{partnership.code}/due/{item.id}/dispose"
    client.post(url, data={"csrf_token": csrf_token_from(client.get(url).text)})

    db.session.expire_all()
    assert db.session.scalar(sa.select(IncidentChild).where(
        IncidentChild.incident_id == published.id)) is None
    assert db.session.get(SeriousIncident, published.id).child_reference == "Child"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Deadline).where(
        Deadline.owner_type == "serious_incident",
        Deadline.owner_id == published.id)) == deadlines
    assert _figures(partnership) == before
    assert db.session.scalar(sa.select(IncidentChild).where(
        IncidentChild.incident_id == open_review.id)).full_name == "Bea Invented"
    disposal = db.session.scalar(sa.select(AuditEvent).where(
        AuditEvent.object_type == "RetentionDisposal"))
    assert disposal.object_label == published.reference
    assert "Ann Invented" not in f"{disposal.detail} {disposal.changes}"


MINIMAL_PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
               b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")


def test_disposal_takes_the_agencies_answers_links_and_files_of_its_requests(
        app, partnership, clock, tmp_path):
    """A request for information sent as a link: at disposal its link, the agency's written
    answer and the file it attached go (the file from the disk too), and what was asked is
    cleared; the request itself stays, counted."""
    from reviews.models import InformationRequest
    from tracker import agency_links, attachments
    from tracker.agencies import AgencyContact, DirectoryAgency
    from tracker.agency_access import AgencyAnswer
    from tracker.agency_links import AgencyLink

    app.config["ATTACHMENT_DIR"] = str(tmp_path / "attachments")
    clock.set(date(2025, 6, 1))
    incident = make_incident(partnership, child_name="Ann Invented")
    db.session.execute(sa.update(SeriousIncident).where(SeriousIncident.id == incident.id)
                       .values(published_on=date(2025, 6, 1), decision="local",
                               decision_on=date(2025, 1, 10)))
    agency = DirectoryAgency(partnership_id=partnership.id, name="Hill Surgery",
                             name_key="hill surgery", kind="gp")
    contact = AgencyContact(agency=agency, partnership_id=partnership.id, name="Jo Hill",
                            email="jo@hill.example")
    db.session.add_all([agency, contact])
    db.session.flush()
    asked = InformationRequest(partnership_id=partnership.id, incident_id=incident.id,
                               agency_id=agency.id, stage="rapid_review",
                               asked="What did you know of Ann Invented?",
                               due_on=date(2025, 6, 20))
    db.session.add(asked)
    db.session.flush()
    link, _token = agency_links.issue(owner_type=InformationRequest.__tablename__,
                                      owner_id=asked.id, contact=contact,
                                      partnership=partnership, reference=incident.reference,
                                      due_on=date(2025, 6, 20))
    db.session.flush()
    answer = AgencyAnswer(link_id=link.id, partnership_id=partnership.id,
                          answers={"response": "Ann Invented was known to us"})
    db.session.add(answer)
    db.session.flush()
    attached = attachments.add(link, answer, "record.pdf", MINIMAL_PDF)
    db.session.commit()
    path = attachments.path_of(attached)
    assert path.exists()

    clock.set(AFTER)
    retention.list_due(AFTER)  # the review, and the link's e-mail in the ledger
    item = db.session.scalar(sa.select(RetentionDue).where(
        RetentionDue.kind == "practice_review"))
    client = _signed_in_client(app, partnership, Role.SYSTEM_ADMIN)
    url = f"/retention/{partnership.code}/due/{item.id}/dispose"
    client.post(url, data={"csrf_token": csrf_token_from(client.get(url).text)})

    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AgencyLink)) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AgencyAnswer)) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(
        attachments.AgencyAttachment)) == 0
    assert not path.exists()
    kept = db.session.get(InformationRequest, asked.id)
    assert "Ann Invented" not in kept.asked
    assert not any("Ann Invented" in str(changes) for changes in db.session.scalars(
        sa.select(AuditEvent.changes).where(AuditEvent.object_type == "InformationRequest")))
