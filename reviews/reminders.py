"""What reminds whom in practice reviews, registered with the shell's reminder service.

The incident's owner is reminded of every deadline of the incident and its review, and of the
answers due to the local review's written requests; an action reminds the account it is
assigned to, else the incident's owner. The yearly report belongs
to the partnership, not to a case: its deadlines remind the partnership's business unit.
"""

import sqlalchemy as sa
from flask import g

from reviews.models import (
    DELAY_REASONS,
    PublicationDelay,
    ReviewAction,
    ReviewRequest,
    SeriousIncident,
    YearlyReport,
)
from tracker.deadline_models import Deadline
from tracker.extensions import db
from tracker.models import User, user_partnership
from tracker.reminders.sources import ReminderSource, deadline_source, link_to, rule_label
from tracker.roles import Permission, Role

ACTION_POLICY = "reviews_action"
REQUEST_POLICY = "reviews_request"


# The deadlines a recorded publication delay explains.
PUBLICATION_RULES = ("cspr_publication", "cspr_prepublication_copies")


def _incident_deadlines(select):
    latest_delay = (sa.select(PublicationDelay.reason)
                    .where(PublicationDelay.incident_id == SeriousIncident.id)
                    .order_by(PublicationDelay.recorded_on.desc(), PublicationDelay.id.desc())
                    .limit(1).correlate(SeriousIncident).scalar_subquery())
    return (select.join(SeriousIncident, SeriousIncident.id == Deadline.owner_id)
            .add_columns(SeriousIncident.id.label("incident_id"), SeriousIncident.reference,
                         SeriousIncident.owner_id,
                         sa.case((SeriousIncident.published_on.is_(None), latest_delay))
                         .label("delay_reason")))


def _incident_step(row):
    """What is due; for publication, why it is delayed when a delay was recorded (a reason
    from the list, never free text), so an overdue line in a digest is not a bare red flag."""
    label = rule_label(row.policy_key, row.edition)
    if row.policy_key in PUBLICATION_RULES and row.delay_reason:
        reason = DELAY_REASONS.get(row.delay_reason, row.delay_reason)
        return f"{label} (publication delayed: {reason[0].lower()}{reason[1:]})"
    return label


def _yearly_deadlines(select):
    return (select.join(YearlyReport, YearlyReport.id == Deadline.owner_id)
            .add_columns(YearlyReport.id.label("yearly_report_id"),
                         sa.literal("Yearly report").label("reference")))


_incident_link = link_to("reviews.incident", "incident_id")


def _business_unit(row):
    """The partnership's business unit (one query per partnership per pass)."""
    found = g.setdefault("reminders_business_unit", {})
    if row.partnership_id not in found:
        found[row.partnership_id] = _business_unit_of(row.partnership_id)
    return found[row.partnership_id]


def _business_unit_of(partnership_id):
    return db.session.scalars(
        sa.select(User.id).join(user_partnership, user_partnership.c.user_id == User.id)
        .where(user_partnership.c.partnership_id == partnership_id,
               User.role == Role.BUSINESS_UNIT, User.active.is_(True))).all()


def _actions(horizon, partnership_ids):
    return (
        sa.select(
            ReviewAction.id.label("subject_id"), ReviewAction.partnership_id,
            sa.literal(ACTION_POLICY).label("policy_key"),
            ReviewAction.due_on.label("due_date"), ReviewAction.owner_user_id,
            ReviewAction.agency, SeriousIncident.id.label("incident_id"),
            SeriousIncident.reference, SeriousIncident.owner_id)
        .join(SeriousIncident, SeriousIncident.id == ReviewAction.incident_id)
        .where(ReviewAction.partnership_id.in_(partnership_ids),
               ReviewAction.completed_on.is_(None), ReviewAction.due_on <= horizon)
    )


def _requests(horizon, partnership_ids):
    return (
        sa.select(
            ReviewRequest.id.label("subject_id"), ReviewRequest.partnership_id,
            sa.literal(REQUEST_POLICY).label("policy_key"),
            ReviewRequest.due_on.label("due_date"), ReviewRequest.agency,
            SeriousIncident.id.label("incident_id"), SeriousIncident.reference,
            SeriousIncident.owner_id)
        .join(SeriousIncident, SeriousIncident.id == ReviewRequest.incident_id)
        .where(ReviewRequest.partnership_id.in_(partnership_ids),
               ReviewRequest.answered_on.is_(None), ReviewRequest.due_on.is_not(None),
               ReviewRequest.due_on <= horizon)
    )


SOURCES = (
    deadline_source(
        SeriousIncident.__tablename__, permission=Permission.VIEW_REVIEWS,
        team=Permission.EDIT_REVIEWS, extend=_incident_deadlines, link=_incident_link,
        recipients=lambda row: (row.owner_id,), step=_incident_step),
    deadline_source(
        YearlyReport.__tablename__, permission=Permission.VIEW_REVIEWS,
        team=Permission.EDIT_REVIEWS, extend=_yearly_deadlines,
        link=link_to("reviews.yearly_report", "yearly_report_id"),
        recipients=_business_unit),
    ReminderSource(
        subject_type="reviews_action", permission=Permission.VIEW_REVIEWS,
        team=Permission.EDIT_REVIEWS, rows=_actions,
        link=_incident_link, recipients=lambda row: (row.owner_user_id or row.owner_id,),
        step=lambda row: f"Action for the review's recommendations ({row.agency})",
        policy_labels={ACTION_POLICY: "Actions for a practice review's recommendations"}),
    ReminderSource(
        subject_type="reviews_request", permission=Permission.VIEW_REVIEWS,
        team=Permission.EDIT_REVIEWS, rows=_requests,
        link=_incident_link, recipients=lambda row: (row.owner_id,),
        step=lambda row: f"Answer to the review's written request to {row.agency}",
        policy_labels={REQUEST_POLICY: "Answers to a local review's written requests"}),
)
