"""Everything the case page shows, in a fixed number of queries whatever the case holds."""

from datetime import date
from typing import NamedTuple

import sqlalchemy as sa

from cdr.models import (
    CORE_REPORTING_FORM,
    REPORTING_FORMS,
    AgencyRequest,
    PanelItem,
    RapidResponseMeeting,
)
from cdr.services import family, ncmd, panel_outcome, stages, timeline
from cdr.services import meetings as rr_meetings
from cdr.services import notifications as case_notifications
from cdr.services import requests as agency_requests
from cdr.services.access import identity_of
from tracker import deadline_pause, deadline_service, deadlines
from tracker.accounts import name_of
from tracker.deadline_models import Deadline
from tracker.extensions import db


class DeadlineRow(NamedTuple):
    """A stored deadline as the case page lists it."""

    deadline: Deadline
    label: str
    duty_label: str
    status: deadlines.DeadlineStatus
    about: str  # "" for the case itself, or the agency a request went to
    # Whether a user who may edit the case may pause it (or change why it is paused), and
    # resume it (tracker.deadline_pause): the case's own deadlines only; a request's has its
    # chasing.
    pausable: bool = False
    resumable: bool = False


def case_deadlines(case, today: date) -> list[DeadlineRow]:
    """The case's stored deadlines and its agency requests', by due date (two queries)."""
    requests = {
        request_id: _request_words(agency, form) for request_id, agency, form in
        db.session.execute(
            sa.select(AgencyRequest.id, AgencyRequest.agency, AgencyRequest.reporting_form)
            .where(AgencyRequest.case_id == case.id)
        ).all()
    }
    owners = sa.or_(
        sa.and_(Deadline.owner_type == "cdr_case", Deadline.owner_id == case.id),
        sa.and_(Deadline.owner_type == "cdr_agency_request",
                Deadline.owner_id.in_(list(requests) or [-1])),
    )
    rows = db.session.scalars(
        sa.select(Deadline).where(owners).order_by(Deadline.due_date, Deadline.rule_key)
    ).all()
    rules = deadline_service.load_rules([case.partnership_id]).get(case.partnership_id)
    found = []
    for row in rows:
        rule = deadlines.get_rule(row.rule_key, row.edition)
        about = requests.get(row.owner_id, "") if row.owner_type == "cdr_agency_request" else ""
        # Its pause links: a closed case takes no new pause, but a paused one resumes.
        own = row.owner_type == "cdr_case"
        found.append(DeadlineRow(row, rule.label, rule.duty_label,
                                 deadline_service.status_of(row, today, rules), about,
                                 own and case.closed_on is None
                                 and deadline_pause.pausable(row, today),
                                 own and deadline_pause.can_resume(row)))
    return found


def _request_words(agency: str, reporting_form: str) -> str:
    """A request as its deadline's line names it: the agency, and the form when it is a
    supplementary one (the rule already says "the reporting form")."""
    if reporting_form == CORE_REPORTING_FORM:
        return agency
    return f"{agency} ({REPORTING_FORMS.get(reporting_form, reporting_form).lower()})"


class CasePage(NamedTuple):
    """What the case page needs."""

    case: object
    identity: object
    deadlines: list[DeadlineRow]
    tasks: list[stages.Task]
    timeline: list
    counts: dict
    # Agency requests with their deadlines (cdr.services.requests.RequestRow), oldest first.
    requests: list | tuple = ()
    # JAR criteria, the three rapid response meetings, the designated doctor.
    meetings: object = None
    # Panel meetings, outcome and actions (cdr.services.panel_outcome.PanelSection).
    panel: object = None
    # Notifications received and transfers (cdr.services.notifications.Section).
    notifications: object = None
    # The name of the case owner, who gets its reminders.
    owner: str | None = None
    # The inquest and the family's support (cdr.services.family.Section).
    family: object = None
    # What has gone to the NCMD (cdr.services.ncmd.Section).
    ncmd: object = None


def load(case, today: date) -> CasePage:
    """The case page's data."""
    counts = _counts(case)
    deadline_rows = case_deadlines(case, today)
    identity = identity_of(case)
    return CasePage(
        case=case,
        identity=identity,
        deadlines=deadline_rows,
        tasks=stages.tasks(case, **counts),
        timeline=timeline.entries(case),
        counts=counts,
        requests=agency_requests.case_requests(case, deadline_rows),
        meetings=rr_meetings.section(case, deadline_rows),
        panel=panel_outcome.case_section(case, today),
        notifications=case_notifications.section(case, identity),
        owner=name_of(case.owner_id),
        family=family.section(case),
        ncmd=ncmd.section(case),
    )


def _counts(case) -> dict:
    """Meetings held, requests open and in all, and whether the case is on a panel agenda."""
    held = sa.select(sa.func.count()).where(
        RapidResponseMeeting.case_id == case.id, RapidResponseMeeting.held.is_(True)
    ).scalar_subquery()
    open_requests = sa.select(sa.func.count()).where(
        AgencyRequest.case_id == case.id, AgencyRequest.returned_on.is_(None)
    ).scalar_subquery()
    all_requests = sa.select(sa.func.count()).where(
        AgencyRequest.case_id == case.id
    ).scalar_subquery()
    on_panel = sa.select(sa.func.count()).where(
        PanelItem.case_id == case.id, PanelItem.partnership_id == case.partnership_id
    ).scalar_subquery()
    row = db.session.execute(sa.select(held, open_requests, all_requests, on_panel)).one()
    return {"meetings_held": row[0], "requests_open": row[1], "requests_total": row[2],
            "on_panel": bool(row[3])}
