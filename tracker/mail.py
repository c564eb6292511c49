"""The outgoing mail queue: every e-mail is stored first, then sent over real SMTP.

Queueing happens in the same transaction as whatever caused the e-mail (a reminder claimed,
a meeting scheduled), so a crash never loses one. Sending takes a row with an atomic UPDATE
(a lease), so two senders never send the same row; a failed send is retried with backoff and,
after `MAIL_MAX_ATTEMPTS`, shown as failed on the reminders admin page, where an
administrator can retry it. Nothing is silently dropped.

The one window left is a crash after the SMTP server accepted a message and before the row
is marked sent: the lease then expires and the message goes again, with the same Message-ID,
which mail clients use to recognise a repeat.
"""

from __future__ import annotations

import smtplib
import ssl
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, make_msgid
from urllib.parse import urlsplit

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import current_app

from tracker.extensions import db
from tracker.models import Partnership
from tracker.text import one_line
from tracker.timeutil import utcnow

PENDING = "pending"
SENDING = "sending"
SENT = "sent"
FAILED = "failed"
LEASE = timedelta(minutes=5)
# Kinds of e-mail whose body holds a secret (an agency's personal link: tracker.agency_links):
# the body is kept only until it is sent, so the queue never keeps a usable link.
# An agency contact's one-time code (tracker.agency_access) likewise.
SECRET_KINDS = frozenset({"agency_link", "agency_code"})
BODY_NOT_KEPT = "Not kept: this e-mail held a personal link or code, and it has been sent."


class OutboundEmail(db.Model):
    """One e-mail to one address, from queued to sent (or failed after its retries)."""

    __tablename__ = "outbound_email"
    __table_args__ = (sa.Index("ix_outbound_email_status_next", "status", "next_attempt_at"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    kind: so.Mapped[str] = so.mapped_column(sa.String(16))  # digest, reminder, invitation
    recipient_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL"), index=True)
    partnership_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("partnership.id", ondelete="SET NULL"), index=True)
    to_address: so.Mapped[str] = so.mapped_column(sa.String(254))
    subject: so.Mapped[str] = so.mapped_column(sa.String(300))
    text_body: so.Mapped[str] = so.mapped_column(sa.Text)
    html_body: so.Mapped[str] = so.mapped_column(sa.Text)
    attachment: so.Mapped[bytes | None] = so.mapped_column(sa.LargeBinary)
    attachment_name: so.Mapped[str | None] = so.mapped_column(sa.String(200))
    attachment_type: so.Mapped[str | None] = so.mapped_column(sa.String(100))
    message_id: so.Mapped[str] = so.mapped_column(sa.String(255), unique=True)
    status: so.Mapped[str] = so.mapped_column(sa.String(16), default=PENDING)
    attempts: so.Mapped[int] = so.mapped_column(default=0)
    next_attempt_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    lease_until: so.Mapped[datetime | None]
    last_error: so.Mapped[str | None] = so.mapped_column(sa.Text)
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    sent_at: so.Mapped[datetime | None] = so.mapped_column(index=True)


def queue(*, kind, to_address, subject, text_body, html_body, recipient_id=None,
          partnership_id=None, attachment=None, now=None) -> OutboundEmail:
    """Add an e-mail to the queue in the current transaction (the caller commits). The
    subject is put on one line (stored text in it may hold a line break: tracker.text)."""
    domain = current_app.config["MAIL_DEFAULT_SENDER"].rpartition("@")[2] or "tracker"
    row = OutboundEmail(
        kind=kind, to_address=to_address, subject=one_line(subject)[:300], text_body=text_body,
        html_body=html_body, recipient_id=recipient_id, partnership_id=partnership_id,
        message_id=make_msgid(domain=domain), next_attempt_at=now or utcnow(),
        created_at=now or utcnow())
    if attachment is not None:
        row.attachment_name, row.attachment_type, row.attachment = attachment
    db.session.add(row)
    return row


def absolute_url(path: str) -> str:
    """A path from url_for as a full address for an e-mail: BASE_URL's scheme and host.

    The path already holds any prefix the app is served under (url_for adds it), so only
    the scheme and host of BASE_URL are taken, never its path.
    """
    base = urlsplit(current_app.config["BASE_URL"])
    return f"{base.scheme}://{base.netloc}{path}"


def sender(partnership_id: int | None) -> str:
    """The From header: a name a reader recognises beside the address, the service's name
    (MAIL_SENDER_NAME, else SERVICE_NAME) and the partnership the e-mail is about, such as
    "Child death and practice review tracker, Northshire Safeguarding Partnership"."""
    name = current_app.config.get("MAIL_SENDER_NAME") or current_app.config["SERVICE_NAME"]
    if partnership_id is not None:
        partnership = db.session.scalar(
            sa.select(Partnership.name).where(Partnership.id == partnership_id))
        if partnership:
            name = f"{name}, {partnership}"
    return formataddr((one_line(name), current_app.config["MAIL_DEFAULT_SENDER"]))


def build_message(row: OutboundEmail) -> EmailMessage:
    """The MIME message of a queued e-mail: plain text and HTML, and any attachment.

    Headers are put on one line, so a row queued with a line break in its subject (before
    `queue` folded them) is still sent rather than failing at every try."""
    message = EmailMessage()
    message["From"] = sender(row.partnership_id)
    message["To"] = one_line(row.to_address)
    message["Subject"] = one_line(row.subject)
    message["Message-ID"] = row.message_id
    message["Date"] = format_datetime(row.created_at.replace(tzinfo=UTC))
    message.set_content(row.text_body)
    message.add_alternative(row.html_body, subtype="html")
    if row.attachment is not None:
        maintype, _, subtype = (row.attachment_type or "application/octet-stream").partition("/")
        subtype, *params = subtype.split(";")
        extra = dict(p.strip().split("=", 1) for p in params if "=" in p)
        if (maintype, subtype) == ("text", "calendar"):
            # Outlook recognises an invitation by a text/calendar part beside the text and
            # HTML; other clients by the attached .ics. Both carry the same calendar.
            message.add_alternative(row.attachment, maintype=maintype, subtype=subtype,
                                    params=extra)
        message.add_attachment(row.attachment, maintype=maintype, subtype=subtype,
                               filename=row.attachment_name, params=extra)
    return message


def _connect() -> smtplib.SMTP:
    """An SMTP connection as configured: plain, STARTTLS or implicit TLS, with a login."""
    config = current_app.config
    timeout = config.get("MAIL_TIMEOUT", 10)
    if config["MAIL_USE_SSL"]:
        smtp = smtplib.SMTP_SSL(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=timeout,
                                context=ssl.create_default_context())
    else:
        smtp = smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=timeout)
        if config["MAIL_USE_TLS"]:
            smtp.starttls(context=ssl.create_default_context())
    if config["MAIL_USERNAME"]:
        smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"] or "")
    return smtp


