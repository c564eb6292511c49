"""Finding a case for the signed-in user: scoped, audited, and refusing a stale save.

StaleCase and check_version come from the shell (tracker.case_access), shared with reviews.
"""

from flask import abort
from flask_login import current_user

from cdr.models import ChildDeathCase, ChildIdentity
from tracker.case_access import StaleCase, check_version, view_record
from tracker.extensions import db
from tracker.roles import Permission
from tracker.security import get_scoped_or_404


def case_or_404(case_id: int) -> ChildDeathCase:
    """The case, if it is in one of the user's partnerships; otherwise 404 (as if missing)."""
    return get_scoped_or_404(ChildDeathCase, case_id)


def view_case(case_id: int, what: str = "case page") -> ChildDeathCase:
    """The case for a page that shows it, with a VIEW audit row saying which page."""
    return view_record(ChildDeathCase, case_id, what)


def may_see_identity() -> bool:
    """Whether the signed-in user may see the child's name, date of birth, NHS number."""
    return current_user.can(Permission.VIEW_IDENTIFYING_DETAILS)


def identity_of(case) -> ChildIdentity | None:
    """The child's identifying details, only for users who may see them (one query)."""
    if not may_see_identity():
        return None
    return db.session.scalar(db.select(ChildIdentity).where(ChildIdentity.case_id == case.id))


def require_edit(permission=Permission.EDIT_CDR_CASES):
    """403 unless the user may change child death cases."""
    if not current_user.can(permission):
        abort(403)


__all__ = ["StaleCase", "case_or_404", "check_version", "identity_of", "may_see_identity",
           "require_edit", "view_case"]
