"""Child death cases at the end of their retention period (tracker.retention).

A closed case is kept RETENTION years after it was closed, then anonymised, not deleted: the
annual report and the compliance figures still count it, so the case row keeps its
non-identifying fields and its stored deadlines. What identifies the child or the family goes,
in the caller's one transaction: the child's identity row (name, date of birth, NHS number,
address, postcode, carers), every notification (the notifier and the circumstances), the
public-form submissions that became the case, transfers (their reasons), the agencies
involved (professionals' names), the agencies' answers to information requests and their
personal links, the in-app notices of its deadlines and actions, and the case's free text
that may name someone.
"""

import sqlalchemy as sa

from cdr.models import (
    AgencyRequest,
    CaseAction,
    CaseAgency,
    CaseNotification,
    CaseTransfer,
    ChildDeathCase,
    ChildIdentity,
)
from cdr.models.public import PublicNotification
from tracker import retention
from tracker.extensions import db

KEY = "cdr_case"
# The case's free text that may name someone (the README's identifying columns of the export).
NAMING_COLUMNS = ("ncmd_alert_details", "fatal_event_place", "senior_practitioner",
                  "no_post_mortem_decided_by", "key_worker_name", "review_meeting_attendees",
                  "place_of_death_other")


def due(partnership_id, basis_before):
    """Closed cases of the partnership closed before the day."""
    return (sa.select(ChildDeathCase.id, ChildDeathCase.reference, ChildDeathCase.closed_on)
            .where(ChildDeathCase.partnership_id == partnership_id,
                   ChildDeathCase.closed_on.is_not(None),
                   ChildDeathCase.closed_on < basis_before))


def dispose(case_ids) -> int:
    """Anonymise these cases; returns how many rows were removed or cleared."""
    ids = list(case_ids)
    request_ids = list(db.session.scalars(
        sa.select(AgencyRequest.id).where(AgencyRequest.case_id.in_(ids))))
    action_ids = list(db.session.scalars(
        sa.select(CaseAction.id).where(CaseAction.case_id.in_(ids))))
    removed = retention.remove_agency_links(AgencyRequest.__tablename__, request_ids)
    removed += retention.remove_notices((ChildDeathCase.__tablename__,
                                         AgencyRequest.__tablename__), ids + request_ids,
                                        subjects=[("cdr_action", action_ids)])
    for model in (ChildIdentity, CaseAgency, CaseNotification, CaseTransfer, PublicNotification):
        removed += retention.delete_rows(model, model.case_id, ids)
    removed += retention.clear_columns(AgencyRequest, request_ids, ("summary",))
    removed += retention.clear_columns(ChildDeathCase, ids, NAMING_COLUMNS)
    return removed


KIND = retention.RetentionKind(KEY, "Child death case", "after the case is closed",
                               "anonymised", due, dispose)
