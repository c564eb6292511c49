"""A practice review's requests for information to agencies: asked of a directory agency for
the rapid review or the local review, sent to one of its contacts as a personal link
(tracker.agency_links), answered by the agency with a written response on the agency pages
(the shell's tracker/views/agency.py, told so by `agency_view`'s form_kind), then accepted or
queried by the business unit (tracker.agency_access).

Working Together 2018 says a person or organisation asked by the safeguarding partners for
specified information must comply (chapter 3, paragraph 29; ../shared/DOMAIN.md ARR-03),
including for local and national reviews; it sets no time for the answer, so the due date
is the business unit's own and no stored deadline is made. The agency is chased by e-mail
before that date, on it and when overdue, then its escalation contact (tracker.agency_chasing,
`CHASING`), until its response comes back, unless the business unit pauses it. Plain
functions; none commits.
"""

from datetime import date
from typing import NamedTuple

import sqlalchemy as sa
from flask import abort, url_for

from reviews.models import (
    INFORMATION_STAGES,
    INFORMATION_STATUSES,
    IncidentChild,
    InformationRequest,
    SeriousIncident,
)
from reviews.models.information import ACCEPTED, QUERIED, RETURNED, SENT
from tracker import agency_access, agency_chasing, agency_links, timeline
from tracker.agencies import AgencyContact, DirectoryAgency
from tracker.extensions import db
from tracker.models import Partnership
from tracker.roles import Permission
from tracker.timeutil import format_date, to_london

OWNER_TYPE = InformationRequest.__tablename__
# How the e-mails and audit rows name it (tracker.agency_links.Words).
WORDS = agency_links.Words(team="safeguarding practice review business unit",
                           asked="information for a practice review",
                           thing="written response", about="the serious incident",
                           do_online="write your response online")
LABEL = "Request for information"


class Refused(Exception):
    """What the rules refuse; `problems` is {field: message} for the form."""

    def __init__(self, problems: dict[str, str]):
        super().__init__(problems)
        self.problems = problems


def stages_for(incident) -> dict[str, str]:
    """The stages a request may be for: the rapid review always, the local review once one
    is decided."""
    return {key: label for key, label in INFORMATION_STAGES.items()
            if key == "rapid_review" or incident.decision == "local"}


def contacts_for(incident) -> list[tuple[AgencyContact, DirectoryAgency]]:
    """The active contacts of the incident's partnership's directory (those a new link may
    go to), by agency then name."""
    return agency_links.directory_contacts(incident.partnership_id)


def _send(incident, info, contact_id, user, now=None, agency_id=None):
    """Send the request to the contact as a personal link; agency_links.Refused for a contact
    the rules refuse (of another partnership, or of another agency than `agency_id`, or no
    longer active)."""
    _link, contact = agency_links.send(
        owner_type=OWNER_TYPE, owner_id=info.id, contact_id=contact_id,
        partnership_id=incident.partnership_id, reference=incident.reference,
        due_on=info.due_on, user=user, agency_id=agency_id, now=now)
    return contact


def make(incident, *, stage, contact_id, asked, due_on, user, today: date, now=None):
    """A new request to a contact's agency, sent to them as a personal link. Raises Refused."""
    problems = {}
    if stage not in stages_for(incident):
        problems["stage"] = ("Select the rapid review: a local review has not been decided"
                             if stage in INFORMATION_STAGES else "Select which review it is for")
    if due_on is not None and due_on < today:
        problems["due_on"] = "The due date must be today or in the future"
    try:
        contact = agency_links.chosen_contact(contact_id, incident.partnership_id)
    except agency_links.Refused as refused:
        problems["contact"] = str(refused)
    if problems:
        raise Refused(problems)
    info = InformationRequest(incident_id=incident.id, partnership_id=incident.partnership_id,
                              agency_id=contact.agency_id, stage=stage, asked=asked,
                              due_on=due_on, status=SENT,
                              created_by_id=getattr(user, "id", None))
    db.session.add(info)
    db.session.flush()
    _send(incident, info, contact.id, user, now)
    agency = db.session.get(DirectoryAgency, contact.agency_id)
    timeline.add(incident, "information",
                 f"Request for information for the {INFORMATION_STAGES[stage].lower()} sent "
                 f"to {agency.name}", happened_on=today)
    return info


def send_again(incident, info, contact_id, user, now=None):
    """Send the request to a contact of its agency (again: the old link stops working, and
    a fresh response is asked for); agency_links.Refused while a response awaits review,
    once one is accepted, and for a contact of any other agency."""
    if info.status == ACCEPTED:
        raise agency_links.Refused("The response has been accepted: nothing more is asked")
    if info.status == RETURNED:
        raise agency_links.Refused("Accept or query the response awaiting review first")
    contact = _send(incident, info, contact_id, user, now, agency_id=info.agency_id)
    info.status = SENT
    return contact


class RequestRow(NamedTuple):
    """A request as the review page lists it."""

    request: InformationRequest
    agency: str
    stage: str
    status: str


