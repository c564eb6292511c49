"""CDOP meetings and their anonymised agenda. The outcome recorded at a meeting, closing and
reopening are cdr.services.panel_outcome; the actions agreed, cdr.services.panel_actions.

The agenda and the panel's case summaries read ChildDeathCase alone, never ChildIdentity, so
nothing that identifies a child can reach a panel member's page (tests/cdr/test_anonymity.py
proves it by the SQL the pages issue). Functions that depend on the date take `today`.
"""

from datetime import date, time
from typing import NamedTuple

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import abort
from flask_login import current_user

from cdr.models import (
    CATEGORIES,
    SEXES,
    ChildDeathCase,
    PanelItem,
    PanelMeeting,
)
from cdr.services import timeline
from tracker import audit
from tracker.extensions import db
from tracker.models import User
from tracker.security import get_scoped_or_404, scoped
from tracker.timeutil import format_date

# (lowest age in whole years, band) from oldest down; below 1 year it goes by days.
_YEAR_BANDS = ((15, "15 to 17 years"), (10, "10 to 14 years"), (5, "5 to 9 years"),
               (1, "1 to 4 years"))
NEONATAL_DAYS = 28


class AgendaRow(NamedTuple):
    """A case on an agenda as every viewer of the agenda may see it (anonymised)."""

    item: PanelItem
    case: ChildDeathCase
    age_band: str
    sex: str
    category: str | None


class AgendaError(Exception):
    """A change to an agenda that cannot be made, with the message to show."""


OUTCOME_STANDS = ("The case's outcome was recorded at this CDOP meeting, so it stays on the "
                  "agenda. To take it off, first reopen the case from its page (reopening "
                  "removes the outcome), then remove it from the agenda")


class MeetingRefused(Exception):
    """A CDOP meeting that cannot be recorded as it is, with the message to show."""


# --- Anonymised descriptions -------------------------------------------------------------

def _days_in_years(years: int) -> int:
    """The fewest days `years` whole years can span (one leap day in every four years)."""
    return 365 * years + years // 4


def age_band(age_at_death_days: int | None) -> str:
    """The age band shown instead of the date of birth ("1 to 4 years").

    The case keeps only the age in days, so a death within a day of a birthday may fall in
    the band above: a band, unlike a date of birth, does not need that day.
    """
    if age_at_death_days is None or age_at_death_days < 0:
        return "Not known"
    if age_at_death_days < NEONATAL_DAYS:
        return "Under 28 days"
    if age_at_death_days >= _days_in_years(18):
        return "18 years or over"
    for years, band in _YEAR_BANDS:
        if age_at_death_days >= _days_in_years(years):
            return band
    return "28 days to under 1 year"


def _sex_label(case) -> str:
    return SEXES.get(case.sex or "", "Not known")


def _agenda_row(item, case) -> AgendaRow:
    return AgendaRow(item, case, age_band(case.age_at_death_days), _sex_label(case),
                     CATEGORIES.get(case.category or ""))


def time_label(value: time | None) -> str:
    """'2:30pm' as GOV.UK writes times, or '' for no time."""
    if value is None:
        return ""
    hour = value.hour % 12 or 12
    suffix = "am" if value.hour < 12 else "pm"
    if value.hour == 12 and value.minute == 0:
        return "midday"
    return f"{hour}:{value.minute:02d}{suffix}"


def meeting_title(meeting) -> str:
    """How a meeting is named in headings, messages and the timeline."""
    return f"CDOP meeting of {format_date(meeting.meeting_on)}"


# --- Meetings ----------------------------------------------------------------------------

def meetings_query(today: date):
    """The user's partnerships' meetings: upcoming first (soonest first), then past (latest
    first). A select() for pagination and exports."""
    upcoming = PanelMeeting.meeting_on >= today
    return scoped(sa.select(PanelMeeting), PanelMeeting.partnership_id).order_by(
        sa.case((upcoming, 0), else_=1),
        sa.case((upcoming, PanelMeeting.meeting_on)),
        PanelMeeting.meeting_on.desc(),
        PanelMeeting.id,
    )


def item_counts(meetings) -> dict[int, int]:
    """How many cases each meeting's agenda holds (one query for the whole page)."""
    ids = [m.id for m in meetings]
    if not ids:
        return {}
    return dict(db.session.execute(
        sa.select(PanelItem.meeting_id, sa.func.count())
        .join(ChildDeathCase, PanelItem.of_its_case())
        .where(PanelItem.meeting_id.in_(ids))
        .group_by(PanelItem.meeting_id)
    ).all())


