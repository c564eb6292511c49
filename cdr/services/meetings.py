"""Joint Agency Response criteria, the three rapid response meetings, the designated doctor.

Windows come from the stored deadlines (rr_meeting_1, _2, _3), never from the page: the
rules (tracker/deadlines/wt2018.py) set them and deadline_service.sync_case stores them. The
mapping (cdr/deadlines.py) leaves `met_on` of those deadlines to this module: a meeting
recorded as held sets it to the meeting's date, and sync_case keeps it.
"""

from datetime import date, timedelta
from typing import NamedTuple

import sqlalchemy as sa

from cdr.models import JAR_CRITERIA, ChildDeathCase, ChildIdentity, RapidResponseMeeting
from cdr.models.case import NO_POST_MORTEM
from cdr.services import timeline
from tracker import audit, deadline_service, deadlines
from tracker.calendar import is_working_day
from tracker.deadline_models import Deadline
from tracker.extensions import db
from tracker.models import User, user_partnership
from tracker.roles import Role
from tracker.timeutil import format_date, utcnow

MEETING_NUMBERS = (1, 2, 3)
ORDINALS = {1: "First", 2: "Second", 3: "Third"}
# How many dates the meeting form proposes.
PROPOSALS = 10


class Refused(Exception):
    """A workflow rule refuses the change: `message` for the user, about form `field`."""

    def __init__(self, message: str, field: str | None = None, *, outside_window=False):
        super().__init__(message)
        self.message = message
        self.field = field
        self.outside_window = outside_window


def rule_key(number: int) -> str:
    """The stored deadline's rule for meeting `number`."""
    return f"rr_meeting_{number}"


def rule_of(case, number: int):
    """The rule of meeting `number` in the case's edition: its duty (local practice) and
    citation, as the meeting page shows them."""
    return deadlines.get_rule(rule_key(number), case.rules_edition or deadlines.CURRENT_EDITION)


def meeting_label(number: int) -> str:
    """'First rapid response meeting'."""
    return f"{ORDINALS[number]} rapid response meeting"


# --- The Joint Agency Response --------------------------------------------------------------


def jar_reasons(case) -> list[str]:
    """What each ticked criterion says, in the order of DOMAIN.md 2C."""
    return [text for column, text in JAR_CRITERIA.items() if getattr(case, column)]


def jar_reasons_keys(case) -> list[str]:
    """The columns of the ticked criteria."""
    return [column for column in JAR_CRITERIA if getattr(case, column)]


def expected_yet_unexplained(death_expected, criteria) -> bool:
    """An expected death ticked as "sudden and there is no immediately apparent cause": the
    two answers contradict each other (an expected death is one anticipated 24 hours before,
    WT2018 chapter 5, kept in WT2023 chapter 6; GUIDANCE-2023.md)."""
    return death_expected == "yes" and "jar_sudden_unexplained" in set(criteria or ())


def record_jar(case, criteria, post_mortem_results_on, today: date) -> bool:
    """Save the JAR checklist and the post-mortem results date (no commit); True if changed.

    Any criterion ticked makes a Joint Agency Response required, so the first and second
    meetings' deadlines appear; none ticked removes them. The post-mortem results date
    starts the third meeting's clock.
    """
    if expected_yet_unexplained(case.death_expected, criteria):
        raise Refused("This death is recorded as expected, so it cannot be sudden with no "
                      "immediately apparent cause: change whether the death was expected in "
                      "the case details first, or do not select that criterion", "criteria")
    _check_results_date(case, post_mortem_results_on, today)
    before = (jar_reasons(case), case.post_mortem_results_on)
    set_criteria(case, criteria)
    case.post_mortem_results_on = post_mortem_results_on
    if before == (jar_reasons(case), case.post_mortem_results_on):
        return False
    deadline_service.sync_case(case)
    sync_met_dates(case)
    if before[0] != jar_reasons(case):
        timeline.add(case, "jar", _jar_text(case), today)
    if before[1] != post_mortem_results_on:
        text = ("All post-mortem results received" if post_mortem_results_on
                else "Date post-mortem results were received removed")
        timeline.add(case, "post_mortem", text, post_mortem_results_on or today)
    return True


def set_criteria(case, criteria) -> None:
    """The JAR checklist on the case: each criterion met, and a Joint Agency Response required
    when any is (the page, the notification form and the import all set it here)."""
    for column in JAR_CRITERIA:
        setattr(case, column, column in criteria)
    case.jar_required = bool(set(criteria) & set(JAR_CRITERIA))


