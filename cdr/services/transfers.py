"""Transferring a case to the partnership responsible for reviewing it: every record of the
case moves with it, its deadlines are recomputed with the new partnership's calendar, and both
partnerships' audit trails record the move. Plain functions that take `today`; none commits."""

from datetime import date

import sqlalchemy as sa

from cdr.models import (
    AgencyRequest,
    CaseAction,
    CaseNotification,
    CaseTransfer,
    ChildIdentity,
    RapidResponseMeeting,
)
from cdr.services import panel, request_links, timeline
from tracker import audit, deadline_service
from tracker.deadline_models import Deadline
from tracker.extensions import db
from tracker.models import Partnership

# Every table of a case's records, moved with it when it is transferred.
# (The timeline moves with tracker.timeline.move_to_partnership; panel items stay with their
# meetings: cdr.services.panel.leave_old_agendas.)
CASE_CHILD_MODELS = (ChildIdentity, CaseNotification, CaseTransfer, RapidResponseMeeting,
                     AgencyRequest, CaseAction)


def transfer_choices(case) -> list[tuple[int, str]]:
    """Every partnership a case could be sent to (all but its own): id and 'Name (CODE)'."""
    rows = db.session.execute(
        sa.select(Partnership.id, Partnership.name, Partnership.code)
        .where(Partnership.id != case.partnership_id).order_by(Partnership.name)
    ).all()
    return [(row.id, f"{row.name} ({row.code})") for row in rows]


def transfer(case, to_partnership, reason: str, user, today: date) -> CaseTransfer:
    """Move a case and all its records to the partnership responsible for it (no commit).

    Its deadlines are recomputed with the new partnership's closure days and timescales;
    both partnerships' audit trails record the move; the reference stays the same. It leaves
    the old partnership's meetings to come; a meeting held keeps it as history only.
    """
    old = db.session.get(Partnership, case.partnership_id)
    if to_partnership.id == old.id:
        raise ValueError("A case cannot be transferred to its own partnership")
    new_id = to_partnership.id
    panel.leave_old_agendas(case, to_partnership.name, today)
    # An agency's link was the old partnership's request: the new one sends its own.
    request_links.revoke_case_links(case, "transferred")
    for model in CASE_CHILD_MODELS:
        db.session.execute(sa.update(model).where(model.case_id == case.id)
                           .values(partnership_id=new_id))
    request_ids = sa.select(AgencyRequest.id).where(AgencyRequest.case_id == case.id)
    db.session.execute(sa.update(Deadline).where(sa.or_(
        sa.and_(Deadline.owner_type == "cdr_case", Deadline.owner_id == case.id),
        sa.and_(Deadline.owner_type == "cdr_agency_request",
                Deadline.owner_id.in_(request_ids)),
    )).values(partnership_id=new_id))
    timeline.move_to_partnership(case, new_id)
    case.partnership_id = new_id
    moved = CaseTransfer(case_id=case.id, partnership_id=new_id, from_partnership_id=old.id,
                         reason=reason, transferred_by_id=user.id)
    db.session.add(moved)
    deadline_service.sync_case(case)
    for request in db.session.scalars(sa.select(AgencyRequest)
                                      .where(AgencyRequest.case_id == case.id)):
        deadline_service.sync_case(request)
    detail = f"Transferred from {old.code} to {to_partnership.code}"
    for partnership_id in (old.id, new_id):
        audit.record(audit.Action.UPDATE, case, detail=detail, reason=reason,
                     partnership_id=partnership_id)
    timeline.add(case, "transfer", f"Transferred from {old.name} to {to_partnership.name}",
                 happened_on=today)
    return moved
