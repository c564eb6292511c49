"""What reminds whom in practice reviews, registered with the shell's reminder service.

The incident's owner is reminded of every deadline of the incident and its review; an action
reminds the account it is assigned to, else the incident's owner. The yearly report belongs
to the partnership, not to a case: its deadlines remind the partnership's business unit.
"""

import sqlalchemy as sa

from reviews.models import ReviewAction, SeriousIncident, YearlyReport
from tracker.deadline_models import Deadline
from tracker.extensions import db
from tracker.models import User, user_partnership
from tracker.reminders.sources import ReminderSource, deadline_source, link_to
from tracker.roles import Permission, Role

ACTION_POLICY = "reviews_action"


def _incident_deadlines(select):
    return (select.join(SeriousIncident, SeriousIncident.id == Deadline.owner_id)
            .add_columns(SeriousIncident.id.label("incident_id"), SeriousIncident.reference,
                         SeriousIncident.owner_id))


def _yearly_deadlines(select):
    return (select.join(YearlyReport, YearlyReport.id == Deadline.owner_id)
            .add_columns(YearlyReport.id.label("yearly_report_id"),
                         sa.literal("Yearly report").label("reference")))


_incident_link = link_to("reviews.incident", "incident_id")


def _business_unit(row):
    """The partnership's business unit (one query per yearly report deadline: a handful)."""
    return db.session.scalars(
        sa.select(User.id).join(user_partnership, user_partnership.c.user_id == User.id)
        .where(user_partnership.c.partnership_id == row.partnership_id,
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


SOURCES = (
    deadline_source(SeriousIncident.__tablename__, permission=Permission.VIEW_REVIEWS,
                    extend=_incident_deadlines, link=_incident_link,
                    recipients=lambda row: (row.owner_id,)),
    deadline_source(
        YearlyReport.__tablename__, permission=Permission.VIEW_REVIEWS, extend=_yearly_deadlines,
        link=link_to("reviews.yearly_report", "yearly_report_id"),
        recipients=_business_unit),
    ReminderSource(
        subject_type="reviews_action", permission=Permission.VIEW_REVIEWS, rows=_actions,
        link=_incident_link, recipients=lambda row: (row.owner_user_id or row.owner_id,),
        step=lambda row: f"Action for the review's recommendations ({row.agency})",
        policy_labels={ACTION_POLICY: "Actions for a practice review's recommendations"}),
)
