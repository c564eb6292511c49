"""One-time submission keys: a form sent twice makes one record.

Every form that creates a record carries a key issued when the form is shown
(forms.submission.SubmissionKeyForm). The view that creates the record first *claims* the key
(`claim`): it inserts a `submission` row keyed by it, in the same transaction as the record,
and, once the record exists, says where it is (`made`). The primary key decides, not a read:

- a second POST after the first was saved finds the row and lands on the first's page;
- a second POST while the first is still saving waits on the first's uncommitted row (the
  database's unique check) and, once it commits, rolls back and lands on its page; if the
  first rolled back instead (refused), the second goes on and may save.

`AlreadySubmitted` carries the landing page; the app answers it with a redirect (see
`register`), so a view need not handle it. A form whose answers are refused rolls back its
claim and keeps its key, so the corrected form can still be saved once.

Why one table rather than a key column on each created table: one mechanism for every kind
of record (and for an import, which makes many); no table that holds personal data or has
triggers (cdr_case, deadline) is rebuilt to add a column; and the landing page of a record
without a page of its own (an agency request lands on its case) is stored as it was sent.
"""

import re
from datetime import datetime, timedelta

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import current_app, flash, g, redirect
from flask_login import current_user

from tracker.extensions import db
from tracker.timeutil import utcnow

# The form field's name, and what a key looks like (secrets.token_urlsafe(32)).
FIELD = "submission_key"
KEY_PATTERN = re.compile(r"^[A-Za-z0-9_-]{32,64}$")


class Submission(db.Model):
    """A form that was sent: its one-time key, who sent it, and the page of what it made."""

    __tablename__ = "submission"

    key: so.Mapped[str] = so.mapped_column(sa.String(64), primary_key=True)
    user_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("user.id", ondelete="CASCADE"), index=True)
    url: so.Mapped[str | None] = so.mapped_column(sa.String(500))
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)


class AlreadySubmitted(Exception):  # noqa: N818 (an answer, not a fault)
    """This form was already sent and saved: land on `url`, the page of what it made."""

    def __init__(self, url: str):
        super().__init__(url)
        self.url = url


def valid_key(key) -> str | None:
    """The key when it looks like one the app issued, else None."""
    return key if isinstance(key, str) and KEY_PATTERN.match(key) else None


def earlier(key) -> str | None:
    """The landing page of an earlier submission of this key by the signed-in user, if any."""
    key = valid_key(key)
    if key is None or not current_user.is_authenticated:
        return None
    row = db.session.execute(
        sa.select(Submission.url, Submission.user_id).where(Submission.key == key)
    ).first()
    if row is None or row.user_id != current_user.id:
        return None
    return row.url or "/"


def check(key) -> None:
    """Raise AlreadySubmitted when this key was already used (a cheap read, before any work)."""
    url = earlier(key)
    if url is not None:
        raise AlreadySubmitted(url)


def claim(key) -> None:
    """Take the key for this transaction, before anything is created (no commit).

    The insert is flushed at once: if another transaction holds the key, this waits for it
    to end. When the key was already used, everything of this transaction is rolled back and
    AlreadySubmitted raised. A form without a key (sent by something other than the form
    page) is saved as sent.
    """
    key = valid_key(key)
    g.pop("_submission", None)
    if key is None or not current_user.is_authenticated:
        return
    check(key)
    row = Submission(key=key, user_id=current_user.id)
    db.session.add(row)
    try:
        db.session.flush()
    except sa.exc.IntegrityError:
        db.session.rollback()
        raise AlreadySubmitted(earlier(key) or "/") from None
    g._submission = row


def made(url: str) -> str:
    """Record where the claimed submission's record is (before the commit); returns `url`."""
    row = g.get("_submission")
    if row is not None:
        row.url = url
    return url


def claimed() -> bool:
    """Whether this request holds a claimed key (not yet given up)."""
    return g.get("_submission") is not None


def release() -> None:
    """Give up the claim (the answers were refused): roll back, keeping the key for a retry."""
    db.session.rollback()
    g.pop("_submission", None)


def sweep(now: datetime) -> int:
    """Forget keys no form can still send (no commit); how many went.

    A key can only come back with its form's CSRF token, which dies with the session, so a
    key older than the longest session (PERMANENT_SESSION_LIFETIME) guards nothing: it is
    kept a day longer, then deleted, so the table does not grow with every form ever sent.
    """
    keep = current_app.permanent_session_lifetime + timedelta(days=1)
    return db.session.execute(
        sa.delete(Submission).where(Submission.created_at < now - keep)
        .execution_options(synchronize_session=False)).rowcount


def register(app) -> None:
    """Answer AlreadySubmitted with the first submission's page."""

    @app.errorhandler(AlreadySubmitted)
    def already_submitted(error):
        db.session.rollback()
        flash("This form was sent twice: it was saved once", "success")
        return redirect(error.url)
