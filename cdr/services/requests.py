"""Gathering information: agency requests (the reporting forms), and the review meeting.

Each request asks one agency for one national form (the core reporting form or a named
supplementary reporting form, cdr.models.REPORTING_FORMS) and owns its stored deadline
(`agency_information_request`, cdr.deadlines), synced whenever its dates change; returning
the information meets it. The review meeting's draft analysis is written anonymised, because
the CDOP panel reads it.
"""

import re
from datetime import date
from typing import NamedTuple

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import abort

from cdr.models import (
    CORE_REPORTING_FORM,
    DRAFT_ANALYSIS,
    AgencyRequest,
    CaseAgency,
    ChildDeathCase,
    ChildIdentity,
)
from cdr.services import timeline
from tracker import deadline_service, deadlines
from tracker.deadline_models import Deadline
from tracker.extensions import db
from tracker.timeutil import format_date


class RequestRow(NamedTuple):
    """An agency request with its stored deadline and that deadline's status (or None)."""

    request: AgencyRequest
    deadline: Deadline | None
    status: deadlines.DeadlineStatus | None


# --- Agency requests ---------------------------------------------------------------------


def request_or_404(case, request_id: int) -> AgencyRequest:
    """One of this case's requests; 404 for any other (another case's, or missing)."""
    found = db.session.scalar(
        sa.select(AgencyRequest).where(AgencyRequest.id == request_id,
                                       AgencyRequest.case_id == case.id)
    )
    if found is None:
        abort(404)
    return found


def add_request(case, *, agency: str, sent_on: date,
                reporting_form: str = CORE_REPORTING_FORM) -> AgencyRequest:
    """Record a request for a reporting form sent to an agency, with its deadline (no
    commit)."""
    request = AgencyRequest(case_id=case.id, partnership_id=case.partnership_id,
                            rules_edition=case.rules_edition, agency=agency, sent_on=sent_on,
                            reporting_form=reporting_form)
    db.session.add(request)
    deadline_service.sync_case(request)
    timeline.add(case, "request", f"Information requested from {agency}: "
                 f"{_form_words(request)}", happened_on=sent_on)
    return request


def add_requests(case, *, sent_on: date, wanted) -> list[AgencyRequest]:
    """Several requests sent on one day, `wanted` as (agency, reporting form) pairs: each
    with its own deadline (no commit: one save for them all)."""
    return [add_request(case, agency=agency, sent_on=sent_on, reporting_form=form)
            for agency, form in wanted]


def suggested_agencies(case) -> list[str]:
    """The agencies the form for several requests offers to ask (two queries): first the
    professionals and agencies involved in the child's life, as the notification listed them
    and as added since (cdr.models.agencies.CaseAgency, in the order added), then any other
    agency the case has asked before, in the order first asked; each name once.
    """
    involved = db.session.scalars(
        sa.select(CaseAgency.name).where(CaseAgency.case_id == case.id)
        .order_by(CaseAgency.id))
    first_asked = sa.func.min(AgencyRequest.id)
    asked = db.session.scalars(
        sa.select(AgencyRequest.agency).where(AgencyRequest.case_id == case.id)
        .group_by(AgencyRequest.agency).order_by(first_asked))
    return list(dict.fromkeys([*involved, *asked]))


def _form_words(request) -> str:
    """The request's form as a timeline line says it ("core reporting form")."""
    label = request.reporting_form_label
    return label[0].lower() + label[1:]


def update_request(case, request, *, agency: str, sent_on: date, chased_on: date | None,
                   returned_on: date | None, summary: str | None,
                   reporting_form: str | None = None) -> None:
    """Change a request (chased, returned, summary…), resync its deadline, say what happened.
    `reporting_form` None keeps the form asked for."""
    before = (request.agency, request.sent_on, request.chased_on, request.returned_on,
              request.summary, request.reporting_form)
    request.agency, request.sent_on, request.summary = agency, sent_on, summary or None
    request.reporting_form = reporting_form or request.reporting_form
    request.chased_on, request.returned_on = chased_on, returned_on
    deadline_service.sync_case(request)
    for text, happened_on in _request_events(before, request):
        timeline.add(case, "request", text, happened_on=happened_on)


def _request_events(before, request) -> list[tuple[str, date | None]]:
    """Timeline lines for what changed on a request: chased, returned, or other details."""
    _, _, chased_before, returned_before, _, _ = before
    events = []
    if request.chased_on and request.chased_on != chased_before:
        events.append((f"Request to {request.agency} chased", request.chased_on))
    if request.returned_on and request.returned_on != returned_before:
        events.append((f"Information returned by {request.agency}", request.returned_on))
    if returned_before and request.returned_on is None:
        events.append((f"Request to {request.agency} marked as not returned", None))
    after = (request.agency, request.sent_on, request.chased_on, request.returned_on,
             request.summary, request.reporting_form)
    if not events and after != before:
        events.append((f"Request to {request.agency} updated", None))
    return events


def case_requests(case, deadline_rows) -> list[RequestRow]:
    """A case's requests, oldest first, each with its deadline from the case page's rows.

    `deadline_rows` are cdr.services.case_page.DeadlineRow (already with their status), so
    this adds one query whatever the number of requests.
    """
    by_owner = {
        row.deadline.owner_id: row for row in deadline_rows
        if row.deadline.owner_type == AgencyRequest.__tablename__
    }
    found = db.session.scalars(
        sa.select(AgencyRequest).where(AgencyRequest.case_id == case.id)
        .order_by(AgencyRequest.sent_on, AgencyRequest.id)
    ).all()
    rows = []
    for request in found:
        row = by_owner.get(request.id)
        rows.append(RequestRow(request, row.deadline if row else None,
                               row.status if row else None))
    return rows


