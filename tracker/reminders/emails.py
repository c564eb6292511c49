"""The reminder e-mails: a daily digest, or one e-mail per reminder; never a child's name.

A reminder carries a case reference, the step that is due, the due date and a link; the
e-mail is built from those fields only, so it cannot hold a name, NHS number, address,
postcode or date of birth.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime
from typing import NamedTuple

import sqlalchemy as sa
from flask import current_app, render_template, url_for

from tracker import mail
from tracker.audit import AuditEvent
from tracker.extensions import db
from tracker.reminders.models import CLAIMED_COLUMNS, Reminder
from tracker.reminders.policy import BEFORE, DUE, DUE_NOW, ESCALATION, OVERDUE, STAGE_LABELS
from tracker.timeutil import format_date, london_midnight, to_london

# A digest lists this many steps (the most pressing first) and counts the rest: the notices
# page lists every one.
MAX_LISTED = 50


def absolute(link: str) -> str:
    """A reminder's link as a full address, from BASE_URL."""
    return mail.absolute_url(link)


HELD = "next digest"
DISMISSED = "dismissed before the digest"


def held_for_digest(today: date) -> list[sa.Row]:
    """Reminders that came after a user's digest of an earlier pass, waiting for the next.

    Those dismissed since (by the user, or because the deadline was met) are marked
    DISMISSED instead, so they leave the index of held reminders and are never sent.
    """
    held = [Reminder.email_skipped == HELD, Reminder.email_id.is_(None)]
    db.session.execute(sa.update(Reminder).where(*held, Reminder.dismissed_at.is_not(None))
                       .values(email_skipped=DISMISSED))
    return db.session.execute(sa.select(*CLAIMED_COLUMNS).where(*held)).all()


def _had_digest_today(person_ids, today: date) -> set[int]:
    """Who already has a digest queued today (London), so gets no second one."""
    if not person_ids:
        return set()
    midnight = london_midnight(today)
    return set(db.session.scalars(sa.select(mail.OutboundEmail.recipient_id).where(
        mail.OutboundEmail.kind == "digest",
        mail.OutboundEmail.recipient_id.in_(sorted(person_ids)),
        mail.OutboundEmail.created_at >= midnight)))


def queue_for(reminders, held, people, today: date, now: datetime,
              paused=None) -> dict[int, int | str]:
    """Queue the e-mails that carry newly claimed reminders, and record which carries which.

    One digest a day: what a later pass claims for a user who has had today's digest waits
    for the next one (it is an in-app notice at once). Reminders `held` from earlier passes
    join the digest of a user who has none yet today. Returns, per reminder id, the id of
    its e-mail or why it has none ("paused", "next digest"). `paused()`, called once when a
    digest is queued, gives per person the paused deadlines of their cases a digest lists.
    """
    by_person = defaultdict(list)
    for reminder in reminders:
        by_person[reminder.recipient_id].append(reminder)
    waiting = defaultdict(list)
    for reminder in held:
        waiting[reminder.recipient_id].append(reminder)
    digested = _had_digest_today(
        {pid for pid in {*by_person, *waiting}
         if pid in people and people[pid].mode != "immediate"}, today)
    carried: list[tuple[list, mail.OutboundEmail]] = []
    paused_steps = None
    skipped: dict[str, list[int]] = defaultdict(list)
    for person_id in {*by_person, *waiting}:
        mine, person = by_person.get(person_id, []), people.get(person_id)
        if person is None or person.paused(today):
            skipped["paused" if person else "no account"].extend(
                r.id for r in [*mine, *waiting.get(person_id, [])])
            continue
        single = [r for r in mine if r.stage == DUE_NOW or person.mode == "immediate"]
        digest = [r for r in [*mine, *waiting.get(person_id, [])] if r not in single]
        carried.extend(([r], _single(person, r, now)) for r in single)
        if digest and person_id in digested:
            skipped[HELD].extend(r.id for r in mine if r not in single)
        elif digest:
            if paused_steps is None:
                paused_steps = paused() if paused is not None else {}
            carried.append((digest, _digest(person, digest, today, now,
                                            paused_steps.get(person_id, []))))
    db.session.flush()
    outcome: dict[int, int | str] = {}
    for group, email in carried:
        _mark([r.id for r in group], email_id=email.id, email_skipped=None)
        outcome.update((r.id, email.id) for r in group)
    for reason, ids in skipped.items():
        _mark(ids, email_skipped=reason)
        outcome.update((rid, reason) for rid in ids)
    return outcome


def _mark(ids: list[int], **values) -> None:
    """Set values on many ledger rows, a chunk of ids per statement."""
    for start in range(0, len(ids), 2000):
        db.session.execute(
            sa.update(Reminder).where(Reminder.id.in_(ids[start:start + 2000])).values(**values),
            execution_options={"synchronize_session": False})


PRESSING = (ESCALATION, OVERDUE)  # listed first in a case, and its cases first


class DigestItem(NamedTuple):
    """One step of a case in a digest, with what it is now ("Overdue by 12 days")."""

    step: str
    due_date: date
    link: str
    status: str
    pressing: bool


class DigestCase(NamedTuple):
    """A case in a digest: its reference and its steps, the overdue ones first."""

    reference: str
    link: str
    items: list


