"""A reporting-form request sent to a contact of the partnership's agency directory as a
personal link (tracker.agency_links, which holds the steps shared with a practice review's
request for information): which contacts may be chosen and offered, sending (or sending
again), revoking a case's links, each link's state and the forms sent online for the request
page, and chasing."""

import sqlalchemy as sa
from flask import url_for

from cdr.models import CORE_REPORTING_FORM, AgencyRequest, ChildDeathCase, ChildIdentity
from tracker import agency_access, agency_chasing, agency_links
from tracker.agencies import AgencyContact, DirectoryAgency
from tracker.deadline_models import Deadline
from tracker.deadline_service import open_deadlines
from tracker.extensions import db
from tracker.models import Partnership
from tracker.roles import Permission
from tracker.timeutil import format_date, to_london

OWNER_TYPE = AgencyRequest.__tablename__


# A contact the rules refuse a link to (the message is for the form).
Refused = agency_links.Refused


def contacts_for(case) -> list[tuple[AgencyContact, DirectoryAgency]]:
    """The active contacts of the case's partnership's directory (those a new link may go
    to), by agency then name: one query."""
    return agency_links.directory_contacts(case.partnership_id)


def suggested_contacts(contacts, agency_names) -> dict[str, int]:
    """Agency name -> the contact to offer for a new request's personal link: a contact of
    the directory agency of that name (a name matched as the directory matches names), the
    first by name that is not the escalation contact when there is one."""
    from tracker.agencies import name_key

    by_key: dict[str, list] = {}
    for contact, agency in contacts:
        by_key.setdefault(agency.name_key, []).append(contact)
    offered = {}
    for name in agency_names:
        found = sorted(by_key.get(name_key(name), []), key=lambda c: (c.escalation, c.name))
        if found:
            offered[name] = found[0].id
    return offered


def send_several(case, added, contact_ids, user) -> int:
    """Send each new request to its chosen contact as a personal link, in the transaction
    that adds them (the caller commits, or rolls back on Refused); how many were sent."""
    sent = 0
    for agency_request, contact_id in zip(added, contact_ids, strict=True):
        if contact_id:
            send(case, agency_request, contact_id, user)
            sent += 1
    return sent


def due_on(agency_request):
    """The request's due date as the rules stored it (extended when it was), or None."""
    row = db.session.execute(sa.select(Deadline.due_date, Deadline.extended_to).where(
        Deadline.owner_type == OWNER_TYPE, Deadline.owner_id == agency_request.id,
        Deadline.rule_key == "agency_information_request", Deadline.item == "")).first()
    return None if row is None else (row.extended_to or row.due_date)


def send(case, agency_request, contact_id, user, now=None):
    """Send the request to one of the case's partnership's contacts (again: the old link
    stops working); Refused for a contact of any other partnership."""
    return agency_links.send(
        owner_type=OWNER_TYPE, owner_id=agency_request.id, contact_id=contact_id,
        partnership_id=case.partnership_id, reference=case.reference,
        due_on=due_on(agency_request), user=user, now=now)


def link_or_none(agency_request, link_id):
    """One of this request's links, or None."""
    return agency_links.link_of(OWNER_TYPE, agency_request.id, link_id)


def links_shown(agency_request, now):
    """(link, contact, agency, state label) of each of the request's links, newest first."""
    return agency_links.links_shown(OWNER_TYPE, agency_request.id, now)


def revoke_case_links(case, why: str) -> int:
    """Stop the live links of every request of the case (transferred or closed)."""
    request_ids = sa.select(AgencyRequest.id).where(AgencyRequest.case_id == case.id)
    return agency_links.revoke_all(OWNER_TYPE, request_ids, why)


