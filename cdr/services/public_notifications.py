"""The public notification form's drafts, submissions, rate limits and triage.

A draft row is found by the sha256 of a random token the notifier's signed session holds
(the answers never go in the cookie) and expires after DRAFT_HOURS. Rate limits count rows
of `cdr_public_form_use` (shared by every web worker): per client address (its keyed hash,
never the address) and per partnership. Submission numbers come from the partnership's
counter (tracker.references, series PN). Nothing here makes a case: triage does
(`open_case`, `add_to_case`, `decline`), each recorded on the submission and audited.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import secrets
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app, render_template, url_for

from cdr.models.public import (
    ADDED,
    DECLINED,
    DRAFT,
    DRAFT_HOURS,
    FORWARDED,
    NEW_CASE,
    SERIES,
    SUBMITTED,
    SUSPECTED,
    PublicFormUse,
    PublicNotification,
)
from tracker import mail, references
from tracker.extensions import db
from tracker.timeutil import utcnow

# Drafts begun allowed in RATE_WINDOW (sending a finished draft is never refused).
RATE_WINDOW = timedelta(hours=1)
PER_CLIENT = 10
PER_PARTNERSHIP = 60
# Neutral wording: the e-mail goes to whatever address was typed.
SUBJECT = "Your submission {reference} has been received"


class RateLimited(Exception):
    """Too many uses of the public form from one address, or for one partnership."""


class AlreadyTriaged(Exception):
    """Another administrator triaged the submission first (nothing is changed)."""


def mark_suspected(draft) -> None:
    """The hidden field was filled: keep everything, flag it for triage (no commit)."""
    draft.answers = {**(draft.answers or {}), SUSPECTED: ["yes"]}


def is_suspected(submission) -> bool:
    """Marked by a filled hidden field: kept and sent, no e-mail to the notifier."""
    return submission.suspected_automated


def client_key(address: str | None) -> str:
    """What is counted for a client: an IPv6 address by its /64 (one household or
    device's whole block), an IPv4 address whole."""
    try:
        parsed = ipaddress.ip_address(address or "")
    except ValueError:
        return address or ""
    if parsed.version == 6:
        if parsed.ipv4_mapped is not None:
            return str(parsed.ipv4_mapped)
        return str(ipaddress.ip_network(f"{parsed}/64", strict=False))
    return str(parsed)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def client_hash(address: str | None) -> str:
    """A keyed hash of the client's address (the address itself is never stored)."""
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, client_key(address).encode(), hashlib.sha256).hexdigest()


def limits(partnership) -> tuple[int, int]:
    config = current_app.config
    return (config.get("PUBLIC_NOTIFY_PER_CLIENT", PER_CLIENT),
            config.get("PUBLIC_NOTIFY_PER_PARTNERSHIP", PER_PARTNERSHIP))


def count_use(partnership, address) -> None:
    """Count one draft begun, or raise RateLimited when over a limit (no commit)."""
    now = utcnow()
    since = now - current_app.config.get("PUBLIC_NOTIFY_WINDOW", RATE_WINDOW)
    hashed = client_hash(address)
    per_client, per_partnership = limits(partnership)
    by_client = db.session.scalar(sa.select(sa.func.count()).select_from(PublicFormUse).where(
        PublicFormUse.client_hash == hashed, PublicFormUse.at >= since))
    by_partnership = db.session.scalar(
        sa.select(sa.func.count()).select_from(PublicFormUse).where(
            PublicFormUse.partnership_id == partnership.id, PublicFormUse.at >= since))
    if by_client >= per_client or by_partnership >= per_partnership:
        raise RateLimited
    db.session.add(PublicFormUse(partnership_id=partnership.id, client_hash=hashed, at=now))
    db.session.execute(sa.delete(PublicFormUse).where(PublicFormUse.at < since - RATE_WINDOW))


def new_draft(partnership) -> tuple[PublicNotification, str]:
    """A fresh draft and its token (no commit)."""
    token = secrets.token_urlsafe(32)
    draft = PublicNotification(partnership_id=partnership.id, status=DRAFT, answers={},
                               token_hash=token_hash(token),
                               expires_at=utcnow() + timedelta(hours=DRAFT_HOURS))
    db.session.add(draft)
    return draft, token


def find_draft(partnership, token: str | None) -> PublicNotification | None:
    """The draft of this token for this partnership, if it has not expired."""
    if not token:
        return None
    return db.session.scalar(sa.select(PublicNotification).where(
        PublicNotification.token_hash == token_hash(token),
        PublicNotification.partnership_id == partnership.id,
        PublicNotification.status == DRAFT, PublicNotification.expires_at > utcnow()))


def purge_expired(now=None) -> int:
    """Delete expired drafts (they hold answers nobody sent): when someone starts the form,
    and from the scheduler's frequent job (a domain sweep, tracker.domains.sweeps)."""
    result = db.session.execute(sa.delete(PublicNotification).where(
        PublicNotification.status == DRAFT,
        PublicNotification.expires_at <= (now or utcnow())))
    return result.rowcount