def create_meeting(*, partnership_id: int, meeting_on: date, starts_at: time | None,
                   place_or_link: str | None, notes: str | None, today: date,
                   recorded_after_reason: str | None = None) -> PanelMeeting:
    """Schedule a meeting, or record one that has already taken place (no commit).

    A meeting dated before `today` is recorded only with the reason, kept on the meeting with
    who recorded it, and in the audit trail; MeetingRefused otherwise."""
    past = meeting_on < today
    if past and not recorded_after_reason:
        raise MeetingRefused("Enter why you are recording a CDOP meeting that has already "
                             "taken place (its date is before today)")
    meeting = PanelMeeting(partnership_id=partnership_id, meeting_on=meeting_on,
                           starts_at=starts_at, place_or_link=place_or_link or None,
                           notes=notes or None)
    if past:
        meeting.recorded_after_reason = recorded_after_reason
        meeting.recorded_after_by_id = current_user.id
    db.session.add(meeting)
    db.session.flush()
    if past:
        audit.record(audit.Action.CREATE, meeting,
                     detail=f"Recorded the {meeting_title(meeting)} after it took place",
                     reason=recorded_after_reason)
    return meeting


def is_held(meeting, today: date) -> bool:
    """Whether a meeting has taken place: its date is today or before."""
    return meeting.meeting_on <= today


def recorded_after_by(meeting) -> str | None:
    """The name of whoever recorded a past meeting after it took place (None otherwise)."""
    if meeting.recorded_after_by_id is None:
        return None
    return db.session.scalar(sa.select(User.full_name)
                             .where(User.id == meeting.recorded_after_by_id))


def meeting_or_404(meeting_id: int) -> PanelMeeting:
    """A meeting of the user's partnerships, or 404 (another partnership's looks missing)."""
    return get_scoped_or_404(PanelMeeting, meeting_id)


def agenda(meeting) -> list[AgendaRow]:
    """The meeting's agenda in order, anonymised (one query, case table only)."""
    rows = db.session.execute(
        sa.select(PanelItem, ChildDeathCase)
        .join(ChildDeathCase, ChildDeathCase.id == PanelItem.case_id)
        # A case since transferred to another partnership leaves this one's agenda.
        .where(PanelItem.meeting_id == meeting.id,
               ChildDeathCase.partnership_id == meeting.partnership_id)
        .order_by(PanelItem.position, PanelItem.id)
    ).all()
    return [_agenda_row(item, case) for item, case in rows]


def _on_open_agenda(today: date):
    """Cases on the agenda of a meeting not yet held (today's or later) of the partnership
    they belong to (an alias of the case, so the subquery does not correlate)."""
    case = so.aliased(ChildDeathCase)
    return (sa.select(PanelItem.case_id)
            .join(case, PanelItem.of_its_case(case))
            .join(PanelMeeting, PanelMeeting.id == PanelItem.meeting_id)
            .where(PanelMeeting.meeting_on >= today))


def is_ready(case) -> bool:
    """Whether the case can go to the panel: information complete, review meeting held, and
    not closed."""
    return bool(case.information_complete and case.review_meeting_on is not None
                and case.closed_on is None)


def ready_cases_query(meeting, today: date):
    """Cases of the meeting's partnership ready for the panel, their child death review
    meeting held on or before this CDOP meeting's date, and not already on this agenda or an
    open one, longest waiting first."""
    on_this = sa.select(PanelItem.case_id).where(PanelItem.meeting_id == meeting.id)
    return (
        sa.select(ChildDeathCase)
        .where(ChildDeathCase.partnership_id == meeting.partnership_id,
               ChildDeathCase.information_complete.is_(True),
               ChildDeathCase.review_meeting_on.is_not(None),
               ChildDeathCase.review_meeting_on <= meeting.meeting_on,
               ChildDeathCase.closed_on.is_(None),
               ChildDeathCase.id.not_in(_on_open_agenda(today)),
               ChildDeathCase.id.not_in(on_this))
        .order_by(ChildDeathCase.review_meeting_on, ChildDeathCase.id)
    )


def ready_rows(cases) -> list[AgendaRow]:
    """Ready cases described as the agenda describes them."""
    return [_agenda_row(None, case) for case in cases]


def add_to_agenda(meeting, case_id: int, today: date) -> PanelItem:
    """Put a ready case at the end of the agenda (no commit); AgendaError if it is not ready,
    or if this CDOP meeting is dated before its child death review meeting."""
    case = db.session.scalar(ready_cases_query(meeting, today)
                             .where(ChildDeathCase.id == case_id))
    if case is None:
        _refuse_before_review_meeting(meeting, case_id)
        raise AgendaError("That case cannot be added: it is not ready for the panel, "
                          "or it is already on an agenda")
    last = db.session.scalar(sa.select(sa.func.max(PanelItem.position))
                             .where(PanelItem.meeting_id == meeting.id))
    item = PanelItem(meeting_id=meeting.id, case_id=case.id,
                     partnership_id=meeting.partnership_id, position=(last or 0) + 1)
    db.session.add(item)
    timeline.add(case, "panel", f"Added to the agenda of the {meeting_title(meeting)}")
    return item


