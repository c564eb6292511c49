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