def find_sent(partnership, token: str | None) -> PublicNotification | None:
    """The submission this token's draft became (a replayed or concurrent Send)."""
    if not token:
        return None
    return db.session.scalar(sa.select(PublicNotification).where(
        PublicNotification.token_hash == token_hash(token),
        PublicNotification.partnership_id == partnership.id,
        PublicNotification.status != DRAFT))


def submit(draft: PublicNotification, form, partnership) -> PublicNotification | None:
    """Send the draft: its number, the notifier's details, the e-mail (no commit). None
    when it was sent already: a conditional update (`WHERE status = 'draft'`) lets only
    one Send through (a second waits on the first's row lock, then matches nothing)."""
    now = utcnow()
    taken = db.session.execute(
        sa.update(PublicNotification).where(PublicNotification.id == draft.id,
                                            PublicNotification.status == DRAFT)
        .values(status=SUBMITTED).execution_options(synchronize_session=False))
    if taken.rowcount != 1:
        return None
    draft.reference = references.issue(PublicNotification, SERIES, partnership, now.year)
    draft.status = SUBMITTED
    draft.submitted_at = now
    # The token's hash stays, so a replayed Send finds the number already issued.
    draft.expires_at = None
    draft.notifier_name = form.notifier_name.data
    draft.notifier_role = form.notifier_role.data
    draft.notifier_organisation = form.notifier_agency.data
    draft.notifier_email = form.notifier_email.data
    if is_suspected(draft):
        return draft  # no e-mail to an address a robot typed
    context = {"reference": draft.reference, "partnership_name": partnership.name}
    # The subject and body name the submission number and the partnership only.
    mail.queue(kind="public_notify", to_address=draft.notifier_email,
               subject=SUBJECT.format(reference=draft.reference),
               text_body=render_template("cdr/public/email.txt", **context),
               html_body=render_template("cdr/public/email.html", **context),
               partnership_id=partnership.id)
    return draft


# --- Triage ----------------------------------------------------------------------------------


def queue_count(partnership_ids) -> int:
    """How many submissions wait for triage in these partnerships (one query)."""
    if not partnership_ids:
        return 0
    return db.session.scalar(sa.select(sa.func.count()).select_from(PublicNotification).where(
        PublicNotification.partnership_id.in_(partnership_ids),
        PublicNotification.status == SUBMITTED))


QUEUE_SHOWN = 200


def queue(partnership_ids) -> list[PublicNotification]:
    """The oldest QUEUE_SHOWN submissions waiting for triage, oldest first (one query, read
    off ix_cdr_public_notification_queue); the page says how many wait in all."""
    return list(db.session.scalars(sa.select(PublicNotification).where(
        PublicNotification.partnership_id.in_(partnership_ids),
        PublicNotification.status == SUBMITTED).order_by(
        PublicNotification.submitted_at, PublicNotification.id).limit(QUEUE_SHOWN)))


def _triaged(submission, status, user):
    """Take the submission for triage: a conditional update, so of two administrators
    triaging at once only the first changes it (the second raises AlreadyTriaged)."""
    taken = db.session.execute(
        sa.update(PublicNotification).where(PublicNotification.id == submission.id,
                                            PublicNotification.status == SUBMITTED)
        .values(status=status).execution_options(synchronize_session=False))
    if taken.rowcount != 1:
        raise AlreadyTriaged
    submission.status = status
    submission.triaged_at = utcnow()
    submission.triaged_by_id = user.id


def opened_case(submission, case, user) -> None:
    _triaged(submission, NEW_CASE, user)
    submission.case_id = case.id


def added_to_case(submission, case, user) -> None:
    _triaged(submission, ADDED, user)
    submission.case_id = case.id


def decline(submission, user, reason, where=None, forward_to=None) -> None:
    """Decline, or forward to another partnership's queue (it waits there again)."""
    if forward_to is not None:
        _triaged(submission, FORWARDED, user)
        submission.forwarded_to_id = forward_to.id
        # The copy the other partnership triages: a new submission in its queue.
        copy = PublicNotification(
            partnership_id=forward_to.id, status=SUBMITTED, answers=dict(submission.answers),
            notifier_name=submission.notifier_name, notifier_role=submission.notifier_role,
            notifier_organisation=submission.notifier_organisation,
            notifier_email=submission.notifier_email, submitted_at=submission.submitted_at,
            forwarded_from_id=submission.partnership_id)
        copy.reference = references.issue(PublicNotification, SERIES, forward_to,
                                          utcnow().year)
        db.session.add(copy)
    else:
        _triaged(submission, DECLINED, user)
    submission.decline_reason = reason
    submission.decline_where = where or None


def submission_url(submission) -> str:
    return url_for("cdr.public_submission", submission_id=submission.id)
