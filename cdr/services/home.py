"""The home page's child death panels, and the case of each child death deadline it lists.

What waits on the user: for a designated doctor, the rapid response meetings to chair and the
draft analyses to write for the next panel; for a CDOP administrator, the cases to move on
to their next step; for both, the outstanding agency requests. The next CDOP meeting
for everyone who sees panel material, and the open cases by stage at a glance. Each panel
issues a fixed number of queries whatever the case count, with counts capped at COUNT_CAP.
"""

from datetime import date
from typing import NamedTuple

import sqlalchemy as sa
from flask import url_for

from cdr.models import STAGES, AgencyRequest, ChildDeathCase, PanelItem, PanelMeeting
from cdr.services import panel as panel_service
from cdr.services.meetings import MEETING_NUMBERS, meeting_label, rule_key
from tracker import dashboard, deadline_service, deadlines
from tracker.deadline_models import Deadline
from tracker.domains import DeadlineOwner
from tracker.extensions import db
from tracker.roles import Permission, Role

# Rows shown per list; the rest are counted up to COUNT_CAP (then "more than").
SHOWN = 5
COUNT_CAP = 100
CASE = ChildDeathCase.__tablename__
REQUEST = AgencyRequest.__tablename__


class Count(NamedTuple):
    """A count read only up to COUNT_CAP: `capped` when there are more."""

    total: int
    capped: bool


class ToDo(NamedTuple):
    """One kind of case waiting on the user, how many, and where to see them."""

    text: str
    count: Count
    href: str


class MeetingToChair(NamedTuple):
    """A rapid response meeting still to hold, with its deadline and the date arranged."""

    case_id: int
    reference: str
    label: str
    due: date
    status: object  # tracker.deadlines.DeadlineStatus
    meeting_on: date | None


class AnalysisToWrite(NamedTuple):
    """A case on an upcoming panel agenda whose draft analysis is not written yet."""

    case_id: int
    reference: str
    meeting_id: int
    meeting_on: date


def _is_doctor(user) -> bool:
    # A designated doctor acts on the cases they are the doctor for, not every case.
    return user.role_enum is Role.DESIGNATED_DOCTOR


def _capped(*queries) -> list[Count]:
    """How many rows each select() returns, counting no further than COUNT_CAP + 1: one
    query for them all."""
    counts = [sa.select(sa.func.count()).select_from(
        query.order_by(None).limit(COUNT_CAP + 1).subquery()).scalar_subquery()
        for query in queries]
    totals = db.session.execute(sa.select(*counts)).one()
    return [Count(min(total, COUNT_CAP), total > COUNT_CAP) for total in totals]


# --- The case of each deadline on the home page (tracker.dashboard) --------------------------


def deadline_scope(user):
    """Child death deadlines the user acts on: those of open cases (and for a designated
    doctor, of the cases they are the doctor for)."""
    case_open = [ChildDeathCase.closed_on.is_(None)]
    if _is_doctor(user):
        case_open.append(ChildDeathCase.designated_doctor_id == user.id)
    # Each a lookup by primary key of at most one row, asked only of the deadlines the page
    # reads before its LIMIT. Not EXISTS: PostgreSQL may hash an EXISTS under OR, reading
    # every open case and request first (0.6 s at 100,000 cases); a scalar subquery it
    # runs row by row, as SQLite does.
    of_case = sa.select(sa.literal(1)).where(ChildDeathCase.id == Deadline.owner_id,
                                             *case_open).scalar_subquery()
    of_request = sa.select(sa.literal(1)).where(
        AgencyRequest.id == Deadline.owner_id, ChildDeathCase.id == AgencyRequest.case_id,
        *case_open).scalar_subquery()
    return sa.or_(sa.and_(Deadline.owner_type == CASE, of_case.is_not(None)),
                  sa.and_(Deadline.owner_type == REQUEST, of_request.is_not(None)))


