"""A practice review disposed of keeps nothing that may name the child, the family or anyone
else: every free-text column of the incident and its rows (planted through the ORM, so the
audit trail copies them as a user's saves do), its timeline's text, its deadlines' reasons, a
reason a user gave, the agencies' answers, and the audit trail's copies and labels of all of
them are gone from every text column of every table; the compliance figures are unchanged
and the review's task list reads as before."""

from datetime import date

import sqlalchemy as sa

from reviews import retention as reviews_retention
from reviews.models import (
    ActionUpdate,
    IncidentChild,
    InformationRequest,
    PublicationDelay,
    RapidReviewMeeting,
    Recommendation,
    ReviewAction,
    Reviewer,
    ReviewRequest,
    SeriousIncident,
)
from reviews.services import stages
from tests import text_dump
from tests.conftest import _signed_in_client, csrf_token_from
from tests.reviews.factories import make_incident
from tests.reviews.test_retention import AFTER, _figures
from tracker import agency_links, audit, retention
from tracker.agencies import AgencyContact, DirectoryAgency
from tracker.agency_access import AgencyAnswer
from tracker.deadline_models import Deadline
from tracker.disposal import REMOVED
from tracker.extensions import db
from tracker.retention import RetentionDue
from tracker.roles import Role
from tracker.timeline import TimelineEntry

_n = iter(range(1, 1000))


def _plant(row, columns):
    for name in columns:
        setattr(row, name, text_dump.planted(next(_n)))
    return row


def _published_review(partnership):
    """A published review with every column disposal clears, blanks or deletes filled."""
    incident = make_incident(partnership, child_name=text_dump.planted(next(_n)),
                             decision="local", decision_on=date(2025, 1, 10),
                             published_on=date(2025, 6, 1), publish_type="improvements")
    _plant(incident, (*reviews_retention.BLANKED[SeriousIncident],
                      *reviews_retention.CLEARED[SeriousIncident], "child_reference"))
    add = db.session.add
    owned = {"incident_id": incident.id, "partnership_id": partnership.id}
    add(RapidReviewMeeting(meeting_on=date(2025, 1, 3), **owned))
    recommendation = _plant(Recommendation(number=1, **owned), ("text",))
    add(recommendation)
    db.session.flush()
    action = _plant(ReviewAction(recommendation_id=recommendation.id, agency="Police",
                                 due_on=date(2025, 9, 1), **owned),
                    ("description", "lead", "evidence"))
    add(action)
    db.session.flush()
    add(_plant(ActionUpdate(action_id=action.id, partnership_id=partnership.id,
                            update_on=date(2025, 7, 1)), ("text",)))
    add(_plant(Reviewer(organisation="Reviews Ltd", **owned),
               ("name", *reviews_retention.CLEARED[Reviewer])))
    add(_plant(ReviewRequest(agency="Police", sent_on=date(2025, 2, 1), **owned),
               ("summary",)))
    add(_plant(PublicationDelay(reason="inquest", revised_on=date(2025, 6, 1),
                                recorded_on=date(2025, 4, 1), **owned), ("detail",)))
    agency = DirectoryAgency(partnership_id=partnership.id, name="Hill Surgery",
                             name_key="hill surgery", kind="gp")
    contact = AgencyContact(agency=agency, partnership_id=partnership.id, name="Jo Hill",
                            email="jo@hill.example")
    add_all = db.session.add_all
    add_all([agency, contact])
    db.session.flush()
    asked = _plant(InformationRequest(agency_id=agency.id, stage="rapid_review",
                                      due_on=date(2025, 2, 20), **owned), ("asked",))
    add(asked)
    db.session.flush()
    link, _token = agency_links.issue(owner_type=InformationRequest.__tablename__,
                                      owner_id=asked.id, contact=contact,
                                      partnership=partnership, reference=incident.reference,
                                      due_on=date(2025, 2, 20))
    db.session.flush()
    add(AgencyAnswer(link_id=link.id, partnership_id=partnership.id,
                     answers={"response": text_dump.planted(next(_n))},
                     question=text_dump.planted(next(_n))))
    add(TimelineEntry(owner_type="serious_incident", owner_id=incident.id, kind="reopened",
                      partnership_id=partnership.id,
                      text=f"Reopened. Reason: {text_dump.planted(next(_n))}"))
    for deadline in db.session.scalars(sa.select(Deadline).where(
            Deadline.owner_type == "serious_incident", Deadline.owner_id == incident.id)
            .limit(2)):
        _plant(deadline, ("not_applicable_reason", "extension_reason"))
    db.session.flush()
    audit.record(audit.Action.UPDATE, incident, detail="Decision changed",
                 reason=f"Asked by {text_dump.planted(next(_n))}")
    db.session.commit()
    return incident


def test_a_disposed_review_keeps_no_free_text_anywhere(app, partnership, clock):
    clock.set(date(2025, 6, 1))
    incident = _published_review(partnership)
    incident_id = incident.id
    planted = text_dump.found()
    assert {"serious_incident.rr_facts", "reviews_child_identity.full_name",
            "audit_event.object_label", "audit_event.changes", "agency_answer.answers",
            "timeline_entry.text", "deadline.not_applicable_reason"} <= set(planted)
    before = _figures(partnership)
    tasks_before = stages.tasks(incident)
    # The e-mail the link sent goes by the e-mail ledger's own schedule, not with the review.
    retention.set_years(partnership.id, "email", 0, "Kept", None)
    db.session.commit()

    clock.set(AFTER)
    assert retention.list_due(AFTER) == 1
    item = db.session.scalar(sa.select(RetentionDue))
    client = _signed_in_client(app, partnership, Role.SYSTEM_ADMIN)
    url = f"/retention/{partnership.code}/due/{item.id}/dispose"
    assert client.post(url, data={"csrf_token": csrf_token_from(
        client.get(url).text)}).status_code == 302

    db.session.expire_all()
    assert text_dump.found() == {}
    assert _figures(partnership) == before
    kept = db.session.get(SeriousIncident, incident_id)
    assert kept.child_reference == "Child" and kept.rr_facts == REMOVED
    assert kept.published_url is None and kept.publish_type == "improvements"
    assert stages.tasks(kept) == tasks_before
    assert db.session.scalar(sa.select(IncidentChild)) is None
    action = db.session.scalar(sa.select(ReviewAction))
    assert (action.description, action.agency) == (REMOVED, "Police")


def test_every_text_column_of_a_review_has_a_disposal_decision(app):
    """A text column added to the reviews models fails here until reviews/retention.py says
    whether disposal clears or keeps it."""
    assert text_dump.undecided("reviews.models", reviews_retention.DELETED,
                               reviews_retention.CLEARED, reviews_retention.BLANKED,
                               reviews_retention.KEPT) == []
