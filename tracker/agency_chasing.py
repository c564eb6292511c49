"""Chasing agencies: a request sent as a personal link (tracker.agency_links) is chased by
e-mail to the contact it was sent to before its due date, on it and when overdue, then to
the agency's escalation contact in the directory, on the partnership's reminder policy for
`POLICY_KEY` (edited on the reminder settings page beside the deadline rules).

It is part of the reminder pass (tracker.reminders.passes.run_pass) and works as the
reminder ledger does: from the database each pass works out the latest stage due today
(tracker.reminders.policy), inserts a row per (request, stage, contact, day) into
`agency_chase` under a unique key with ON CONFLICT DO NOTHING, and queues an e-mail only
for the rows it inserted itself, in the same transaction. Two passes, or one run twice, send
one e-mail. A pass runs a fixed number of queries whatever the number of requests.

Only live links are chased (not returned, revoked, locked or expired), only for requests a
domain says are still open and not paused (`ChaseSource.rows`); a weekend, bank holiday or
closure day of the partnership sends nothing, as for staff reminders. The due date is the
domain's: a stored deadline's (a reporting form), or one the team set on the request (a
practice review's request for information). Staff pause chasing on a request with
`set_paused`, which is no edit of the request (its version does not move).

The chase e-mail names the partnership, the case reference and the due date, in the words
the domain registered for its links (tracker.agency_links.Words), never the child; it never
holds the link's token. Only the token's hash is stored, so a chase could carry a link only
by issuing a new one, which would put another live key to the child's details in a mailbox
at every chase and stop the one the contact may already be using. The chase points to the
personal link already sent (and its date) and says to ask the team to send it again if it
is lost or no longer works.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from email.utils import make_msgid

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import current_app
from markupsafe import escape

from tracker import audit, mail
from tracker.agencies import AgencyContact, DirectoryAgency
from tracker.agency_links import AgencyLink, words_for
from tracker.calendar import add_working_days, is_working_day
from tracker.extensions import db
from tracker.models import Partnership
from tracker.reminders.policy import (
    BEFORE,
    DEFAULT_POLICY,
    DUE,
    ESCALATION,
    MAX_BEFORE,
    OVERDUE,
    escalation,
    latest_firing,
)
from tracker.text import one_line
from tracker.timeutil import format_date, utcnow

POLICY_KEY = "agency_chasing"
POLICY_LABEL = "Chasing agencies for requested information"
EXTRAS_KEY = "agency_chasing"
CHUNK = 2000


@dataclass(frozen=True)
class ChaseSource:
    """A domain's requests sent as personal links (`owner_type`, the links' owner_type).

    `rows(horizon, partnership_ids)` is a select of the requests still open, not paused,
    due on or before `horizon`, with the columns owner_id, partnership_id, due_date and
    reference (nothing that identifies the child). `rule_key` is the deadline rule the due
    date follows (its calendar counts the days); None for a due date the team set, counted
    on the partnership's own calendar."""

    owner_type: str
    rule_key: str | None
    rows: Callable[[date, list[int]], sa.Select]
    what: str = "information"


class AgencyChase(db.Model):
    """One chase e-mail: claimed once under its unique key, then queued once."""

    __tablename__ = "agency_chase"
    __table_args__ = (
        sa.UniqueConstraint("owner_type", "owner_id", "stage", "contact_id", "fire_date",
                            name="uq_agency_chase_key"),
        sa.Index("ix_agency_chase_fire_date", "fire_date"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    owner_type: so.Mapped[str] = so.mapped_column(sa.String(32))
    owner_id: so.Mapped[int]
    stage: so.Mapped[str] = so.mapped_column(sa.String(16))
    contact_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("agency_contact.id", ondelete="CASCADE"))
    fire_date: so.Mapped[date]
    partnership_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("partnership.id", ondelete="CASCADE"), index=True)
    link_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("agency_link.id", ondelete="CASCADE"), index=True)
    due_date: so.Mapped[date]
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    claim: so.Mapped[str] = so.mapped_column(sa.String(32), index=True)
    email_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("outbound_email.id", ondelete="SET NULL"))


