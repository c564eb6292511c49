"""Finding an incident for the signed-in user: scoped, audited, refusing a stale save.

Built on the shell's tracker.case_access, as child death reviews are.
"""

from flask import abort
from flask_login import current_user

from reviews.models import IncidentChild, SeriousIncident
from tracker.case_access import StaleCase, check_version, view_record
from tracker.extensions import db
from tracker.roles import Permission
from tracker.security import get_scoped_or_404


def incident_or_404(incident_id: int) -> SeriousIncident:
    """The incident, if it is in one of the user's partnerships; otherwise 404."""
    return get_scoped_or_404(SeriousIncident, incident_id)


def view_incident(incident_id: int, what: str = "review page") -> SeriousIncident:
    """The incident for a page that shows it, with a VIEW audit row saying which page."""
    return view_record(SeriousIncident, incident_id, what)


def may_see_identity() -> bool:
    """Whether the signed-in user may see the child's real name."""
    return current_user.can(Permission.VIEW_IDENTIFYING_DETAILS)


def child_of(incident) -> IncidentChild | None:
    """The child's real name record, only for users who may see it (one query)."""
    if not may_see_identity():
        return None
    return db.session.scalar(
        db.select(IncidentChild).where(IncidentChild.incident_id == incident.id)
    )


def require_edit():
    """403 unless the user may change practice reviews."""
    if not current_user.can(Permission.EDIT_REVIEWS):
        abort(403)


__all__ = ["StaleCase", "check_version", "child_of", "incident_or_404", "may_see_identity",
           "require_edit", "view_incident"]
