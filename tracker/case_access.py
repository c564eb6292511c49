"""Opening a case of any domain for the signed-in user: scoped, audited, never stale.

A domain's services build on these (cdr.services.access, reviews' own), so a case page in
any domain finds its record, writes its VIEW audit row and refuses a stale save the same way.
"""

from tracker import audit
from tracker.extensions import db
from tracker.security import get_scoped_or_404


class StaleCase(Exception):
    """Someone else saved the case after this user opened it: their save is refused."""

    def __init__(self, case, changed_fields=()):
        super().__init__(getattr(case, "reference", ""))
        self.case = case
        self.changed_fields = list(changed_fields)


def view_record(model, record_id: int, what: str):
    """The record for a page that shows it, with a VIEW audit row saying which page (404 when
    it is missing or in another partnership, the same answer either way)."""
    record = get_scoped_or_404(model, record_id)
    audit.record(audit.Action.VIEW, record, detail=f"Viewed the {what}")
    db.session.commit()
    return record


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
        raise StaleCase(case, changed_fields)
