"""Opening a case of any domain for the signed-in user: scoped, audited, never stale.

A domain's services build on these (cdr.services.access, reviews' own), so a case page in
any domain finds its record, writes its VIEW audit row and refuses a stale save the same way.
"""

from tracker import audit
from tracker.extensions import db
from tracker.security import get_scoped_or_404
from tracker.versioning import StaleRecord, check_version

__all__ = ["StaleCase", "check_version", "view_record"]


# A stale save of a case: the shared refusal of every edited record (tracker.versioning).
StaleCase = StaleRecord


def view_record(model, record_id: int, what: str):
    """The record for a page that shows it, with a VIEW audit row saying which page (404 when
    it is missing or in another partnership, the same answer either way)."""
    record = get_scoped_or_404(model, record_id)
    audit.record(audit.Action.VIEW, record, detail=f"Viewed the {what}")
    db.session.commit()
    return record
