"""Finding a case for the signed-in user: scoped, audited, and refusing a stale save."""

from flask import abort
from flask_login import current_user

from cdr.models import ChildDeathCase, ChildIdentity
from tracker import audit
from tracker.extensions import db
from tracker.roles import Permission
from tracker.security import get_scoped_or_404


class StaleCase(Exception):
    """Someone else saved the case after this user opened it: their save is refused."""

    def __init__(self, case, changed_fields):
        super().__init__(case.reference)
        self.case = case
        self.changed_fields = changed_fields


def case_or_404(case_id: int) -> ChildDeathCase:
    """The case, if it is in one of the user's partnerships; otherwise 404 (as if missing)."""
    return get_scoped_or_404(ChildDeathCase, case_id)


def view_case(case_id: int, what: str = "case page") -> ChildDeathCase:
    """The case for a page that shows it, with a VIEW audit row saying which page."""
    case = case_or_404(case_id)
    audit.record(audit.Action.VIEW, case, detail=f"Viewed the {what}")
    db.session.commit()
    return case


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


def check_version(case, submitted_version, changed_fields=()) -> None:
    """Refuse a save based on an older version of the case (optimistic locking).

    `submitted_version` is the version the form was opened at (a hidden field). When the
    case has moved on, StaleCase says so; the ORM's version_id_col catches the rarer race of
    two saves in the same instant.
    """
    try:
        opened_at = int(submitted_version)
    except (TypeError, ValueError):
        opened_at = -1
    if opened_at != case.version:
        raise StaleCase(case, list(changed_fields))