def agency_view(request_id):
    """What the agency contact of a link sees (tracker.domains.agency_request_view): the
    child's identifying details needed to find its records, the partnership, the case
    reference and the due date. The agency page is the only place outside the case that
    shows them (no-store, never in its URL)."""
    row = db.session.execute(
        sa.select(AgencyRequest, ChildDeathCase, ChildIdentity, Partnership)
        .join(ChildDeathCase, ChildDeathCase.id == AgencyRequest.case_id)
        .join(Partnership, Partnership.id == AgencyRequest.partnership_id)
        .outerjoin(ChildIdentity, ChildIdentity.case_id == ChildDeathCase.id)
        .where(AgencyRequest.id == request_id)).first()
    if row is None:
        return None
    agency_request, case, identity, partnership = row
    address = None
    if identity is not None:
        address = ", ".join(part for part in (identity.address, identity.postcode) if part)

    def shown(value):
        return value or "Not known"

    supplementary = (None if agency_request.reporting_form == CORE_REPORTING_FORM
                     else agency_request.reporting_form_label)
    return {
        "supplementary": supplementary,
        "reviewers": Permission.EDIT_CDR_CASES,
        "review_path": url_for("cdr.edit_request", case_id=case.id,
                               request_id=agency_request.id),
        "reference": case.reference,
        "partnership": partnership.name,
        "due_on": due_on(agency_request),
        "form": agency_request.reporting_form_label,
        "rows": [
            ("Child's name", shown(identity.full_name if identity else None)),
            ("Date of birth", shown(format_date(identity.date_of_birth)
                                    if identity and identity.date_of_birth else None)),
            ("NHS number", shown(identity.nhs_number if identity else None)),
            ("Address", shown(address)),
            ("Date of death", format_date(case.date_of_death)),
        ],
    }


def answers_shown(agency_request):
    """(link, answer, rows) of each reporting form sent online through the request's links,
    newest first: rows are (question, answer) for the request page's review."""
    from forms.agency import ANSWER_FIELDS, ReportingForm

    labels = {name: ReportingForm.__dict__[name].args[0] for name in ANSWER_FIELDS}
    labels["supplementary"] = agency_request.reporting_form_label
    rows = agency_access.answers_sent(OWNER_TYPE, agency_request.id)
    return [(link, answer, [(labels[name], {"yes": "Yes", "no": "No"}.get(
                answer.answers.get(name), answer.answers.get(name)) or "Not given")
             for name in ANSWER_FIELDS if name in answer.answers])
            for link, answer in rows]


def accept(case, agency_request, link, user):
    """Accept a sent reporting form: the request is returned on the day it was sent, through
    the same service as a return staff record (its deadline met by the deadline service)."""
    from cdr.services import requests as requests_service

    answer = agency_access.accept(link, user)
    requests_service.update_request(
        case, agency_request, agency=agency_request.agency, sent_on=agency_request.sent_on,
        chased_on=agency_request.chased_on,
        returned_on=to_london(answer.submitted_at).date(), summary=agency_request.summary)


# --- Chasing (tracker.agency_chasing) ----------------------------------------------------------

RULE_KEY = "agency_information_request"


def chase_rows(horizon, partnership_ids):
    """Requests to chase: not returned, chasing not paused, their deadline open (not met, not
    applicable or paused) and due by `horizon`; with the case reference, never the child."""
    due = sa.func.coalesce(Deadline.extended_to, Deadline.due_date)
    return (
        sa.select(AgencyRequest.id.label("owner_id"), AgencyRequest.partnership_id,
                  due.label("due_date"), ChildDeathCase.reference)
        .join(Deadline, sa.and_(Deadline.owner_type == OWNER_TYPE,
                                Deadline.owner_id == AgencyRequest.id,
                                Deadline.rule_key == RULE_KEY, Deadline.item == ""))
        .join(ChildDeathCase, ChildDeathCase.id == AgencyRequest.case_id)
        .where(AgencyRequest.partnership_id.in_(partnership_ids),
               AgencyRequest.returned_on.is_(None), AgencyRequest.chasing_paused_at.is_(None),
               Deadline.met_on.is_(None), open_deadlines(), Deadline.paused_reason.is_(None),
               Deadline.due_date.is_not(None), due <= horizon))


CHASING = agency_chasing.ChaseSource(owner_type=OWNER_TYPE, rule_key=RULE_KEY,
                                     rows=chase_rows, what="a reporting form")