def sources(app=None) -> list[ChaseSource]:
    """Every registered domain's chase sources (`extras["agency_chasing"]`)."""
    from tracker.domains import registered_domains

    return [source for domain in registered_domains(app)
            for source in domain.extras.get(EXTRAS_KEY, ())]


def policy_labels(app=None) -> dict[str, str]:
    """The policy key chasing follows, for the reminder settings page (when any domain
    chases)."""
    return {POLICY_KEY: POLICY_LABEL} if sources(app) else {}


_ESCALATION = sa.orm.aliased(AgencyContact, name="escalation_contact")


def _candidates(source: ChaseSource, horizon: date, partnership_ids, now):
    """The live links of the source's open requests, with their contact, agency, escalation
    contact and partnership: one query."""
    requests = source.rows(horizon, partnership_ids).subquery()
    return db.session.execute(
        sa.select(requests.c.owner_id, requests.c.partnership_id, requests.c.due_date,
                  requests.c.reference, AgencyLink.id.label("link_id"),
                  AgencyLink.issued_at, AgencyContact.id.label("contact_id"),
                  AgencyContact.name.label("contact_name"),
                  AgencyContact.email.label("contact_email"),
                  DirectoryAgency.name.label("agency_name"),
                  _ESCALATION.id.label("escalation_id"),
                  _ESCALATION.name.label("escalation_name"),
                  _ESCALATION.email.label("escalation_email"),
                  Partnership.name.label("partnership_name"))
        .join(AgencyLink, sa.and_(AgencyLink.owner_type == source.owner_type,
                                  AgencyLink.owner_id == requests.c.owner_id))
        .join(AgencyContact, AgencyContact.id == AgencyLink.contact_id)
        .join(DirectoryAgency, DirectoryAgency.id == AgencyContact.agency_id)
        .join(Partnership, Partnership.id == requests.c.partnership_id)
        .outerjoin(_ESCALATION, sa.and_(_ESCALATION.agency_id == DirectoryAgency.id,
                                        _ESCALATION.escalation.is_(True),
                                        _ESCALATION.active.is_(True)))
        .where(AgencyLink.partnership_id == requests.c.partnership_id,
               AgencyLink.revoked_at.is_(None), AgencyLink.returned_at.is_(None),
               AgencyLink.locked_at.is_(None), AgencyLink.expires_at > now,
               # A contact made inactive (left the agency) is not chased; the link is
               # still shown on the request page, to send it to someone else.
               AgencyContact.active.is_(True))
        .order_by(AgencyLink.id)).all()


def _policies():
    from tracker.reminders.models import ReminderPolicy

    return {p.partnership_id: p.policy for p in db.session.scalars(
        sa.select(ReminderPolicy).where(ReminderPolicy.policy_key == POLICY_KEY))}


def wanted(today: date, now: datetime) -> list[tuple[tuple, ChaseSource, sa.Row]]:
    """Every chase that should exist by today, as (key, source, row); key is (owner_type,
    owner_id, stage, contact_id, fire_date)."""
    from tracker.deadline_service import load_rules
    from tracker.reminders.sources import counting_calendar_of

    chase_sources = sources()
    if not chase_sources:
        return []
    rules = load_rules()
    working = sorted(pid for pid, r in rules.items() if is_working_day(today, r))
    if not working:
        return []
    policies = _policies()
    longest = max([MAX_BEFORE, *(p.before_working_days or 0 for p in policies.values())])
    horizon = add_working_days(today, longest + 10)
    found = []
    for source in chase_sources:
        for row in _candidates(source, horizon, working, now):
            partnership = rules.get(row.partnership_id)
            counting = (counting_calendar_of(source.rule_key, partnership)
                        if source.rule_key else partnership)
            policy = policies.get(row.partnership_id, DEFAULT_POLICY)
            firing = latest_firing(policy, row.due_date, today, partnership, counting)
            if firing is not None:
                found.append(((source.owner_type, row.owner_id, firing.stage, row.contact_id,
                               firing.fire_date), source, row))
            escalated = escalation(policy, row.due_date, today, partnership, counting)
            if escalated is not None and row.escalation_id is not None:
                found.append(((source.owner_type, row.owner_id, ESCALATION, row.escalation_id,
                               escalated.fire_date), source, row))
    unique = {}
    for item in found:
        unique.setdefault(item[0], item)  # two links to one contact: one chase
    return list(unique.values())