def _jar_text(case) -> str:
    if not case.jar_required:
        return "Joint Agency Response not required"
    return "Joint Agency Response required: " + "; ".join(jar_reasons(case))


def _check_results_date(case, results_on, today):
    if results_on is None:
        if case.post_mortem_results_on is not None and meeting_of(case, 3) is not None:
            raise Refused("The third rapid response meeting is recorded, so the date all "
                          "post-mortem results were received cannot be removed",
                          "post_mortem_results_on")
        return
    if case.no_post_mortem_on is not None and results_on != case.post_mortem_results_on:
        raise Refused("The case records that no post-mortem will be held. Change that first "
                      "if post-mortem results have been received", "post_mortem_results_on")
    if results_on > today:
        raise Refused("Date all post-mortem results were received must be today or in the "
                      "past", "post_mortem_results_on")
    if results_on < case.date_of_death:
        raise Refused("Date all post-mortem results were received must be on or after the "
                      f"date of death ({format_date(case.date_of_death)})",
                      "post_mortem_results_on")


def no_post_mortem_text(case) -> str:
    """'no post-mortem will be held' or 'the coroner has not taken the case'."""
    text = NO_POST_MORTEM.get(case.no_post_mortem, NO_POST_MORTEM["not_held"])
    return text[0].lower() + text[1:]


# --- Windows and proposed dates --------------------------------------------------------------


class Window(NamedTuple):
    """The dates a meeting should fall on, read from its stored deadline."""

    first: date | None
    last: date | None

    def is_late(self, day: date) -> bool:
        """Whether a date is after the window: the only case that needs a reason (a meeting
        held earlier than its window is never asked for one)."""
        return self.last is not None and day > self.last

    def contains(self, day: date) -> bool:
        """Whether a date is inside the window (a window with no dates contains every day)."""
        if self.first is not None and day < self.first:
            return False
        return self.last is None or day <= self.last

    @property
    def text(self) -> str:
        """'2 March 2025 to 6 March 2025'."""
        if self.first and self.last:
            return f"{format_date(self.first)} to {format_date(self.last)}"
        return f"by {format_date(self.last)}" if self.last else ""


def window_of(deadline: Deadline | None) -> Window:
    """A stored deadline's window: its earliest date (or the date that started it) to its due
    date (or the date it was extended to)."""
    if deadline is None:
        return Window(None, None)
    return Window(deadline.earliest_date or deadline.trigger_date,
                  deadline.extended_to or deadline.due_date)


class ProposedDate(NamedTuple):
    """A date the meeting form suggests, and whether it is a working day."""

    day: date
    working: bool


def proposed_dates(window: Window, today: date, partnership_rules=None) -> list[ProposedDate]:
    """Dates inside the window from today on: working days first, then the others."""
    if window.first is None or window.last is None:
        return []
    day = max(window.first, today)
    found = []
    while day <= window.last:
        found.append(ProposedDate(day, is_working_day(day, partnership_rules)))
        day += timedelta(days=1)
    found.sort(key=lambda proposed: (not proposed.working, proposed.day))
    return found[:PROPOSALS]


def stored_deadline(case, number: int) -> Deadline | None:
    """The stored deadline of meeting `number` (one query)."""
    return db.session.scalar(sa.select(Deadline).where(
        Deadline.owner_type == ChildDeathCase.__tablename__, Deadline.owner_id == case.id,
        Deadline.rule_key == rule_key(number), Deadline.item == ""))


def partnership_rules(case):
    """The case's partnership's closure days, for counting working days."""
    return deadline_service.load_rules([case.partnership_id]).get(case.partnership_id)


def meeting_of(case, number: int) -> RapidResponseMeeting | None:
    """Meeting `number` of a case, if recorded (one query)."""
    return db.session.scalar(sa.select(RapidResponseMeeting).where(
        RapidResponseMeeting.case_id == case.id, RapidResponseMeeting.number == number))


def meetings_of(case) -> dict[int, RapidResponseMeeting]:
    """A case's recorded meetings by number (one query)."""
    rows = db.session.scalars(sa.select(RapidResponseMeeting).where(
        RapidResponseMeeting.case_id == case.id))
    return {meeting.number: meeting for meeting in rows}


# --- Scheduling and holding a meeting --------------------------------------------------------


