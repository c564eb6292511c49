"""Pausing a child death case's deadline with the reason, and resuming it
(tracker.deadline_pause), from the case page's deadlines."""

from flask import request, url_for

from cdr import bp
from cdr.services import access
from tracker import deadline_pause as pausing
from tracker.roles import Permission
from tracker.security import permission_required
from tracker.timeutil import london_today


def _case(case_id, what):
    """The case, with a VIEW audit row when its form is shown."""
    if request.method == "POST":
        return access.case_or_404(case_id)
    return access.view_case(case_id, what)


def _back(case):
    return url_for("cdr.case", case_id=case.id, _anchor="deadlines")


@bp.route("/<int:case_id>/deadlines/<int:deadline_id>/pause", methods=["GET", "POST"])
@permission_required(Permission.EDIT_CDR_CASES)
def deadline_pause(case_id, deadline_id):
    """Pause one of the case's deadlines with the reason (or change the reason)."""
    case = _case(case_id, "pause deadline form")
    closed = ("This case is closed: reopen it to pause one of its deadlines"
              if case.closed_on is not None else None)
    return pausing.pause_page(case, deadline_id, back_url=_back(case),
                              today=london_today(), closed=closed)


@bp.route("/<int:case_id>/deadlines/<int:deadline_id>/resume", methods=["GET", "POST"])
@permission_required(Permission.EDIT_CDR_CASES)
def deadline_resume(case_id, deadline_id):
    """Resume one of the case's paused deadlines."""
    case = _case(case_id, "resume deadline form")
    return pausing.resume_page(case, deadline_id, back_url=_back(case),
                               today=london_today())
