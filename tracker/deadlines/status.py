"""Where a deadline stands on a given day: derived from its dates, never stored."""

from __future__ import annotations

import enum
from datetime import date

from tracker.calendar import is_working_day, working_days_between


class DeadlineStatus(enum.Enum):
    """Where a deadline stands on a given day; always derived, never stored."""

    NOT_YET_DUE = "not_yet_due"
    DUE_SOON = "due_soon"
    DUE_TODAY = "due_today"
    OVERDUE = "overdue"
    MET_ON_TIME = "met_on_time"
    MET_LATE = "met_late"
    NOT_APPLICABLE = "not_applicable"
    PAUSED = "paused"
    EXTENDED = "extended"
    # Another body's deadline (the Panel's), shown to the partnership for information.
    FOR_INFORMATION = "for_information"

    @property
    def label(self) -> str:
        """The text shown in the status tag, such as "Due soon"."""
        return _STATUS_LABELS[self]

    @property
    def tag_class(self) -> str:
        """The GOV.UK Frontend tag colour modifier class, such as "govuk-tag--red"."""
        return _STATUS_TAG_CLASSES[self]


_STATUS_LABELS = {
    DeadlineStatus.NOT_YET_DUE: "Not yet due",
    DeadlineStatus.DUE_SOON: "Due soon",
    DeadlineStatus.DUE_TODAY: "Due today",
    DeadlineStatus.OVERDUE: "Overdue",
    DeadlineStatus.MET_ON_TIME: "Met on time",
    DeadlineStatus.MET_LATE: "Met late",
    DeadlineStatus.NOT_APPLICABLE: "Not applicable",
    DeadlineStatus.PAUSED: "Paused",
    DeadlineStatus.EXTENDED: "Extended",
    DeadlineStatus.FOR_INFORMATION: "The Panel's: for information",
}
_STATUS_TAG_CLASSES = {
    DeadlineStatus.NOT_YET_DUE: "govuk-tag--blue",
    DeadlineStatus.DUE_SOON: "govuk-tag--yellow",
    DeadlineStatus.DUE_TODAY: "govuk-tag--yellow",
    DeadlineStatus.OVERDUE: "govuk-tag--red",
    DeadlineStatus.MET_ON_TIME: "govuk-tag--green",
    DeadlineStatus.MET_LATE: "govuk-tag--orange",
    DeadlineStatus.NOT_APPLICABLE: "govuk-tag--grey",
    DeadlineStatus.PAUSED: "govuk-tag--purple",
    DeadlineStatus.EXTENDED: "govuk-tag--light-blue",
    DeadlineStatus.FOR_INFORMATION: "govuk-tag--grey",
}


def deadline_status(
    due: date,
    today: date,
    *,
    met_on: date | None = None,
    not_applicable: bool = False,
    paused: bool = False,
    extended_to: date | None = None,
    due_soon_days: int = 2,
    partnership=None,
) -> DeadlineStatus:
    """The status of a deadline on `today` (passed in, so it can be tested without a clock)."""
    if not_applicable:
        return DeadlineStatus.NOT_APPLICABLE
    effective_due = extended_to or due
    if met_on is not None:
        on_time = met_on <= effective_due
        return DeadlineStatus.MET_ON_TIME if on_time else DeadlineStatus.MET_LATE
    if paused:
        return DeadlineStatus.PAUSED
    if today > effective_due:
        return DeadlineStatus.OVERDUE
    if today == effective_due:
        return DeadlineStatus.DUE_TODAY
    if working_days_between(today, effective_due, partnership) <= due_soon_days:
        return DeadlineStatus.DUE_SOON
    if extended_to is not None:
        return DeadlineStatus.EXTENDED
    return DeadlineStatus.NOT_YET_DUE


def days_late(
    due: date, met_on_or_today: date, partnership=None, *, unit: str = "working_days"
) -> int:
    """How late something is (0 when on time): in working days for working-day rules.

    For a working-day rule, a date on a non-working day counts as the next working day, so
    a report sent on the Saturday after a Friday deadline is 1 working day late, as it would
    have been if received on the Monday. For every other unit the count is calendar days.
    Pass the extended date as `due` when the deadline was extended.
    """
    if met_on_or_today <= due:
        return 0
    if unit != "working_days":
        return (met_on_or_today - due).days
    late = working_days_between(due, met_on_or_today, partnership)
    if not is_working_day(met_on_or_today, partnership):
        late += 1
    return late