def outstanding_query(partnership_ids):
    """Requests not yet returned in these partnerships, oldest sent first.

    Each request's stored deadline comes in the same query (contains_eager) and its case's
    reference in one more (selectin, for the page's rows only), so a page costs two queries
    whatever its length. Scoped by the request's own partnership (PartnershipScoped, moved
    with its case): counting the list is then an index-only count on
    ix_cdr_agency_request_open, the outer join to the unique deadline being dropped by the
    planner, with no join to the cases.
    """
    return (
        sa.select(AgencyRequest)
        .outerjoin(AgencyRequest.deadline)
        .where(AgencyRequest.partnership_id.in_(list(partnership_ids)),
               AgencyRequest.returned_on.is_(None))
        .options(
            so.contains_eager(AgencyRequest.deadline),
            so.selectinload(AgencyRequest.case).load_only(
                ChildDeathCase.id, ChildDeathCase.reference, ChildDeathCase.version
            ),
        )
        .order_by(AgencyRequest.sent_on, AgencyRequest.id)
    )


def with_status(requests, today: date) -> list[RequestRow]:
    """Requests (their deadline loaded) with each deadline's status on `today`.

    Reads the partnerships' closure days once (a fixed number of queries), so "due soon"
    counts the same working days as everywhere else.
    """
    rules = deadline_service.load_rules({request.partnership_id for request in requests})
    rows = []
    for request in requests:
        deadline = request.deadline
        status = (deadline_service.status_of(deadline, today, rules.get(request.partnership_id))
                  if deadline is not None else None)
        rows.append(RequestRow(request, deadline, status))
    return rows


# --- Information complete ----------------------------------------------------------------


def set_information_complete(case, complete: bool, *, today: date,
                             complete_on: date | None = None) -> None:
    """Say whether all the information the review needs is in, and since when (`complete_on`,
    checked by the form: not in the future, not before the notification); no commit. On a
    case already complete, a different `complete_on` changes the date (the case's audit row
    keeps the old one), and its deadlines are worked out again from it."""
    complete_on = complete_on or today
    if case.information_complete == complete:
        if complete and case.information_complete_on != complete_on:
            before = case.information_complete_on
            case.information_complete_on = complete_on
            deadline_service.sync_case(case)
            timeline.add(case, "information",
                         "Date the information was complete changed"
                         + (f" from {format_date(before)}" if before else "")
                         + f" to {format_date(complete_on)}", happened_on=today)
        return
    case.information_complete = complete
    case.information_complete_on = complete_on if complete else None
    deadline_service.sync_case(case)
    if complete:
        timeline.add(case, "information", "Information gathering marked complete",
                     happened_on=complete_on)
    else:
        timeline.add(case, "information", "Information gathering marked as not complete",
                     happened_on=today)


# --- Child death review meeting ------------------------------------------------------------


def record_review_meeting(case, *, held_on: date, attendees: str, summary: str | None,
                          factors: str | None, **draft) -> None:
    """Record the child death review meeting and its draft analysis form (no commit): the
    answers it proposes are keyword arguments named by the columns of DRAFT_ANALYSIS, kept
    apart from the analysis the CDOP meeting confirms."""
    first = case.review_meeting_on is None
    case.review_meeting_on = held_on
    case.review_meeting_attendees = attendees
    case.analysis_summary = summary or None
    case.analysis_factors = factors or None
    for column in DRAFT_ANALYSIS.values():
        if column in draft:
            setattr(case, column, draft[column] or None)
    text = ("Child death review meeting held" if first
            else "Child death review meeting details updated")
    timeline.add(case, "review_meeting", text, happened_on=held_on)


def identifying_check(case):
    """A function telling whether a text names the child or gives their NHS number or postcode.

    The draft analysis goes to the panel, which must not see who the child is. Reads the
    child's identity once; the function never says which detail matched, so nothing
    identifying reaches an error message.
    """
    identity = db.session.scalar(sa.select(ChildIdentity).where(ChildIdentity.case_id == case.id))
    if identity is None:
        return lambda text: False
    return identifying_check_of(f"{identity.given_names} {identity.family_name}",
                                identity.nhs_number, identity.postcode)


def identifying_check_of(name_text: str | None, nhs_number: str | None = None,
                         postcode: str | None = None):
    """`identifying_check` for details not yet stored (a row of an import): the child's
    name (any parts of 3 letters or more), NHS number (digits) and postcode."""
    names = {part for part in (name_text or "").split() if len(part) >= 3}
    name = (re.compile(r"\b(?:" + "|".join(map(re.escape, sorted(names))) + r")\b",
                       re.IGNORECASE) if names else None)
    nhs_number = nhs_number or ""
    postcode = _squash(postcode or "")

    def identifies(text: str | None) -> bool:
        if not text:
            return False
        # Digits typed in groups ("999 000 0018") count as one number.
        numbers = re.findall(r"\d+", re.sub(r"(?<=\d)[\s-]+(?=\d)", "", text))
        return bool(
            (name is not None and name.search(text))
            or (nhs_number and nhs_number in numbers)
            or (postcode and postcode in _squash(text))
        )

    return identifies


def _squash(text: str) -> str:
    """Lower case without spaces, to find a postcode however it is spaced."""
    return re.sub(r"\s+", "", text).lower()