def why_not_schedulable(case, number: int) -> str | None:
    """Why meeting `number` cannot be scheduled yet, or None."""
    if not case.jar_required:
        return ("A Joint Agency Response is not required for this case. Tick the criteria "
                "that apply before scheduling rapid response meetings.")
    if number == 3 and case.no_post_mortem_on is not None:
        return (f"The third rapid response meeting is not needed: {no_post_mortem_text(case)}"
                f" (recorded on {format_date(case.no_post_mortem_on)}).")
    if number == 3 and case.post_mortem_results_on is None:
        return ("The third rapid response meeting can only be scheduled once all post-mortem "
                "results have been received. Record the date they were received first.")
    return None


class MeetingDetails(NamedTuple):
    """What the meeting form records."""

    meeting_on: date
    starts_at: object  # datetime.time or None
    place_or_link: str | None
    chair: str | None
    attendees: str | None
    agencies: str | None
    actions: str | None
    notes: str | None
    outside_window_reason: str | None
    held: bool


def save_meeting(case, number: int, details: MeetingDetails, window: Window,
                 today: date) -> RapidResponseMeeting:
    """Schedule, change or record as held meeting `number` of a case (no commit).

    A date after the window is allowed with a reason (an earlier one needs none); a held
    meeting sets `met_on` on its stored deadline. Raises Refused with the message for the user.
    """
    _check_meeting(case, number, details, window, today)
    meeting = meeting_of(case, number)
    is_new = meeting is None
    if is_new:
        meeting = RapidResponseMeeting(case_id=case.id, partnership_id=case.partnership_id,
                                       number=number)
        db.session.add(meeting)
    before = (meeting.meeting_on, meeting.held)
    for name, value in details._asdict().items():
        setattr(meeting, name, value)
    if not window.is_late(details.meeting_on):
        meeting.outside_window_reason = None
    sync_met_dates(case, {number: meeting})
    case.updated_at = utcnow()  # a change to a meeting is a change to the case (its version)
    _meeting_timeline(case, number, meeting, before, is_new)
    return meeting


def _check_meeting(case, number, details, window, today):
    reason = why_not_schedulable(case, number)
    if reason:
        raise Refused(reason)
    if details.meeting_on < case.date_of_death:
        raise Refused("Date of the meeting must be on or after the date of death "
                      f"({format_date(case.date_of_death)})", "meeting_on")
    if details.held and details.meeting_on > today:
        raise Refused("Date of the meeting must be today or in the past if the meeting has "
                      "been held", "meeting_on")
    if window.is_late(details.meeting_on) and not details.outside_window_reason:
        raise Refused("Enter why the meeting is later than its window (which ends on "
                      f"{format_date(window.last)})", "outside_window_reason",
                      outside_window=True)
    _check_not_identifying(case, details)


def _check_not_identifying(case, details):
    """The place and chair go into calendar invitations: refuse the child's details there."""
    identity = db.session.scalar(sa.select(ChildIdentity).where(ChildIdentity.case_id == case.id))
    if identity is None:
        return
    secrets = [identity.full_name, identity.nhs_number, identity.postcode, identity.address]
    secrets = [_squash(value) for value in secrets if value and len(_squash(value)) >= 4]
    for field in ("place_or_link", "chair"):
        value = _squash(getattr(details, field) or "")
        if value and any(secret in value for secret in secrets):
            label = "Place or link" if field == "place_or_link" else "Chair"
            raise Refused(f"{label} must not include the child's name, NHS number, address or "
                          "postcode: it goes into calendar invitations", field)


def _squash(text: str) -> str:
    return "".join(text.lower().split())


def _meeting_timeline(case, number, meeting, before, is_new):
    label = meeting_label(number)
    when = format_date(meeting.meeting_on)
    if is_new:
        timeline.add(case, "meeting", f"{label} scheduled for {when}", meeting.meeting_on)
    elif before[0] != meeting.meeting_on:
        timeline.add(case, "meeting", f"{label} moved to {when}", meeting.meeting_on)
    if meeting.held and not before[1]:
        timeline.add(case, "meeting", f"{label} held", meeting.meeting_on)
    elif before[1] and not meeting.held:
        timeline.add(case, "meeting", f"{label} no longer recorded as held", meeting.meeting_on)
    elif not is_new and before[0] == meeting.meeting_on:
        timeline.add(case, "meeting", f"{label} details changed", meeting.meeting_on)


def sync_met_dates(case, meetings: dict | None = None) -> None:
    """Set met_on of the meetings' stored deadlines from the meetings held (no commit).

    The mapping has no `met` column for these deadlines, so sync_case leaves met_on as it
    is; this puts it back after the deadlines are created again (JAR ticked once more).
    """
    meetings = meetings if meetings is not None else meetings_of(case)
    keys = {rule_key(number): number for number in meetings}
    if not keys:
        return
    rows = db.session.scalars(sa.select(Deadline).where(
        Deadline.owner_type == ChildDeathCase.__tablename__, Deadline.owner_id == case.id,
        Deadline.rule_key.in_(list(keys)), Deadline.item == ""))
    for row in rows:
        meeting = meetings[keys[row.rule_key]]
        met_on = meeting.meeting_on if meeting.held else None
        if row.met_on != met_on:
            row.met_on = met_on