def requests_of(incident) -> list[RequestRow]:
    """The incident's requests, newest first, with their agency (one query)."""
    rows = db.session.execute(
        sa.select(InformationRequest, DirectoryAgency.name)
        .join(DirectoryAgency, DirectoryAgency.id == InformationRequest.agency_id)
        .where(InformationRequest.incident_id == incident.id)
        .order_by(InformationRequest.created_at.desc(), InformationRequest.id.desc()))
    return [RequestRow(info, name, INFORMATION_STAGES.get(info.stage, info.stage),
                       INFORMATION_STATUSES.get(info.status, info.status))
            for info, name in rows]


def request_or_404(incident, request_id: int) -> InformationRequest:
    """One of the incident's requests, or 404."""
    found = db.session.scalar(sa.select(InformationRequest).where(
        InformationRequest.id == request_id, InformationRequest.incident_id == incident.id))
    if found is None:
        abort(404)
    return found


def agency_of(info) -> DirectoryAgency:
    return db.session.get(DirectoryAgency, info.agency_id)


def contacts_of_agency(info) -> list[tuple[AgencyContact, DirectoryAgency]]:
    """The active contacts of the request's agency (to send it again to one)."""
    agency = agency_of(info)
    return [(contact, agency) for contact in db.session.scalars(
        sa.select(AgencyContact).where(AgencyContact.agency_id == info.agency_id,
                                       AgencyContact.active.is_(True))
        .order_by(AgencyContact.name, AgencyContact.id))]


def links_shown(info, now):
    """(link, contact, agency, state label) of each of the request's links, newest first."""
    return agency_links.links_shown(OWNER_TYPE, info.id, now)


def answers_shown(info):
    """(link, answer, rows) of each written response sent through the request's links,
    newest first: rows are (question, answer) for the request page's review."""
    return [(link, answer,
             [("The agency's response", answer.answers.get("response") or "Not given")])
            for link, answer in agency_access.answers_sent(OWNER_TYPE, info.id)]


def awaiting_link(info, link_id):
    """The link of a response awaiting review that the form names, or None."""
    return agency_access.awaiting_link(OWNER_TYPE, info.id, link_id)


def accept(incident, info, link, user, today: date):
    """Accept the written response: the request is answered."""
    agency_access.accept(link, user)
    info.status, info.accepted_on = ACCEPTED, today
    timeline.add(incident, "information",
                 f"Written response from {agency_of(info).name} accepted", happened_on=today)


def query(incident, info, link, question, user, today: date):
    """Send the response back with a question: the same link works again."""
    agency_access.query(link, question, user)
    info.status = QUERIED
    timeline.add(incident, "information",
                 f"Written response from {agency_of(info).name} queried", happened_on=today)


def child_rows(incident, child) -> list[tuple[str, str]]:
    """The child's details an agency needs to find its records, as the incident holds them:
    the name (when recorded), the review's reference for the child and the incident's date."""
    return [("Child's name", child.full_name if child else "Not recorded"),
            ("The child in the review", incident.child_reference),
            ("Date of the incident", format_date(incident.incident_date))]


def agency_view(request_id):
    """What the agency contact of a link sees (tracker.domains.agency_request_view)."""
    row = db.session.execute(
        sa.select(InformationRequest, SeriousIncident, IncidentChild, Partnership)
        .join(SeriousIncident, SeriousIncident.id == InformationRequest.incident_id)
        .join(Partnership, Partnership.id == InformationRequest.partnership_id)
        .outerjoin(IncidentChild, IncidentChild.incident_id == SeriousIncident.id)
        .where(InformationRequest.id == request_id)).first()
    if row is None:
        return None
    info, incident, child, partnership = row

    def returned(now):
        info.status, info.returned_at = RETURNED, now
        timeline.add(incident, "information",
                     f"Written response received from {agency_of(info).name}",
                     happened_on=to_london(now).date())

    return {
        "form_kind": "written",
        "form": f"{LABEL} for the {INFORMATION_STAGES[info.stage].lower()}",
        "asked": info.asked,
        "supplementary": None,
        "reviewers": Permission.EDIT_REVIEWS,
        "review_path": url_for("reviews.information_request", incident_id=incident.id,
                               information_request_id=info.id),
        "reference": incident.reference,
        "partnership": partnership.name,
        "due_on": info.due_on,
        "rows": child_rows(incident, child),
        "returned": returned,
    }


# --- Chasing (tracker.agency_chasing) ----------------------------------------------------------


def chase_rows(horizon, partnership_ids):
    """Requests to chase: still awaiting a response (sent, or queried), chasing not paused,
    due by `horizon`; the due date is the one the business unit set (the one the agency was
    told), with the incident reference, never the child."""
    return (
        sa.select(InformationRequest.id.label("owner_id"), InformationRequest.partnership_id,
                  InformationRequest.due_on.label("due_date"), SeriousIncident.reference)
        .join(SeriousIncident, SeriousIncident.id == InformationRequest.incident_id)
        .where(InformationRequest.partnership_id.in_(partnership_ids),
               InformationRequest.status.in_((SENT, QUERIED)),
               InformationRequest.chasing_paused_at.is_(None),
               InformationRequest.due_on <= horizon))


# No deadline rule: the business unit's date, counted on the partnership's own calendar.
CHASING = agency_chasing.ChaseSource(owner_type=OWNER_TYPE, rule_key=None, rows=chase_rows,
                                     what=WORDS.asked)