def describe_deadlines(keys) -> dict:
    """(owner_type, owner_id) -> DeadlineOwner for cases and agency requests: one query,
    whichever kinds the keys hold."""
    case_ids = [owner_id for owner_type, owner_id in keys if owner_type == CASE]
    request_ids = [owner_id for owner_type, owner_id in keys if owner_type == REQUEST]
    cases = sa.select(sa.literal(CASE), ChildDeathCase.id, sa.null(), ChildDeathCase.id,
                      ChildDeathCase.reference).where(ChildDeathCase.id.in_(case_ids))
    requests = (sa.select(sa.literal(REQUEST), AgencyRequest.id, AgencyRequest.agency,
                          ChildDeathCase.id, ChildDeathCase.reference)
                .join(ChildDeathCase, ChildDeathCase.id == AgencyRequest.case_id)
                .where(AgencyRequest.id.in_(request_ids)))
    found = {}
    for kind, owner_id, agency, case_id, reference in db.session.execute(
            sa.union_all(cases, requests)):
        anchor = "information" if kind == REQUEST else None
        found[(kind, owner_id)] = DeadlineOwner(
            reference, url_for("cdr.case", case_id=case_id, _anchor=anchor), agency)
    return found


def deadline_lists(user) -> dict[str, tuple[str, str]]:
    """The case list's views of the overdue and coming deadlines the home page lists."""
    mine = {"doctor": user.id} if _is_doctor(user) else {}
    return {"overdue": ("Child death cases with an overdue deadline",
                        url_for("cdr.cases", overdue="y", **mine)),
            "soon": ("Every child death case", url_for("cdr.cases", **mine))}


# --- What waits on the user --------------------------------------------------------------------


def public_count(user) -> int:
    """How many public notifications wait for triage in the user's partnerships (one
    query): the header's count."""
    from cdr.services import public_notifications

    return public_notifications.queue_count(sorted(user.partnership_ids))


def public_panel(user, today: date):
    """(template, context) of the home page's line on public notifications waiting for
    triage (one query), or None when none waits."""
    waiting = public_count(user)
    return ("cdr/home/_public.html", {"waiting": waiting}) if waiting else None


def work_panel(user, today: date):
    """(template, context) of what waits on a CDOP administrator or designated doctor."""
    ids = sorted(user.partnership_ids)
    if not ids:
        return None
    rules = dashboard.partnership_rules(ids)
    context = {"requests": _outstanding_requests(ids, today, rules), "doctor": _is_doctor(user)}
    if _is_doctor(user):
        context["meetings"] = _meetings_to_chair(user.id, ids, today, rules)
        context["analyses"] = _analyses_to_write(user.id, ids, today)
    else:
        context["to_do"] = _cases_to_move_on(ids, today)
    return "cdr/home/_work.html", context


def _meetings_to_chair(doctor_id, partnership_ids, today, rules) -> tuple[list, bool]:
    """Rapid response meetings of the doctor's open cases not yet held, due today or later,
    soonest first, and whether there are more: read from their open deadlines (a held
    meeting meets its deadline). Not counted: counting them would read every deadline due in
    the next weeks, and "My cases" lists them all."""
    query = (
        sa.select(Deadline, ChildDeathCase.reference)
        .join(ChildDeathCase, ChildDeathCase.id == Deadline.owner_id)
        .where(Deadline.partnership_id.in_(partnership_ids), Deadline.owner_type == CASE,
               Deadline.rule_key.in_(list(_MEETING_RULES)), deadline_service.open_deadlines(),
               Deadline.due_date.between(today, _latest_meeting_due(rules, today)),
               ChildDeathCase.designated_doctor_id == doctor_id,
               ChildDeathCase.closed_on.is_(None))
    )
    found = db.session.execute(
        query.order_by(Deadline.due_date, Deadline.id).limit(SHOWN + 1)).all()
    shown = found[:SHOWN]
    arranged = _arranged([row.owner_id for row, _ in shown])
    rows = [MeetingToChair(row.owner_id, reference, meeting_label(_MEETING_RULES[row.rule_key]),
                           row.extended_to or row.due_date,
                           deadline_service.status_of(row, today, rules.get(row.partnership_id)),
                           arranged.get((row.owner_id, _MEETING_RULES[row.rule_key])))
            for row, reference in shown]
    return rows, len(found) > SHOWN


_MEETING_RULES = {rule_key(number): number for number in MEETING_NUMBERS}


