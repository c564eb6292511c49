"""The inquest, any prevention of future deaths report, the family's key worker and the
bereavement support offered: what the reporting form asks about the family after a death.

Case columns (cdr_case), so every change is audited with the case. Nothing here identifies
the child: the key worker is a professional.
"""

from datetime import date
from typing import NamedTuple

from cdr.models.case import YES_NO_NOT_KNOWN
from cdr.services import timeline
from cdr.services.meetings import Refused
from tracker.timeutil import format_date

# (column, what the timeline calls it), in the order of the form.
FIELDS = {
    "inquest_on": "inquest date",
    "inquest_conclusion": "inquest conclusion",
    "pfd_report_on": "prevention of future deaths report date",
    "pfd_report_concerns": "what the prevention of future deaths report asked",
    "key_worker_name": "key worker",
    "key_worker_agency": "key worker's agency",
    "family_information_offered_on": "date information was offered to the family",
    "bereavement_support_offered": "bereavement support offered",
    "bereavement_support_details": "what bereavement support was offered",
}


class Section(NamedTuple):
    """The case page's rows: (label, value shown)."""

    rows: list[tuple[str, str]]


def changes(case, values: dict) -> list[str]:
    """What the timeline calls each field whose saved value differs from `values`."""
    return [label for column, label in FIELDS.items()
            if getattr(case, column) != values.get(column)]


def record(case, values: dict, today: date) -> bool:
    """Save the section (no commit); True if anything changed. Raises Refused with the
    message for the user, about the form field it names."""
    _check(case, values, today)
    changed = changes(case, values)
    if not changed:
        return False
    for column in FIELDS:
        setattr(case, column, values.get(column))
    timeline.add(case, "family", "Inquest and family support changed: " + ", ".join(changed),
                 today)
    return True


def _check(case, values, today):
    _check_dates(case.date_of_death, values, today)
    _check_pairs(values, today)
    offered = values.get("bereavement_support_offered")
    if offered is not None and offered not in YES_NO_NOT_KNOWN:
        raise Refused("Select whether bereavement support was offered",
                      "bereavement_support_offered")
    if values.get("bereavement_support_details") and offered != "yes":
        raise Refused("Select \u2018Yes\u2019 if bereavement support was offered, or leave what "
                      "was offered blank", "bereavement_support_details")


def _check_dates(died, values, today):
    """Each date on or after the death; today or before, but for an inquest to come."""
    for column, label in (("inquest_on", "Date of the inquest"),
                          ("pfd_report_on", "Date of the prevention of future deaths report"),
                          ("family_information_offered_on", "The date information was "
                           "offered to the family")):
        day = values.get(column)
        if day is not None and day < died:
            raise Refused(f"{label} must be on or after the date of death "
                          f"({format_date(died)})", column)
        if day is not None and day > today and column != "inquest_on":
            raise Refused(f"{label} must be today or in the past", column)


def _check_pairs(values, today):
    """What goes together: a conclusion and a held inquest, a report's date and what it
    asked, the key worker's name and agency."""
    if values.get("inquest_conclusion") and values.get("inquest_on") is None:
        raise Refused("Enter the date of the inquest", "inquest_on")
    if values.get("inquest_conclusion") and values["inquest_on"] > today:
        raise Refused("The inquest is on a date to come, so it has no conclusion yet: enter "
                      "the conclusion once it is held", "inquest_conclusion")
    if values.get("pfd_report_concerns") and values.get("pfd_report_on") is None:
        raise Refused("Enter the date of the prevention of future deaths report",
                      "pfd_report_on")
    if values.get("pfd_report_on") is not None and not values.get("pfd_report_concerns"):
        raise Refused("Enter what the prevention of future deaths report asked",
                      "pfd_report_concerns")
    if bool(values.get("key_worker_name")) != bool(values.get("key_worker_agency")):
        missing = "key_worker_agency" if values.get("key_worker_name") else "key_worker_name"
        raise Refused("Enter the key worker's name and agency", missing)


def section(case) -> Section:
    """The case page's inquest and family support rows (no query)."""
    def day(value):
        return format_date(value) if value else "Not recorded"

    def text(value):
        return value or "Not recorded"

    key_worker = (f"{case.key_worker_name}, {case.key_worker_agency}"
                  if case.key_worker_name else "Not recorded")
    support = YES_NO_NOT_KNOWN.get(case.bereavement_support_offered, "Not recorded")
    if case.bereavement_support_details:
        support += f": {case.bereavement_support_details}"
    pfd = "None recorded"
    if case.pfd_report_on:
        pfd = f"{format_date(case.pfd_report_on)}: {case.pfd_report_concerns}"
    return Section([
        ("Date of the inquest", day(case.inquest_on)),
        ("Conclusion of the inquest", text(case.inquest_conclusion)),
        ("Prevention of future deaths report", pfd),
        ("Key worker", key_worker),
        ("\u201cWhen a child dies\u201d or equivalent information offered",
         day(case.family_information_offered_on)),
        ("Bereavement support offered", support),
    ])