def _backoff(attempts: int) -> timedelta:
    """Wait before the next try: 1, 2, 4, 8 … minutes, at most 6 hours."""
    return timedelta(minutes=min(2 ** max(attempts - 1, 0), 360))


def _take(row_id: int, now: datetime) -> bool:
    """Lease one due row for sending (atomic: only one sender wins); commits."""
    table = OutboundEmail.__table__
    due = sa.or_(
        sa.and_(table.c.status == PENDING, table.c.next_attempt_at <= now),
        sa.and_(table.c.status == SENDING, table.c.lease_until < now),
    )
    result = db.session.execute(
        table.update().where(table.c.id == row_id, due)
        # The lease runs from the real time of taking (a pass's `now` can be minutes old by
        # the time it reaches a row), so another sender never takes a row still being sent.
        .values(status=SENDING, lease_until=max(now, utcnow()) + LEASE,
                attempts=table.c.attempts + 1))
    db.session.commit()
    return result.rowcount == 1


def _finish(row_id: int, now: datetime, error: Exception | None) -> None:
    """Mark a leased row sent, or due again after its backoff, or failed; commits."""
    row = db.session.get(OutboundEmail, row_id)
    if error is None:
        row.status, row.sent_at, row.lease_until, row.last_error = SENT, now, None, None
        if row.kind in SECRET_KINDS:
            row.text_body = row.html_body = BODY_NOT_KEPT
    else:
        row.last_error = f"{type(error).__name__}: {error}"[:1000]
        row.lease_until = None
        if row.attempts >= current_app.config["MAIL_MAX_ATTEMPTS"]:
            row.status = FAILED
            if row.kind in SECRET_KINDS:  # never sent: its link must not stay here either
                row.text_body = row.html_body = BODY_NOT_KEPT
        else:
            row.status, row.next_attempt_at = PENDING, now + _backoff(row.attempts)
    db.session.commit()


def due_ids(now: datetime, limit: int = 1000) -> list[int]:
    """Rows ready to send: pending and due, or leased by a sender that never finished."""
    table = OutboundEmail.__table__
    return list(db.session.scalars(
        sa.select(table.c.id).where(sa.or_(
            sa.and_(table.c.status == PENDING, table.c.next_attempt_at <= now),
            sa.and_(table.c.status == SENDING, table.c.lease_until < now),
        )).order_by(table.c.id).limit(limit)))


def send_due(now: datetime | None = None, limit: int = 1000) -> tuple[int, int]:
    """Send every queued e-mail that is due, over one SMTP connection; (sent, not sent).

    When the server cannot be reached the run stops: the rows not yet tried keep their
    place (and their tries) for the next run, rather than each waiting on a dead server.
    """
    now = now or utcnow()
    sent = failed = 0
    smtp = None
    try:
        for row_id in due_ids(now, limit):
            if not _take(row_id, now):
                continue  # another sender took it
            try:
                smtp = smtp or _connect()
            except (smtplib.SMTPException, OSError) as error:
                _finish(row_id, now, error)
                failed += 1
                break
            try:
                smtp.send_message(build_message(db.session.get(OutboundEmail, row_id)))
            except Exception as error:  # noqa: BLE001 (any failure is recorded on the row)
                smtp = _close(smtp)
                db.session.rollback()
                _finish(row_id, now, error)
                failed += 1
            else:
                _finish(row_id, now, None)
                sent += 1
    finally:
        _close(smtp)
    return sent, failed


def _close(smtp):
    if smtp is not None:
        try:
            smtp.quit()
        except (smtplib.SMTPException, OSError):
            smtp.close()
    return None


def retry(row: OutboundEmail, now: datetime | None = None) -> None:
    """Put a failed e-mail back in the queue, due now, with a fresh set of tries."""
    row.status, row.attempts, row.lease_until = PENDING, 0, None
    row.next_attempt_at = now or utcnow()
