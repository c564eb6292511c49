"""E-mailed invitations to rapid response meetings and CDOP meetings, with the .ics.

When a meeting is scheduled or moved, every attendee with an account gets an e-mail with an
iCalendar invitation attached (METHOD:REQUEST); a cancelled meeting sends METHOD:CANCEL. A
meeting keeps one UID and its `ics_sequence` goes up with each change, so calendar programs
update the entry they hold instead of adding another. The e-mails are queued in the
transaction that saves the meeting (tracker.mail), so they go if and only if the save does.

The e-mail and the .ics carry the case reference, the meeting's number, date, time, place and
a link: never the child's name, NHS number, address, postcode or date of birth, and never the
attendees, chair, notes, actions or a cancellation reason (free text that may hold names).
"""

import re
from datetime import date, datetime, time, timedelta
from typing import NamedTuple
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import current_app, render_template, url_for
from icalendar import Calendar, Event, vCalAddress

from cdr.services.meetings import meeting_label, meetings_of
from tracker import mail
from tracker.accounts import Account, accounts_of
from tracker.extensions import db
from tracker.roles import Permission, Role
from tracker.text import one_line
from tracker.timeline import TimelineEntry
from tracker.timeutil import LONDON, format_date

REQUEST, CANCEL, PUBLISH = "REQUEST", "CANCEL", "PUBLISH"
# An invitation lasts an hour unless the meeting says otherwise (the models have no end time).
DURATION = timedelta(hours=1)
# Who is invited to a CDOP meeting.
PANEL_ROLES = (Role.PANEL_MEMBER, Role.CDOP_ADMIN, Role.DESIGNATED_DOCTOR)
_EMAIL = re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+")


class Invitation(NamedTuple):
    """What an invitation says, for the .ics and the e-mail alike."""

    uid: str
    sequence: int
    title: str  # "First rapid response meeting", "CDOP meeting"
    summary: str  # the calendar entry's title
    reference: str | None  # the case's reference, for a case's meeting
    day: date
    starts_at: time | None
    place: str | None
    link: str


def host() -> str:
    """The host part of every UID: the tracker's own address (BASE_URL), whatever page
    or process makes the invitation, so a download and an e-mail update the same entry."""
    return urlsplit(current_app.config["BASE_URL"]).hostname or "tracker"


def _absolute(path: str) -> str:
    return mail.absolute_url(path)


def rr_invitation(case, meeting) -> Invitation:
    """A rapid response meeting's invitation."""
    return Invitation(
        uid=f"cdr-case-{case.id}-rr-meeting-{meeting.number}@{host()}",
        sequence=meeting.ics_sequence or 0, title=meeting_label(meeting.number),
        summary=f"Rapid response meeting {meeting.number}: {case.reference}",
        reference=case.reference, day=meeting.meeting_on, starts_at=meeting.starts_at,
        place=meeting.place_or_link, link=_absolute(url_for("cdr.case", case_id=case.id)))


def panel_invitation(meeting) -> Invitation:
    """A CDOP meeting's invitation."""
    return Invitation(
        uid=f"cdr-panel-meeting-{meeting.id}@{host()}", sequence=meeting.ics_sequence or 0,
        title="CDOP meeting", summary="CDOP meeting", reference=None,
        day=meeting.meeting_on, starts_at=meeting.starts_at, place=meeting.place_or_link,
        link=_absolute(url_for("cdr.panel_meeting", meeting_id=meeting.id)))


# --- The .ics ----------------------------------------------------------------------------------


def calendar(invitation: Invitation, method: str, now: datetime,
             attendees: list[str] = ()) -> bytes:
    """The iCalendar file: PUBLISH (a download), REQUEST (invite, update) or CANCEL.

    Stored text (the reference, the place) is put on one line first: a calendar entry's
    title and place take one, and control characters are not allowed in iCalendar text."""
    cal = Calendar()
    cal.add("prodid", "-//Child death review tracker//Meetings//EN")
    cal.add("version", "2.0")
    cal.add("method", method)
    event = Event()
    event.add("uid", invitation.uid)
    event.add("sequence", invitation.sequence)
    event.add("dtstamp", now)
    event.add("summary", one_line(invitation.summary))
    _add_times(event, invitation)
    if invitation.place:
        event.add("location", one_line(invitation.place))
    event.add("description", "\n".join(_lines(invitation)))
    event.add("url", invitation.link)
    if method != PUBLISH:
        _add_people(event, attendees)
        event.add("status", "CANCELLED" if method == CANCEL else "CONFIRMED")
    cal.add_component(event)
    cal.add_missing_timezones()
    return cal.to_ical()