_COLUMNS = ("owner_type", "owner_id", "stage", "contact_id", "fire_date", "partnership_id",
            "link_id", "due_date", "created_at", "claim")


def _claim(items, now: datetime) -> list[sa.Row]:
    """Insert the chases not yet in the ledger (ON CONFLICT DO NOTHING); those inserted."""
    table = AgencyChase.__table__
    if not items:
        return []
    keys = [item[0] for item in items]
    earliest = min(key[4] for key in keys)
    # Only a speed-up (the unique key refuses a repeat anyway): keys claimed already.
    known = {tuple(row) for row in db.session.execute(sa.select(
        table.c.owner_type, table.c.owner_id, table.c.stage, table.c.contact_id,
        table.c.fire_date).where(table.c.fire_date >= earliest))}
    fresh = sorted((item for item in items if item[0] not in known), key=lambda i: i[0])
    if not fresh:
        return []
    token = secrets.token_hex(16)
    connection = db.session.connection()
    as_text = connection.dialect.name == "sqlite"
    mark = "?" if connection.dialect.paramstyle == "qmark" else "%s"
    # Fixed column names and placeholders only: no value is ever formatted into the SQL.
    sql = (f"INSERT INTO agency_chase ({', '.join(_COLUMNS)}) "  # noqa: S608
           f"VALUES ({', '.join([mark] * len(_COLUMNS))}) ON CONFLICT "
           "(owner_type, owner_id, stage, contact_id, fire_date) DO NOTHING")
    rows = []
    for (owner_type, owner_id, stage, contact_id, fire_date), _source, row in fresh:
        dates = (fire_date.isoformat(), row.due_date.isoformat(), now.isoformat(" ")) \
            if as_text else (fire_date, row.due_date, now)
        rows.append((owner_type, owner_id, stage, contact_id, dates[0], row.partnership_id,
                     row.link_id, dates[1], dates[2], token))
    for start in range(0, len(rows), CHUNK):
        connection.exec_driver_sql(sql, rows[start:start + CHUNK])
    return connection.execute(
        sa.select(table.c.id, table.c.owner_type, table.c.owner_id, table.c.stage,
                  table.c.contact_id, table.c.fire_date)
        .where(table.c.claim == token).order_by(table.c.id)).all()


def chase(today: date, now: datetime | None = None) -> int:
    """Claim today's chases and queue their e-mails in the current transaction (the caller
    commits); how many were queued. The e-mails go in as one batched insert, so a pass runs
    the same statements for one chase or thousands."""
    now = now or utcnow()
    items = wanted(today, now)
    by_key = {item[0]: item for item in items}
    claimed = _claim(items, now)
    if not claimed:
        return 0
    domain = current_app.config["MAIL_DEFAULT_SENDER"].rpartition("@")[2] or "tracker"
    emails = []
    for chased in claimed:
        key = (chased.owner_type, chased.owner_id, chased.stage, chased.contact_id,
               chased.fire_date)
        _key, source, row = by_key[key]
        emails.append({**_email(source, row, chased.stage, today), "kind": "agency_chase",
                       "partnership_id": row.partnership_id, "status": mail.PENDING,
                       "attempts": 0, "message_id": make_msgid(domain=domain),
                       "next_attempt_at": now, "created_at": now})
    # Matched back by their unique message ids: a batch's RETURNING comes in no set order.
    by_message = dict(db.session.execute(
        sa.insert(mail.OutboundEmail).returning(mail.OutboundEmail.message_id,
                                                mail.OutboundEmail.id), emails).all())
    email_ids = [by_message[email["message_id"]] for email in emails]
    table = AgencyChase.__table__
    db.session.execute(
        sa.update(table).where(table.c.id == sa.bindparam("chase_id"))
        .values(email_id=sa.bindparam("mail_id")),
        [{"chase_id": chased.id, "mail_id": email_id}
         for chased, email_id in zip(claimed, email_ids, strict=True)],
        execution_options={"synchronize_session": False})
    return len(emails)


