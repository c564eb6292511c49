"""Child death records at the end of their retention period (tracker.retention).

A closed case is kept RETENTION years after it was closed, then anonymised, not deleted: the
annual report and the compliance figures still count it, so the case row keeps its codes and
dates (category, modifiable factors, sex, age, place, expected or not) and its stored
deadlines. What identifies the child or the family, or may name anyone, goes in the caller's
one transaction: the child's identity row, every notification, the public-form submissions
that became the case, transfers, the agencies involved, the agencies' answers and personal
links, the in-app notices of its deadlines and actions, and every free-text column of the
case and its rows (the decisions, column by column, are DELETED, CLEARED, BLANKED and KEPT
below), its timeline's text and its deadlines' reasons, with their copies in the audit trail.

A public-form submission never made a case (declined, or forwarded to another partnership)
is a kind of its own: deleted RETENTION years after it was triaged. One still waiting for
triage is never listed: it is a death notification nobody has looked at yet, counted on the
home page until a CDOP administrator triages it.
"""

from datetime import datetime, time

import sqlalchemy as sa

from cdr.models import (
    AgencyRequest,
    CaseAction,
    CaseAgency,
    CaseNotification,
    CaseTransfer,
    ChildDeathCase,
    ChildIdentity,
    PanelMeeting,
    RapidResponseMeeting,
)
from cdr.models.public import DECLINED, FORWARDED, PublicFormUse, PublicNotification
from tracker import disposal, retention

KEY = "cdr_case"
PUBLIC_KEY = "cdr_public_not_a_case"

# What disposal does with each text column of cdr's tables (a test checks every String, Text
# and JSON column is named here once). Rows DELETED go whole.
DELETED = (ChildIdentity, CaseAgency, CaseNotification, CaseTransfer, PublicNotification)
# Free text that may name the child, the family or a professional: set to NULL.
CLEARED = {
    ChildDeathCase: (
        "place_of_death_other", "ncmd_alert_details", "fatal_event_place",
        "senior_practitioner", "cause_1a", "cause_1b", "cause_1c", "cause_2",
        "no_post_mortem_decided_by", "inquest_conclusion", "pfd_report_concerns",
        "key_worker_name", "bereavement_support_details", "review_meeting_attendees",
        "analysis_summary", "analysis_factors", "analysis_learning", "draft_factors_child",
        "draft_factors_social", "draft_factors_physical", "draft_factors_service",
        "draft_modifiable_reason", "draft_actions", "factors_child", "factors_social",
        "factors_physical", "factors_service", "modifiable_reason", "learning_points",
        "outcome_actions"),
    RapidResponseMeeting: ("place_or_link", "chair", "attendees", "agencies", "actions",
                           "notes", "outside_window_reason"),
    CaseAction: ("evidence",),
    AgencyRequest: ("summary",),
}
# Free text in a NOT NULL column: REMOVED written over it (an action's description was its
# label in the audit trail, so the labels of its audit rows are cleared too).
BLANKED = {CaseAction: ("description", "owner")}
# Kept: codes and references the annual report, the compliance figures and the lists count
# or find the record by; an organisation's name (never a person's); a CDOP meeting's own text
# (it covers every case on its agenda, not one case); the rate limit's keyed hash.
KEPT = {
    ChildDeathCase: (
        "reference", "previous_reference", "stage", "rules_edition", "place_of_death",
        "la_of_residence", "la_of_death", "sex", "death_expected", "nhs_number_absent",
        "ncmd_alert", "ethnicity", "post_mortem_required", "no_post_mortem",
        "key_worker_agency", "bereavement_support_offered", "draft_category",
        "draft_grade_child", "draft_grade_social", "draft_grade_physical",
        "draft_grade_service", "draft_modifiable", "category", "modifiable_factors",
        "grade_child", "grade_social", "grade_physical", "grade_service"),
    AgencyRequest: ("agency", "reporting_form", "rules_edition"),
    PanelMeeting: ("place_or_link", "notes", "recorded_after_reason"),
    PublicFormUse: ("client_hash",),
}


def due(partnership_id, basis_before):
    """Closed cases of the partnership closed before the day."""
    return (sa.select(ChildDeathCase.id, ChildDeathCase.reference, ChildDeathCase.closed_on)
            .where(ChildDeathCase.partnership_id == partnership_id,
                   ChildDeathCase.closed_on.is_not(None),
                   ChildDeathCase.closed_on < basis_before))


def dispose(case_ids) -> int:
    """Anonymise these cases; returns how many rows were removed or cleared."""
    ids = list(case_ids)
    request_ids = disposal.ids_of(AgencyRequest, AgencyRequest.case_id, ids)
    action_ids = disposal.ids_of(CaseAction, CaseAction.case_id, ids)
    owned = {AgencyRequest: request_ids, CaseAction: action_ids, ChildDeathCase: ids,
             RapidResponseMeeting: disposal.ids_of(RapidResponseMeeting,
                                                   RapidResponseMeeting.case_id, ids)}
    removed = disposal.remove_agency_links(AgencyRequest.__tablename__, request_ids)
    removed += disposal.remove_notices((ChildDeathCase.__tablename__,
                                        AgencyRequest.__tablename__), ids + request_ids,
                                       subjects=[("cdr_action", action_ids)])
    for model in DELETED:
        removed += disposal.delete_rows(model, model.case_id, ids)
    for model, columns in CLEARED.items():
        removed += disposal.clear_columns(model, owned[model], columns)
    for model, columns in BLANKED.items():
        removed += disposal.blank_text(model, model.id.in_(owned[model]), columns,
                                       labels=True)
    # Rows taken away before the disposal (an agency off the list, a cancelled meeting).
    for model in (*DELETED, AgencyRequest, CaseAction, RapidResponseMeeting):
        removed += disposal.scrub_gone(model, model.case_id, ids)
    removed += disposal.clear_timeline(ChildDeathCase.__tablename__, ids)
    removed += disposal.clear_deadline_reasons((ChildDeathCase.__tablename__,
                                                AgencyRequest.__tablename__),
                                               ids + request_ids)
    return removed


def public_due(partnership_id, basis_before):
    """Public-form submissions of the partnership declined or forwarded (never a case here)
    before the day."""
    return (sa.select(PublicNotification.id, PublicNotification.reference,
                      PublicNotification.triaged_at)
            .where(PublicNotification.partnership_id == partnership_id,
                   PublicNotification.status.in_((DECLINED, FORWARDED)),
                   PublicNotification.case_id.is_(None),
                   PublicNotification.triaged_at < datetime.combine(basis_before, time.min)))


def public_dispose(ids) -> int:
    """Delete these submissions (the answers, the notifier, where it should have gone)."""
    return disposal.delete_rows(PublicNotification, PublicNotification.id, ids)


KIND = retention.RetentionKind(KEY, "Child death case", "after the case is closed",
                               "anonymised", due, dispose)
PUBLIC_KIND = retention.RetentionKind(
    PUBLIC_KEY, "Public notification not made a case",
    "after it was declined or forwarded", "deleted", public_due, public_dispose)
