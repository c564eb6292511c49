"""Searches that may name a child, kept out of every URL, log line and export job.

A list's search text (a child's name, an NHS number) never goes in a query string: the
filter form is posted, and the list is then reached by a short-lived id bound to the user who
searched (`?search=<random id>`), its text kept here. So the access log, the sign-in page's
`next=` after a timeout, the list's own sort, page and download links, and a queued export's
stored arguments hold the id, never the text. A text shaped like a reference (no name has that
shape) stays in the URL as before. An id that has expired or is another user's finds nothing:
the list asks to search again.
"""

import secrets
from collections.abc import Callable
from datetime import datetime, timedelta

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import current_app
from flask_login import current_user
from werkzeug.datastructures import MultiDict

from tracker.extensions import db
from tracker.timeutil import utcnow

SEARCH_ARG = "search"
TEXT_ARG = "q"
LOST = "Your search has expired. Enter it again"


class SavedSearch(db.Model):
    """A search's text, for the one user who made it, until it expires."""

    __tablename__ = "saved_search"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    # The id in the URL: random, so it can be neither guessed nor counted.
    token: so.Mapped[str] = so.mapped_column(sa.String(43), unique=True)
    user_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("user.id", ondelete="CASCADE"), index=True)
    text: so.Mapped[str] = so.mapped_column(sa.String(200))
    expires_at: so.Mapped[datetime] = so.mapped_column(index=True)


def save(text: str, now: datetime) -> str:
    """Keep the signed-in user's search text until it expires (no commit); its id."""
    sweep(now)
    token = secrets.token_urlsafe(32)
    keep = timedelta(minutes=current_app.config["SEARCH_KEEP_MINUTES"])
    db.session.add(SavedSearch(token=token, user_id=current_user.id, text=text[:200],
                               expires_at=now + keep))
    return token


def sweep(now: datetime) -> int:
    """Delete expired searches (no commit); how many went."""
    return db.session.execute(
        sa.delete(SavedSearch).where(SavedSearch.expires_at <= now)
        .execution_options(synchronize_session=False)).rowcount


def url_args(formdata, names, is_reference: Callable[[str], bool], now=None) -> dict:
    """The query arguments of a list for its filter form's data (the `names` fields only):
    a search text that is not a reference is replaced by the id of a saved search (no commit).
    """
    args = {}
    for key, values in formdata.lists():
        if key in names and key not in (TEXT_ARG, SEARCH_ARG, "page") and any(values):
            args[key] = values
    text = " ".join((formdata.get(TEXT_ARG) or "").split())
    if text and is_reference(text):
        args[TEXT_ARG] = text
    elif text:
        args[SEARCH_ARG] = save(text, now or utcnow())
    return args


def must_move(args, is_reference: Callable[[str], bool]) -> bool:
    """Whether these query arguments hold a search text that must not stay in a URL."""
    text = " ".join((args.get(TEXT_ARG) or "").split())
    return bool(text) and not is_reference(text)


def resolve(args, now=None) -> tuple[MultiDict, bool]:
    """The query arguments with the saved search's text as the search (one query when there
    is an id), and whether the id was lost (expired, unknown or another user's)."""
    token = args.get(SEARCH_ARG)
    if not token:
        return args, False
    text = db.session.scalar(sa.select(SavedSearch.text).where(
        SavedSearch.token == token, SavedSearch.user_id == current_user.id,
        SavedSearch.expires_at > (now or utcnow())))
    resolved = MultiDict([(key, value) for key, value in args.items(multi=True)
                          if key not in (TEXT_ARG, SEARCH_ARG)])
    if text is None:
        return resolved, True
    resolved[TEXT_ARG] = text
    return resolved, False
