"""Practice reviews at the end of their retention period (tracker.retention).

A serious incident is kept RETENTION years after its review was published, or after the
decision not to carry out a local review, then anonymised, not deleted: the compliance figures
still count its deadlines. Its identity row (the child's name) goes, the child's reference is
set back to "Child", the agencies' answers to written requests and what was asked in a
request for information are cleared, and their personal links (with the agencies' answers and
files) and the in-app notices of its deadlines, requests and actions are deleted, in the
caller's one transaction.
"""

import sqlalchemy as sa

from reviews.models import (
    IncidentChild,
    InformationRequest,
    ReviewAction,
    ReviewRequest,
    SeriousIncident,
)
from tracker import retention
from tracker.extensions import db

KEY = "practice_review"


def due(partnership_id, basis_before):
    """Incidents published, or decided not to review, before the day."""
    basis = sa.case((SeriousIncident.published_on.is_not(None), SeriousIncident.published_on),
                    (SeriousIncident.decision == "none", SeriousIncident.decision_on),
                    else_=None)
    return (sa.select(SeriousIncident.id, SeriousIncident.reference, basis)
            .where(SeriousIncident.partnership_id == partnership_id, basis.is_not(None),
                   basis < basis_before))


def dispose(incident_ids) -> int:
    """Anonymise these incidents; returns how many rows were removed or cleared."""
    ids = list(incident_ids)
    request_ids = list(db.session.scalars(
        sa.select(ReviewRequest.id).where(ReviewRequest.incident_id.in_(ids))))
    action_ids = list(db.session.scalars(
        sa.select(ReviewAction.id).where(ReviewAction.incident_id.in_(ids))))
    information_ids = list(db.session.scalars(
        sa.select(InformationRequest.id).where(InformationRequest.incident_id.in_(ids))))
    removed = retention.remove_agency_links(ReviewRequest.__tablename__, request_ids)
    # Requests for information sent to agencies as links: the links, the agencies' written
    # answers and files go, and what was asked (free text that may name someone) is cleared.
    removed += retention.remove_agency_links(InformationRequest.__tablename__, information_ids)
    retention.scrub_audit(InformationRequest.__name__, information_ids, keys={"asked"})
    removed += db.session.execute(
        sa.update(InformationRequest).where(InformationRequest.id.in_(information_ids))
        .values(asked=retention.REMOVED).execution_options(synchronize_session=False)
    ).rowcount
    removed += retention.remove_notices(
        (SeriousIncident.__tablename__,), ids,
        subjects=[("reviews_action", action_ids), ("reviews_request", request_ids)])
    removed += retention.delete_rows(IncidentChild, IncidentChild.incident_id, ids)
    removed += retention.clear_columns(ReviewRequest, request_ids, ("summary",))
    retention.scrub_audit(SeriousIncident.__name__, ids, keys={"child_reference"})
    removed += db.session.execute(
        sa.update(SeriousIncident).where(SeriousIncident.id.in_(ids))
        .values(child_reference="Child")
        .execution_options(synchronize_session=False)).rowcount
    return removed


KIND = retention.RetentionKind(KEY, "Practice review",
                               "after publication, or the decision not to review",
                               "anonymised", due, dispose)