def _status(reminder, today: date) -> str:
    """What a reminder's step is now, in words: how long it has been overdue, or when due."""
    late = (today - reminder.due_date).days
    if reminder.stage in PRESSING:
        words = f"Overdue by {late} day{'' if late == 1 else 's'}" if late > 0 else "Overdue"
        return f"Escalated to you: {words[0].lower()}{words[1:]}" \
            if reminder.stage == ESCALATION else words
    if reminder.due_date <= today:
        return "Due today"
    ahead = -late
    return f"Due in {ahead} day{'' if ahead == 1 else 's'}"


def _cases(reminders, today: date):
    """The digest's cases (at most MAX_LISTED steps in all) and how many steps were left off.

    Grouped by case so a reader works a case at a time: a case with an overdue step comes
    first, longest overdue first; then the rest by their soonest due date. Within a case
    its overdue steps come first, oldest first, then the others by due date."""
    by_case = defaultdict(list)
    for reminder in reminders:
        by_case[reminder.reference].append(reminder)

    def step_order(reminder):
        return (reminder.stage not in PRESSING, reminder.due_date, reminder.step)

    def case_order(reference):
        first = min(by_case[reference], key=step_order)
        return (*step_order(first)[:2], reference)

    cases, listed = [], 0
    for reference in sorted(by_case, key=case_order):
        steps = sorted(by_case[reference], key=step_order)[:MAX_LISTED - listed]
        if not steps:
            break
        listed += len(steps)
        cases.append(DigestCase(reference, steps[0].link, [
            DigestItem(r.step, r.due_date, r.link, _status(r, today), r.stage in PRESSING)
            for r in steps]))
    return cases, len(reminders) - listed


class PausedStep(NamedTuple):
    """A step whose deadline is paused: it reminds nobody, so a digest lists it until it is
    restarted. Never the reason typed with the pause: free text may name the child."""

    reference: str
    step: str
    link: str
    deadline_id: int
    since: date | None = None  # when it was paused (the audit trail), if recorded


def paused_since(deadline_ids) -> dict[int, date]:
    """When each deadline was last paused, from the audit trail: the latest change that gave
    it a pause reason where it had none (ix_audit_event_object). A London date."""
    since: dict[int, date] = {}
    ids = sorted({str(i) for i in deadline_ids})
    for start in range(0, len(ids), 2000):
        rows = db.session.execute(
            sa.select(AuditEvent.object_id, AuditEvent.occurred_at, AuditEvent.changes)
            .where(AuditEvent.object_type == "Deadline",
                   AuditEvent.object_id.in_(ids[start:start + 2000]))
            .order_by(AuditEvent.occurred_at, AuditEvent.id))
        for object_id, occurred_at, changes in rows:
            old, new = ((changes or {}).get("paused_reason") or [None, None])[:2]
            if new and not old:
                since[int(object_id)] = to_london(occurred_at).date()
    return since


def listed_paused(steps) -> list[PausedStep]:
    """A digest's paused steps: by case, at most MAX_LISTED, each with when it was paused."""
    steps = sorted(steps, key=lambda s: (s.reference, s.step, s.deadline_id))[:MAX_LISTED]
    since = paused_since(s.deadline_id for s in steps)
    return [s._replace(since=since.get(s.deadline_id)) for s in steps]


def digest_subject(reminders) -> str:
    """Such as "Reminders: 2 overdue, 1 due today, 3 due soon"."""
    counts = defaultdict(int)
    for reminder in reminders:
        key = {ESCALATION: OVERDUE, DUE_NOW: DUE}.get(reminder.stage, reminder.stage)
        counts[key] += 1
    parts = [f"{counts[stage]} {STAGE_LABELS[stage].lower()}" for stage in (OVERDUE, DUE, BEFORE)
             if counts[stage]]
    return "Reminders: " + ", ".join(parts)


def single_subject(reminder) -> str:
    """Such as "Overdue: CDOP-NSP-2026-0001, Notify the Panel (due 3 March 2026)"."""
    return (f"{STAGE_LABELS[reminder.stage]}: {reminder.reference}, {reminder.step} "
            f"(due {format_date(reminder.due_date)})")[:300]


def _context(person, reminders, today, paused=()):
    cases, left_off = _cases(reminders, today)
    return {
        "cases": cases, "left_off": left_off, "today": today, "absolute": absolute,
        "paused": listed_paused(paused),
        "settings_link": absolute(url_for("account.reminders")),
        "notices_link": absolute(url_for("notices.index")),
        "service_name": current_app.config["SERVICE_NAME"],
    }


def _digest(person, reminders, today, now, paused=()):
    context = _context(person, reminders, today, paused)
    return mail.queue(
        kind="digest", to_address=person.email, recipient_id=person.id,
        partnership_id=reminders[0].partnership_id, subject=digest_subject(reminders),
        text_body=render_template("tracker/reminders/email.txt", **context),
        html_body=render_template("tracker/reminders/email.html", **context), now=now)


def _single(person, reminder, now):
    context = _context(person, [reminder], reminder.fire_date)
    return mail.queue(
        kind="reminder", to_address=person.email, recipient_id=person.id,
        partnership_id=reminder.partnership_id, subject=single_subject(reminder),
        text_body=render_template("tracker/reminders/email.txt", **context),
        html_body=render_template("tracker/reminders/email.html", **context), now=now)