def _latest_meeting_due(rules, today) -> date:
    """The latest date a rapid response meeting's stored deadline can fall due.

    Its clock starts on the death or the post-mortem results, neither after today, so none
    is due after its rule's time from today (each partnership's override counted): the
    range of the open-deadline index read stays a few weeks long however many cases."""
    latest = today
    for partnership in [*rules.values(), None]:
        for edition, ruleset in deadlines.RULESETS.items():
            for key in _MEETING_RULES:
                if key in ruleset:
                    latest = max(latest, deadlines.window(key, today, partnership, edition)[1])
    return latest


def _arranged(case_ids) -> dict[tuple[int, int], date]:
    """(case id, meeting number) -> the date a meeting is arranged for (one query, even for
    no cases, so the page's query count stays the same)."""
    from cdr.models import RapidResponseMeeting

    return {(case_id, number): on for case_id, number, on in db.session.execute(
        sa.select(RapidResponseMeeting.case_id, RapidResponseMeeting.number,
                  RapidResponseMeeting.meeting_on)
        .where(RapidResponseMeeting.case_id.in_(case_ids)))}


def _analyses_to_write(doctor_id, partnership_ids, today) -> tuple[list, Count]:
    """The doctor's cases on the agenda of a panel meeting still to come whose draft analysis
    (the summary the panel reads) is not written yet, soonest meeting first."""
    query = (
        sa.select(ChildDeathCase.id, ChildDeathCase.reference, PanelMeeting.id,
                  PanelMeeting.meeting_on)
        .join(PanelItem, PanelItem.meeting_id == PanelMeeting.id)
        .join(ChildDeathCase, PanelItem.of_its_case())
        .where(PanelMeeting.partnership_id.in_(partnership_ids),
               PanelMeeting.meeting_on >= today,
               # An expression, so the planner starts from the few meetings to come rather
               # than from every case of the doctor.
               ChildDeathCase.designated_doctor_id + 0 == doctor_id,
               ChildDeathCase.closed_on.is_(None),
               sa.func.coalesce(ChildDeathCase.analysis_summary, "") == "")
    )
    found = db.session.execute(
        query.order_by(PanelMeeting.meeting_on, PanelItem.position, PanelItem.id)
        .limit(COUNT_CAP + 1)).all()
    rows = [AnalysisToWrite(*row) for row in found[:SHOWN]]
    return rows, Count(min(len(found), COUNT_CAP), len(found) > COUNT_CAP)


def _cases_to_move_on(partnership_ids, today) -> list[ToDo]:
    """Open cases waiting for the CDOP administrator's next step, by step (capped counts)."""
    case = ChildDeathCase
    steps = [
        ("Information gathered: arrange the child death review meeting",
         _at_stage(partnership_ids, "review_meeting"),
         url_for("cdr.cases", stage="review_meeting")),
        # Those heard at a past meeting wait for their outcome (below), not for an agenda.
        ("Ready for the CDOP panel and on no agenda",
         _at_stage(partnership_ids, "panel").where(
             ~sa.exists().where(PanelItem.of_its_case(case))),
         url_for("cdr.cases", stage="panel", agenda="none")),
        ("Heard at a CDOP meeting: record the outcome and close",
         sa.select(PanelItem.case_id)
         .join(PanelMeeting, PanelMeeting.id == PanelItem.meeting_id)
         .join(case, PanelItem.of_its_case(case))
         .where(PanelMeeting.partnership_id.in_(partnership_ids),
                PanelMeeting.meeting_on < today, case.closed_on.is_(None)).distinct(),
         url_for("cdr.cases", agenda="heard")),
    ]
    counts = _capped(*(query for _, query, _ in steps))
    return [ToDo(text, count, href) for (text, _, href), count in zip(steps, counts, strict=True)]


def _at_stage(partnership_ids, stage):
    """A select() of the open cases at a stage, counted off ix_cdr_case_partnership_stage
    alone on both databases.

    Not through the stage index with the partnership compared as an expression (as before):
    PostgreSQL then read every case at that stage in every partnership, open or closed, to
    count the first hundred (5,000 index rows a stage at 100,000 cases)."""
    case = ChildDeathCase
    return sa.select(case.id).where(case.partnership_id.in_(partnership_ids),
                                    case.stage == stage, case.closed_on.is_(None))