def _add_times(event, invitation):
    if invitation.starts_at is not None:
        start = datetime.combine(invitation.day, invitation.starts_at, tzinfo=LONDON)
        event.add("dtstart", start)
        event.add("dtend", start + DURATION)
    else:  # no time yet: an all-day event
        event.add("dtstart", invitation.day)
        event.add("dtend", invitation.day + timedelta(days=1))


def _add_people(event, attendees):
    organizer = vCalAddress(f"mailto:{current_app.config['MAIL_DEFAULT_SENDER']}")
    organizer.params["cn"] = current_app.config["SERVICE_NAME"]
    event.add("organizer", organizer)
    for address in attendees:
        attendee = vCalAddress(f"mailto:{address}")
        attendee.params.update({"role": "REQ-PARTICIPANT", "partstat": "NEEDS-ACTION",
                                "rsvp": "FALSE"})
        event.add("attendee", attendee)


def _lines(invitation):
    first = invitation.title
    if invitation.reference:
        first += f" (Joint Agency Response), case {one_line(invitation.reference)}."
    return [first, f"Details are in the child death review tracker: {invitation.link}"]


# --- The e-mail --------------------------------------------------------------------------------


def when_text(invitation: Invitation) -> str:
    """'Wednesday 5 March 2025 at 14:30', or the date alone without a time."""
    text = f"{invitation.day.strftime('%A')} {format_date(invitation.day)}"
    return f"{text} at {invitation.starts_at.strftime('%H:%M')}" if invitation.starts_at else text


def subject(invitation: Invitation, method: str, updated: bool = False) -> str:
    """Such as 'Invitation: First rapid response meeting, CDOP-NSP-2025-0001, …'."""
    prefix = ("Cancelled" if method == CANCEL
              else "Updated invitation" if updated else "Invitation")
    about = ", ".join(filter(None, (invitation.title, invitation.reference)))
    return f"{prefix}: {about}, {when_text(invitation)}"[:300]


def send(invitation: Invitation, method: str, accounts: list[Account], partnership_id: int,
         now: datetime, updated: bool = False) -> int:
    """Queue one e-mail per account, each with the .ics listing every attendee; how many."""
    if not accounts:
        return 0
    body = calendar(invitation, method, now, [account.email for account in accounts])
    context = {"invitation": invitation, "method": method, "updated": updated,
               "when": when_text(invitation), "service_name": current_app.config["SERVICE_NAME"]}
    text = render_template("cdr/invitations/email.txt", **context)
    html = render_template("cdr/invitations/email.html", **context)
    name = "cancellation.ics" if method == CANCEL else "invitation.ics"
    for account in accounts:
        mail.queue(kind="invitation", to_address=account.email, recipient_id=account.id,
                   partnership_id=partnership_id, subject=subject(invitation, method, updated),
                   text_body=text, html_body=html, now=now.replace(tzinfo=None),
                   attachment=(name, f"text/calendar; method={method}; charset=utf-8", body))
    return len(accounts)


# --- Who is invited ----------------------------------------------------------------------------


def addresses_in(text: str | None) -> set[str]:
    """The e-mail addresses written in a free-text field, lower case."""
    return {found.lower() for found in _EMAIL.findall(text or "")}


def rr_recipients(case, attendees_text: str | None, accounts=None) -> list[Account]:
    """The case's designated doctor and owner, and the partnership's users who may see child
    death cases whose e-mail address is in the meeting's attendees (one query, or none when
    `accounts`, the partnership's, are given)."""
    named = addresses_in(attendees_text)
    people = {case.designated_doctor_id, case.owner_id}
    if accounts is None:
        accounts = accounts_of(case.partnership_id, permission=Permission.VIEW_CDR_CASES)
    return [account for account in accounts
            if account.id in people or account.email.lower() in named]


def panel_recipients(meeting) -> list[Account]:
    """The partnership's panel members, CDOP administrators and designated doctors."""
    return accounts_of(meeting.partnership_id, roles=PANEL_ROLES)


# --- Rapid response meetings -------------------------------------------------------------------