def review_meeting_refusal(meeting, review_meeting_on: date | None) -> str | None:
    """Why a case whose child death review meeting was held on `review_meeting_on` (None: not
    held) cannot be reviewed at this CDOP meeting, or None if it can. The CDOP's anonymised
    review follows the child death review meeting, so the CDOP meeting is on or after it."""
    if review_meeting_on is None:
        return ("The case's child death review meeting has not been held: the CDOP meeting "
                "reviews a case after its child death review meeting")
    if meeting.meeting_on < review_meeting_on:
        return (f"The {meeting_title(meeting)} is before the case's child death review "
                f"meeting ({format_date(review_meeting_on)}): the CDOP meeting reviews a case "
                "after its child death review meeting. Choose a CDOP meeting on or after "
                f"{format_date(review_meeting_on)}")
    return None


def _refuse_before_review_meeting(meeting, case_id) -> None:
    """AgendaError saying why, for a case of the meeting's partnership that would otherwise
    be ready but whose child death review meeting is after this CDOP meeting."""
    review_meeting_on = db.session.scalar(
        sa.select(ChildDeathCase.review_meeting_on)
        .where(ChildDeathCase.id == case_id,
               ChildDeathCase.partnership_id == meeting.partnership_id))
    if review_meeting_on is not None:
        refusal = review_meeting_refusal(meeting, review_meeting_on)
        if refusal:
            raise AgendaError(f"That case cannot be added: {refusal[0].lower()}{refusal[1:]}")


def outcome_recorded_at(meeting, item) -> bool:
    """Whether the outcome of the item's case was recorded at this meeting (and stands)."""
    return bool(db.session.scalar(
        sa.select(ChildDeathCase.id)
        .where(ChildDeathCase.id == item.case_id,
               ChildDeathCase.outcome_meeting_id == meeting.id)))


def item_or_404(meeting, item_id: int) -> PanelItem:
    """An item of this meeting's agenda, or 404 (so is an item whose case has since been
    transferred to another partnership: it is no longer this partnership's to change)."""
    item = db.session.scalar(
        sa.select(PanelItem).join(ChildDeathCase, PanelItem.of_its_case())
        .where(PanelItem.id == item_id, PanelItem.meeting_id == meeting.id))
    if item is None:
        abort(404)
    return item


def reference_of(item) -> str:
    """The reference of the case an agenda item is about."""
    return db.session.scalar(sa.select(ChildDeathCase.reference)
                             .where(ChildDeathCase.id == item.case_id))


def move(meeting, item, direction: str) -> bool:
    """Swap an item with the one above or below it (no commit); False at either end."""
    items = db.session.scalars(
        sa.select(PanelItem).join(ChildDeathCase, PanelItem.of_its_case())
        .where(PanelItem.meeting_id == meeting.id)
        .order_by(PanelItem.position, PanelItem.id)
    ).all()
    index = items.index(item)
    other = index - 1 if direction == "up" else index + 1
    if not 0 <= other < len(items):
        return False
    items[index], items[other] = items[other], items[index]
    for position, each in enumerate(items, start=1):
        each.position = position
    return True


def remove_from_agenda(meeting, item) -> None:
    """Take a case off the agenda (no commit), saying so on its timeline; AgendaError while
    the case's outcome recorded at this meeting stands (reopening the case undoes it)."""
    if outcome_recorded_at(meeting, item):
        raise AgendaError(OUTCOME_STANDS)
    case = db.session.get(ChildDeathCase, item.case_id)
    db.session.delete(item)
    timeline.add(case, "panel", f"Removed from the agenda of the {meeting_title(meeting)}")


def leave_old_agendas(case, to_name: str, today: date) -> None:
    """Before a transfer (no commit): take the case off every meeting of its partnership not
    yet held (today's or later), saying so on its timeline. Meetings already held keep their
    item as history; PanelItem.of_its_case keeps it from reaching anything once the case has
    moved, and from blocking the new partnership's agendas."""
    rows = db.session.execute(
        sa.select(PanelItem, PanelMeeting)
        .join(PanelMeeting, PanelMeeting.id == PanelItem.meeting_id)
        .where(PanelItem.case_id == case.id,
               PanelItem.partnership_id == case.partnership_id,
               PanelMeeting.meeting_on >= today)
        .order_by(PanelMeeting.meeting_on, PanelMeeting.id)
    ).all()
    for item, meeting in rows:
        db.session.delete(item)
        timeline.add(case, "panel", f"Removed from the agenda of the {meeting_title(meeting)}: "
                     f"transferred to {to_name}")


def summary_case_or_404(meeting, case_id: int) -> ChildDeathCase:
    """A case on this meeting's agenda, for its anonymised summary (VIEW audit row); 404 if
    the case is not on the agenda."""
    case = db.session.scalar(
        sa.select(ChildDeathCase)
        .join(PanelItem, PanelItem.case_id == ChildDeathCase.id)
        .where(PanelItem.meeting_id == meeting.id, ChildDeathCase.id == case_id,
               ChildDeathCase.partnership_id == meeting.partnership_id)
    )
    if case is None:
        abort(404)
    audit.record(audit.Action.VIEW, case,
                 detail=f"Viewed the anonymised panel summary ({meeting_title(meeting)})")
    return case