class OutstandingRequest(NamedTuple):
    """An agency request not yet returned, with its deadline's due date and status."""

    case_id: int
    reference: str
    agency: str
    sent_on: date
    due: date | None
    status: object  # tracker.deadlines.DeadlineStatus, or None


def _outstanding_requests(partnership_ids, today, rules) -> tuple[list, Count]:
    """The oldest outstanding agency requests with their status, and how many there are
    (two queries: the oldest read off ix_cdr_agency_request_open, the count capped)."""
    deadline = Deadline
    found = db.session.execute(
        sa.select(AgencyRequest.case_id, ChildDeathCase.reference, AgencyRequest.agency,
                  AgencyRequest.sent_on, AgencyRequest.partnership_id, deadline)
        .join(ChildDeathCase, ChildDeathCase.id == AgencyRequest.case_id)
        .outerjoin(deadline, sa.and_(deadline.owner_type == REQUEST,
                                     deadline.owner_id == AgencyRequest.id,
                                     deadline.rule_key == "agency_information_request",
                                     deadline.item == ""))
        .where(AgencyRequest.partnership_id.in_(partnership_ids),
               AgencyRequest.returned_on.is_(None))
        .order_by(AgencyRequest.sent_on, AgencyRequest.id).limit(SHOWN)).all()
    rows = [OutstandingRequest(
        case_id, reference, agency, sent_on,
        (row.extended_to or row.due_date) if row else None,
        deadline_service.status_of(row, today, rules.get(pid)) if row else None)
        for case_id, reference, agency, sent_on, pid, row in found]
    [count] = _capped(sa.select(AgencyRequest.id).where(
        AgencyRequest.partnership_id.in_(partnership_ids), AgencyRequest.returned_on.is_(None)))
    return rows, count


# --- The next panel meeting, and open cases by stage ------------------------------------------


def next_meeting_panel(user, today: date):
    """(template, context) of the next CDOP meeting of the user's partnerships, at a glance
    beside the work of those who work the cases (a CDOP member has `papers_panel`)."""
    if not user.can(Permission.VIEW_CDR_CASES):
        return None
    ids = sorted(user.partnership_ids)
    meeting = db.session.scalar(
        sa.select(PanelMeeting).where(PanelMeeting.partnership_id.in_(ids),
                                      PanelMeeting.meeting_on >= today)
        .order_by(PanelMeeting.meeting_on, PanelMeeting.starts_at, PanelMeeting.id).limit(1)
    ) if ids else None
    cases = panel_service.item_counts([meeting]).get(meeting.id, 0) if meeting else 0
    return "cdr/home/_next_meeting.html", {"meeting": meeting, "cases": cases}


def papers_panel(user, today: date):
    """(template, context) of what a CDOP member reads next: the next CDOP meeting, its
    anonymised agenda with each case's summary, and its papers; then the meetings after it.
    None for those who work the cases (their own panels say what waits on them); three
    queries."""
    if user.can(Permission.VIEW_CDR_CASES):
        return None
    ids = sorted(user.partnership_ids)
    meetings = db.session.scalars(
        sa.select(PanelMeeting).where(PanelMeeting.partnership_id.in_(ids),
                                      PanelMeeting.meeting_on >= today)
        .order_by(PanelMeeting.meeting_on, PanelMeeting.starts_at, PanelMeeting.id)
        .limit(1 + LATER_MEETINGS)).all() if ids else []
    agenda = panel_service.agenda(meetings[0]) if meetings else []
    later = panel_service.item_counts(meetings[1:]) if meetings[1:] else {}
    return "cdr/home/_papers.html", {
        "meeting": meetings[0] if meetings else None, "agenda": agenda,
        "later": [(meeting, later.get(meeting.id, 0)) for meeting in meetings[1:]]}


# The meetings after the next one that a CDOP member's home page lists.
LATER_MEETINGS = 3


def figures_panel(user, today: date):
    """(template, context) of the open child death cases by stage (capped counts)."""
    ids = sorted(user.partnership_ids)
    if not ids:
        return None
    stages = [key for key in STAGES if key != "closed"]
    counts = _capped(*(_at_stage(ids, key) for key in stages))
    return "cdr/home/_figures.html", {
        "stages": [(STAGES[key], count, url_for("cdr.cases", stage=key))
                   for key, count in zip(stages, counts, strict=True)],
    }