class Snapshot(NamedTuple):
    """What a saved meeting was before a change: what the invitation depends on."""

    meeting_on: date
    starts_at: time | None
    place_or_link: str | None
    attendees: str | None


def snapshot(meeting) -> Snapshot | None:
    """A meeting's invitation details before it is changed (None for a new meeting)."""
    if meeting is None:
        return None
    return Snapshot(meeting.meeting_on, meeting.starts_at, meeting.place_or_link,
                    meeting.attendees)


def first_sequence(case, number: int) -> int:
    """The SEQUENCE of a meeting just scheduled anew (one query): 0 for the first one.

    A cancelled meeting is deleted, so its last SEQUENCE is gone, yet an invitation that
    reuses the UID must carry a higher one or calendars ignore it. Each save of a meeting
    and its cancellation write a line about it on the case's timeline, and the SEQUENCE
    rises at most once per line, so the lines written before this scheduling (all of them
    but the one save_meeting has just added) outnumber any SEQUENCE the UID has used.
    """
    lines = db.session.scalar(sa.select(sa.func.count()).where(
        TimelineEntry.owner_type == case.__tablename__, TimelineEntry.owner_id == case.id,
        TimelineEntry.kind == "meeting",
        TimelineEntry.text.startswith(meeting_label(number), autoescape=True))) or 0
    return max(lines - 1, 0)


def meeting_saved(case, meeting, before: Snapshot | None, today: date, now: datetime) -> int:
    """Queue the invitations a saved meeting needs (no commit); how many were queued.

    A new meeting invites everyone; a new date, time or place updates everyone with a
    higher SEQUENCE; an address added to the attendees invites that person, one taken out
    gets a cancellation. A meeting recorded as held, or on a past date, sends nothing.
    """
    if meeting.held or meeting.meeting_on < today:
        return 0
    everyone = accounts_of(case.partnership_id, permission=Permission.VIEW_CDR_CASES)
    invited = rr_recipients(case, meeting.attendees, everyone)
    if before is None:
        meeting.ics_sequence = first_sequence(case, meeting.number)
        return send(rr_invitation(case, meeting), REQUEST, invited, case.partnership_id, now)
    moved = before[:3] != snapshot(meeting)[:3]
    if moved:
        meeting.ics_sequence = (meeting.ics_sequence or 0) + 1
    were = rr_recipients(case, before.attendees, everyone)
    invitation = rr_invitation(case, meeting)
    sent = send(invitation, CANCEL, [a for a in were if a not in invited], case.partnership_id,
                now)
    told = invited if moved else [a for a in invited if a not in were]
    return sent + send(invitation, REQUEST, told, case.partnership_id, now, updated=moved)


def meeting_cancelled(case, meeting, now: datetime) -> int:
    """Queue the cancellation of a meeting about to be deleted (no commit); how many."""
    meeting.ics_sequence = (meeting.ics_sequence or 0) + 1
    accounts = rr_recipients(case, meeting.attendees)
    return send(rr_invitation(case, meeting), CANCEL, accounts, case.partnership_id, now)


def doctor_changed(case, old_doctor_id: int | None, today: date, now: datetime) -> int:
    """After the case's designated doctor changes (no commit): the new doctor is invited to
    the meetings still to come, and the doctor replaced gets a cancellation of their copy
    unless they are still invited as the owner or an attendee. How many e-mails."""
    coming = [meeting for meeting in meetings_of(case).values()
              if not meeting.held and meeting.meeting_on >= today]
    if not coming:
        return 0
    everyone = accounts_of(case.partnership_id, permission=Permission.VIEW_CDR_CASES)
    sent = 0
    for meeting in coming:
        invited = rr_recipients(case, meeting.attendees, everyone)
        new = [a for a in invited if a.id == case.designated_doctor_id]
        old = [a for a in everyone if a.id == old_doctor_id and a not in invited]
        invitation = rr_invitation(case, meeting)
        sent += send(invitation, CANCEL, old, case.partnership_id, now)
        sent += send(invitation, REQUEST, new, case.partnership_id, now)
    return sent


def panel_meeting_scheduled(meeting, now: datetime) -> int:
    """Queue the invitations to a newly scheduled CDOP meeting (no commit)."""
    return send(panel_invitation(meeting), REQUEST, panel_recipients(meeting),
                meeting.partnership_id, now)