def _when(stage: str, due: date, today: date) -> str:
    if stage == BEFORE:
        return f"is due by {format_date(due)}"
    if stage == DUE:
        return f"is due today, {format_date(due)}"
    late = (today - due).days
    return (f"was due by {format_date(due)} and is now overdue by {late} "
            f"day{'' if late == 1 else 's'}")


SUBJECTS = {BEFORE: "Reminder", DUE: "Due today", OVERDUE: "Overdue",
            ESCALATION: "Overdue: please help"}


def _email(source: ChaseSource, row, stage: str, today: date) -> dict:
    """The chase: the partnership, the reference and the due date; never the child, never
    the link's token."""
    words = words_for(source.owner_type)
    team = f"{row.partnership_name}'s {words.team}"
    when = _when(stage, row.due_date, today)
    sent = format_date(row.issued_at.date())
    subject = f"{SUBJECTS[stage]}: {row.partnership_name}, {source.what} requested " \
              f"({row.reference})"
    if stage == ESCALATION:
        to_name, to_address = row.escalation_name, row.escalation_email
        paragraphs = [
            f"{team} asked {row.agency_name} for {source.what} about {words.about} with "
            f"reference {row.reference}, sending a personal link to {row.contact_name} on {sent}. "
            f"It {when}, and we have not had it yet.",
            f"You are {row.agency_name}'s escalation contact: please make sure it is sent. "
            f"{row.contact_name} can use the personal link they were sent; if it is lost or "
            f"no longer works, ask {team} to send it again.",
        ]
    else:
        to_name, to_address = row.contact_name, row.contact_email
        paragraphs = [
            f"{team} asked your agency for {source.what} about {words.about} with reference "
            f"{row.reference}. It {when}.",
            f"Please use the personal link we sent you on {sent} to {words.do_online}. If you "
            f"cannot find it or it no longer works, ask {team} to send it again: this e-mail "
            "holds no link.",
        ]
    text = f"Dear {to_name},\n\n" + "\n\n".join(paragraphs) + "\n"
    html = f"<p>Dear {escape(to_name)},</p>" + "".join(
        f"<p>{escape(paragraph)}</p>" for paragraph in paragraphs)
    return {"to_address": to_address, "subject": one_line(subject)[:300], "text_body": text,
            "html_body": html}


def set_paused(record, paused: bool, now: datetime | None = None) -> bool:
    """Pause chasing the agency for a domain's request (its `chasing_paused_at` column), or
    resume it; False when it already was so. One conditional UPDATE of that column alone,
    audited by hand under the user: a pause is no edit of the request (no form holds it), so
    it leaves the request's version alone and an edit open in another tab still saves. Done
    twice at once, it is done (and audited) once."""
    if paused == (record.chasing_paused_at is not None):
        return False
    value = (now or utcnow()) if paused else None
    table = type(record).__table__
    changed = db.session.execute(
        sa.update(table).where(table.c.id == record.id,
                               table.c.chasing_paused_at.is_(None) if paused
                               else table.c.chasing_paused_at.is_not(None))
        .values(chasing_paused_at=value)).rowcount
    so.attributes.set_committed_value(record, "chasing_paused_at", value)
    if not changed:
        return False
    # A detail, not column changes: the stale-save message reads changed columns as saves.
    audit.record(audit.Action.UPDATE, record,
                 detail="Chasing the agency paused" if paused else "Chasing the agency resumed")
    return True
