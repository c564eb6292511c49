"""What reminds whom in child death reviews, registered with the shell's reminder service.

The case's owner is reminded of every deadline of the case and its agency requests; the
designated doctor also of the steps that are theirs (the rapid response meetings they chair).
An action agreed at the panel reminds the account it is assigned to, else the case's owner.
Steps are named by rule or agency, never by anything that identifies the child.
"""

import sqlalchemy as sa

from cdr.models import AgencyRequest, CaseAction, ChildDeathCase
from tracker.deadline_models import Deadline
from tracker.reminders.sources import ReminderSource, deadline_source, link_to
from tracker.roles import Permission

# The rapid response meetings: the designated doctor chairs them.
DOCTOR_RULES = frozenset({"rr_meeting_1", "rr_meeting_2", "rr_meeting_3"})
ACTION_POLICY = "cdr_action"


def _case_columns(select):
    return select.add_columns(
        ChildDeathCase.id.label("case_id"), ChildDeathCase.reference,
        ChildDeathCase.owner_id, ChildDeathCase.designated_doctor_id)


def _case_deadlines(select):
    return _case_columns(select.join(ChildDeathCase, ChildDeathCase.id == Deadline.owner_id))


def _request_deadlines(select):
    joined = (select.join(AgencyRequest, AgencyRequest.id == Deadline.owner_id)
              .join(ChildDeathCase, ChildDeathCase.id == AgencyRequest.case_id))
    return _case_columns(joined).add_columns(AgencyRequest.agency)


_link = link_to("cdr.case", "case_id")


def _recipients(row):
    doctor = row.designated_doctor_id if row.policy_key in DOCTOR_RULES else None
    return (row.owner_id, doctor)


def _actions(horizon, partnership_ids):
    return (
        sa.select(
            CaseAction.id.label("subject_id"), CaseAction.partnership_id,
            sa.literal(ACTION_POLICY).label("policy_key"),
            CaseAction.due_on.label("due_date"), CaseAction.owner_user_id,
            ChildDeathCase.id.label("case_id"), ChildDeathCase.reference,
            ChildDeathCase.owner_id)
        .join(ChildDeathCase, ChildDeathCase.id == CaseAction.case_id)
        .where(CaseAction.partnership_id.in_(partnership_ids),
               CaseAction.completed_on.is_(None), CaseAction.due_on.is_not(None),
               CaseAction.due_on <= horizon)
    )


SOURCES = (
    deadline_source(
        ChildDeathCase.__tablename__, permission=Permission.VIEW_CDR_CASES,
        team=Permission.EDIT_CDR_CASES,
        extend=_case_deadlines, link=_link, recipients=_recipients),
    deadline_source(
        AgencyRequest.__tablename__, permission=Permission.VIEW_CDR_CASES,
        team=Permission.EDIT_CDR_CASES,
        extend=_request_deadlines, link=_link, recipients=lambda row: (row.owner_id,),
        step=lambda row: f"Information requested from {row.agency}"),
    ReminderSource(
        subject_type="cdr_action", permission=Permission.VIEW_CDR_CASES,
        team=Permission.EDIT_CDR_CASES, rows=_actions,
        link=_link, recipients=lambda row: (row.owner_user_id or row.owner_id,),
        step=lambda row: "Action agreed at the CDOP panel review",
        policy_labels={ACTION_POLICY: "Actions agreed at the CDOP panel review"}),
)
