"""Practice reviews at the end of their retention period (tracker.retention).

A serious incident is kept RETENTION years after its review was published, or after the
decision not to carry out a local review, then anonymised, not deleted: the compliance figures
still count its deadlines. In the caller's one transaction: its identity row (the child's name)
goes, the child's reference is set back to "Child", the agencies' personal links (with their
answers and files) and the in-app notices of its deadlines, requests and actions are deleted,
and every free-text column of the incident and its rows that may name someone is cleared (the
decisions, column by column, are DELETED, CLEARED, BLANKED and KEPT below), with its timeline's
text, its deadlines' reasons and their copies in the audit trail.
"""

import sqlalchemy as sa

from reviews.models import (
    ActionUpdate,
    IncidentChild,
    InformationRequest,
    PublicationDelay,
    Recommendation,
    ReviewAction,
    Reviewer,
    ReviewRequest,
    SeriousIncident,
    YearlyReport,
)
from tracker import disposal, retention
from tracker.extensions import db

KEY = "practice_review"

# What disposal does with each text column of the reviews tables (a test checks every String,
# Text and JSON column is named here once). Rows DELETED go whole.
DELETED = (IncidentChild,)
# Set to NULL: the published report's address (a page of the review, named by the child's
# pseudonym), and free text nothing counts.
CLEARED = {
    SeriousIncident: ("published_url",),
    ReviewAction: ("evidence",),
    Reviewer: ("knowledge", "research", "viewpoint", "communication", "conflict_outcome"),
    ReviewRequest: ("summary",),
    PublicationDelay: ("detail",),
}
# REMOVED written over a non-NULL value: free text that may name the child, the family or a
# professional, where the column is NOT NULL or the review's task list counts whether it was
# written (the rapid review's facts, the justification for not publishing in full). An
# action's description and a reviewer's name were their audit rows' labels: cleared too.
BLANKED = {
    SeriousIncident: ("other_areas", "panel_late_reason", "partners_late_reason",
                      "sos_ofsted_late_reason", "rr_participants", "rr_agencies", "rr_facts",
                      "rr_safety_actions", "rr_learning", "rr_rationale",
                      "panel_info_requested", "decision_rationale", "terms_of_reference",
                      "methodology", "publish_justification"),
    Recommendation: ("text",),
    ReviewAction: ("description", "lead"),
    ActionUpdate: ("text",),
    Reviewer: ("name",),
    InformationRequest: ("asked",),
}
LABELLED = (ReviewAction, Reviewer)
# Kept: codes and references the compliance figures and lists count or find the record by
# (the child's reference is set back to "Child" apart, below); an organisation's name (never a
# person's); the partnership's yearly report (not of one incident).
KEPT = {
    SeriousIncident: ("reference", "previous_reference", "stage", "rules_edition",
                      "child_reference", "location", "cp_plan", "panel_reference",
                      "rr_recommendation", "decision", "publish_type"),
    ReviewAction: ("agency", "status"),
    Reviewer: ("organisation",),
    ReviewRequest: ("agency",),
    PublicationDelay: ("reason",),
    InformationRequest: ("stage", "status"),
    YearlyReport: ("url", "rules_edition"),
}


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
    owned = {model: disposal.ids_of(model, model.incident_id, ids)
             for model in (ReviewRequest, ReviewAction, InformationRequest, Recommendation,
                           Reviewer, PublicationDelay)}
    owned[SeriousIncident] = ids
    owned[ActionUpdate] = disposal.ids_of(ActionUpdate, ActionUpdate.action_id,
                                          owned[ReviewAction])
    removed = disposal.remove_agency_links(ReviewRequest.__tablename__, owned[ReviewRequest])
    # Requests for information sent to agencies as links: the links, the agencies' written
    # answers and files go.
    removed += disposal.remove_agency_links(InformationRequest.__tablename__,
                                            owned[InformationRequest])
    removed += disposal.remove_notices(
        (SeriousIncident.__tablename__,), ids,
        subjects=[("reviews_action", owned[ReviewAction]),
                  ("reviews_request", owned[ReviewRequest])])
    for model in DELETED:
        removed += disposal.delete_rows(model, model.incident_id, ids)
    for model, columns in CLEARED.items():
        removed += disposal.clear_columns(model, owned[model], columns)
    for model, columns in BLANKED.items():
        removed += disposal.blank_text(model, model.id.in_(owned[model]), columns,
                                       labels=model in LABELLED)
    # Rows taken away before the disposal (a request, an action, a reviewer removed).
    for model in (*DELETED, *(model for model in owned if model is not SeriousIncident)):
        parent = (model.action_id if model is ActionUpdate else model.incident_id)
        removed += disposal.scrub_gone(model, parent,
                                       owned[ReviewAction] if model is ActionUpdate else ids)
    disposal.scrub_audit(SeriousIncident.__name__, ids, keys={"child_reference"})
    removed += db.session.execute(
        sa.update(SeriousIncident).where(SeriousIncident.id.in_(ids))
        .values(child_reference="Child")
        .execution_options(synchronize_session=False)).rowcount
    removed += disposal.clear_timeline(SeriousIncident.__tablename__, ids)
    removed += disposal.clear_deadline_reasons((SeriousIncident.__tablename__,), ids)
    return removed


KIND = retention.RetentionKind(KEY, "Practice review",
                               "after publication, or the decision not to review",
                               "anonymised", due, dispose)