# --- Cancelling a meeting ----------------------------------------------------------------------


def cancel_meeting(case, meeting, reason: str, today: date) -> None:
    """Cancel a meeting not yet held (no commit): it is deleted, so the case shows it as not
    scheduled and its stored deadline is open (unmet) again; audited, on the timeline.

    The caller queues the cancellation e-mails first (cdr.services.invitations), while the
    meeting can still be read.
    """
    if meeting.held:
        raise Refused("This meeting is recorded as held, so it cannot be cancelled. Change "
                      "the meeting to say it was not held first.", "reason")
    label = meeting_label(meeting.number)
    db.session.delete(meeting)
    db.session.flush()
    sync_met_dates(case, {meeting.number: _NOT_HELD})
    case.updated_at = utcnow()
    audit.record(audit.Action.UPDATE, case,
                 detail=f"Cancelled the {label.lower()} of {format_date(meeting.meeting_on)}",
                 reason=reason)
    timeline.add(case, "meeting", f"{label} of {format_date(meeting.meeting_on)} cancelled. "
                 f"Reason: {reason}", today)


class _NotHeld(NamedTuple):
    meeting_on: date | None = None
    held: bool = False


_NOT_HELD = _NotHeld()  # a meeting that no longer exists meets nothing


# --- The designated doctor ----------------------------------------------------------------------


def doctor_choices(case) -> list[tuple[int, str]]:
    """Active designated doctors of the case's partnership, by name (one query)."""
    rows = db.session.execute(
        sa.select(User.id, User.full_name)
        .join(user_partnership, user_partnership.c.user_id == User.id)
        .where(user_partnership.c.partnership_id == case.partnership_id,
               User.role == Role.DESIGNATED_DOCTOR.value, User.active.is_(True))
        .order_by(User.full_name, User.id)
    ).all()
    return [(row.id, row.full_name) for row in rows]


def doctor_name(case) -> str | None:
    """The name of the case's designated doctor, if one is recorded (one query, or none)."""
    if case.designated_doctor_id is None:
        return None
    return db.session.scalar(sa.select(User.full_name).where(User.id ==
                                                             case.designated_doctor_id))


def assign_doctor(case, doctor_id: int | None, today: date) -> bool:
    """Record the case's designated doctor (None: nobody); True if it changed (no commit)."""
    if doctor_id == case.designated_doctor_id:
        return False
    names = dict(doctor_choices(case))
    if doctor_id is not None and doctor_id not in names:
        raise Refused("Select a designated doctor of this case's partnership", "doctor")
    case.designated_doctor_id = doctor_id
    text = (f"Designated doctor: {names[doctor_id]}" if doctor_id is not None
            else "Designated doctor removed")
    timeline.add(case, "doctor", text, today)
    return True


# --- The case page's section -------------------------------------------------------------------


class MeetingSlot(NamedTuple):
    """One of the three meetings as the case page shows it."""

    number: int
    label: str
    deadline: object  # the case page's DeadlineRow for the meeting, or None
    window: Window
    meeting: RapidResponseMeeting | None
    blocked: str | None


class MeetingsSection(NamedTuple):
    """The Joint Agency Response, the three meetings and the designated doctor of a case."""

    reasons: list[str]
    slots: list[MeetingSlot]
    doctor: str | None
    no_post_mortem: str  # "No post-mortem will be held" or "": see cdr.services.post_mortem


def section(case, deadline_rows) -> MeetingsSection:
    """The case page's meetings section from its deadline rows (one or two queries)."""
    rows = {row.deadline.rule_key: row for row in deadline_rows if not row.about}
    recorded = meetings_of(case)
    slots = []
    for number in MEETING_NUMBERS:
        row = rows.get(rule_key(number))
        slots.append(MeetingSlot(number, meeting_label(number), row,
                                 window_of(row.deadline if row else None),
                                 recorded.get(number), why_not_schedulable(case, number)))
    no_post_mortem = (NO_POST_MORTEM.get(case.no_post_mortem, "")
                      if case.no_post_mortem_on else "")
    return MeetingsSection(jar_reasons(case), slots, doctor_name(case), no_post_mortem)
