"""Notifications of a serious incident: to the Panel (with its reference), to the
safeguarding partners and, when a looked-after child or a care leaver aged 24 or under died,
to the Secretary of State and Ofsted. Each may be recorded late, with the reason, read
against its stored deadline.
"""

from datetime import date
from typing import NamedTuple

import sqlalchemy as sa

from reviews.models import NOT_NOTIFIABLE, NOT_NOTIFIABLE_REASON
from reviews.services.incidents import check, not_before, not_future, suspicion
from tracker import deadline_service, deadlines, timeline
from tracker.deadline_models import Deadline
from tracker.extensions import db


class Notice(NamedTuple):
    """One notification the local authority sends: its deadline and its columns."""

    key: str
    rule_key: str
    sent_column: str
    reason_column: str
    label: str
    done_words: str


NOTICES = (
    Notice("panel", "panel_notification", "panel_notified_on", "panel_late_reason",
           "Date the Panel was notified", "Panel notified"),
    Notice("partners", "partners_notification", "partners_notified_on", "partners_late_reason",
           "Date reported to the safeguarding partners", "Reported to the safeguarding partners"),
    Notice("sos_ofsted", "sos_ofsted_lac_notification", "sos_ofsted_notified_on",
           "sos_ofsted_late_reason", "Date the Secretary of State and Ofsted were notified",
           "Secretary of State and Ofsted notified"),
)
# A care leaver's death (Working Together 2023): the same columns as a looked-after child's
# notification (a child is never both), read against its own deadline.
CARE_LEAVER_NOTICE = Notice(
    "sos_ofsted", "care_leaver_death_notification", "sos_ofsted_notified_on",
    "sos_ofsted_late_reason", "Date the Secretary of State and Ofsted were notified",
    "Secretary of State and Ofsted notified of the death of a care leaver")


class DueDate(NamedTuple):
    """A notice's stored deadline as the form shows it."""

    due: date
    label: str
    duty_label: str
    inferred: bool


def lac_death(incident) -> bool:
    """Whether the Secretary of State and Ofsted must be told (a looked-after child died)."""
    return bool(incident.looked_after and incident.child_died)


def sos_ofsted_notice(incident) -> Notice | None:
    """The notification to the Secretary of State and Ofsted this incident needs: of a
    looked-after child's death, of a care leaver's (aged 24 or under, Working Together 2023),
    or none."""
    if lac_death(incident):
        return NOTICES[2]
    if incident.care_leaver_notifiable:
        return CARE_LEAVER_NOTICE
    return None


def notices_for(incident) -> tuple[Notice, ...]:
    """The notifications this incident needs."""
    extra = sos_ofsted_notice(incident)
    return (*NOTICES[:2], extra) if extra is not None else NOTICES[:2]


def due_dates(incident) -> dict[str, DueDate]:
    """rule_key -> the stored due date (extended, when it was) of the notification deadlines
    (one query): read, never computed here."""
    rows = db.session.scalars(
        sa.select(Deadline).where(
            Deadline.owner_type == "serious_incident", Deadline.owner_id == incident.id,
            Deadline.rule_key.in_([notice.rule_key
                                   for notice in (*NOTICES, CARE_LEAVER_NOTICE)]),
            Deadline.due_date.is_not(None))
    ).all()
    found = {}
    for row in rows:
        rule = deadlines.get_rule(row.rule_key, row.edition)
        found[row.rule_key] = DueDate(row.extended_to or row.due_date, rule.label,
                                      rule.duty_label, rule.inferred)
    return found


def record_suspicion(incident, values: dict, today: date) -> list[str]:
    """Record whether abuse or neglect is known or suspected, and from when: the Panel's and
    the partners' clocks start from that day, and without it the incident is not notifiable
    (no Panel, partners' or rapid review deadline). Returns what changed (no commit)."""
    values = {"abuse_or_neglect_suspected": bool(values.get("abuse_or_neglect_suspected")),
              "abuse_or_neglect_known_on": values.get("abuse_or_neglect_known_on")}
    check(suspicion(values, incident.la_aware_on, today))
    changed = [name for name, value in values.items() if getattr(incident, name) != value]
    if not changed:
        return []
    for name in changed:
        setattr(incident, name, values[name])
    if incident.notifiable:
        timeline.add(incident, "notification",
                     "Abuse or neglect known or suspected: notifiable to the Panel",
                     happened_on=incident.abuse_or_neglect_known_on)
    else:
        timeline.add(incident, "notification",
                     f"{NOT_NOTIFIABLE}: {NOT_NOTIFIABLE_REASON}", happened_on=today)
    deadline_service.sync_case(incident)
    return ["Notifiable to the Panel" if incident.notifiable else NOT_NOTIFIABLE]


def record(incident, values: dict, today: date) -> list[str]:
    """Record whether the incident is notifiable (record_suspicion), then when each
    notification was sent (and the Panel's reference); a date after the stored due date
    needs the reason. Returns what was newly recorded (no commit)."""
    changed = []
    if "abuse_or_neglect_suspected" in values:
        changed = record_suspicion(incident, values, today)
    due = due_dates(incident)
    notices = notices_for(incident)
    problems = {}
    for notice in notices:
        sent = values.get(notice.sent_column)
        if not not_future(problems, notice.sent_column, sent, notice.label, today):
            continue
        not_before(problems, notice.sent_column, sent, notice.label, incident.la_aware_on,
                   "the date the local authority became aware")
        stored = due.get(notice.rule_key)
        late = sent is not None and stored is not None and sent > stored.due
        if late and not values.get(notice.reason_column) and notice.sent_column not in problems:
            problems[notice.reason_column] = (
                f"Enter why it was sent after the deadline of {stored.due.day} "
                f"{stored.due:%B %Y}")
    if values.get("panel_reference") and values.get("panel_notified_on") is None:
        problems["panel_notified_on"] = ("Enter the date the Panel was notified, or remove "
                                         "the Panel's reference")
    check(problems)
    recorded = []
    for notice in notices:
        sent = values.get(notice.sent_column)
        if sent is not None and getattr(incident, notice.sent_column) != sent:
            recorded.append((notice, sent))
        stored = due.get(notice.rule_key)
        late = sent is not None and stored is not None and sent > stored.due
        setattr(incident, notice.sent_column, sent)
        setattr(incident, notice.reason_column,
                values.get(notice.reason_column) if late else None)
    incident.panel_reference = values.get("panel_reference")
    for notice, sent in recorded:
        stored = due.get(notice.rule_key)
        late = " (late)" if stored is not None and sent > stored.due else ""
        timeline.add(incident, "notification", f"{notice.done_words}{late}", happened_on=sent)
    deadline_service.sync_case(incident)
    return changed + [notice.done_words for notice, _ in recorded]
