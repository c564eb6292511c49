"""A further notification of a death already notified: nothing the notifier typed is lost.

What a CDOP administrator expects (issue 24 review):
- the further notification keeps its own answers (CaseNotification.answers), shown on the
  case beside the first notification's (which are the case's own);
- only what is additive and safe goes into the case: agencies not yet on the case's list are
  added (marked as from that notification), and case fields left blank are filled; nothing
  the case already holds is overwritten;
- where the further notification differs from the case (another cause of death, JAR
  criteria met on a case with no Joint Agency Response, no post-mortem required on a case
  with no such decision), the case page shows the difference with a link to the page that
  changes it, for the administrator to act on. Differences are worked out when the page is
  shown, so one the administrator has resolved no longer shows.

Every change is audited by its model (CaseNotification, ChildDeathCase, ChildIdentity,
CaseAgency are Audited); the timeline says what was added and what differs by the fields'
labels, never their values, so it names no one.
"""

from datetime import date, time
from typing import NamedTuple

from cdr.models import (
    AGENCY_KINDS,
    ETHNICITIES,
    EXPECTED,
    NHS_NUMBER_ABSENT,
    PLACES_OF_DEATH,
    SEXES,
    YES_NO,
    CaseAgency,
    ChildIdentity,
)
from cdr.services import agencies, notified_jar, timeline
from tracker import deadline_service
from tracker.extensions import db
from tracker.timeutil import format_date, utcnow

# The identifying answers kept on the child's record (filled there when blank).
IDENTITY_ANSWERS = ("address", "postcode", "carers")
# Answers that may name someone: shown only to users who may see identifying details.
NAMED = frozenset({*IDENTITY_ANSWERS, "senior_practitioner", "fatal_event_place",
                   "ncmd_alert_details", "place_of_death_other"})
# What each coded answer is called.
VOCAB = {"sex": SEXES, "place_of_death": PLACES_OF_DEATH, "death_expected": {
    "no": "Unexpected", "yes": "Expected", "not_known": "Not known"},
    "post_mortem_required": EXPECTED, "ethnicity": ETHNICITIES,
    "nhs_number_absent": NHS_NUMBER_ABSENT, "ncmd_alert": YES_NO}
# The page that changes each kind of answer on the case.
EDIT_PAGE = "cdr.edit_case"
JAR_PAGE = "cdr.joint_agency_response"
POST_MORTEM_PAGE = "cdr.post_mortem_decision"


def _json(value):
    """An answer as JSON keeps it: dates and times as ISO text."""
    if isinstance(value, date | time):
        return value.isoformat(timespec="minutes") if isinstance(value, time) \
            else value.isoformat()
    return value


def _blank(value) -> bool:
    return value is None or value == "" or value == []


def case_fields():
    """The case columns a notification sets (not its received date, which is its own)."""
    from cdr.services.notifications import DEATH_FIELDS, NOTIFICATION_FORM_FIELDS
    return tuple(name for name in (*DEATH_FIELDS, *NOTIFICATION_FORM_FIELDS)
                 if name != "notification_received_on")


def answers_of(data: dict) -> dict:
    """Everything the further notification answered beyond its notifier, as JSON."""
    answers = {name: _json(data.get(name)) for name in case_fields()}
    answers.update({name: data.get(name) for name in IDENTITY_ANSWERS})
    answers["birth_outcome"] = data.get("birth_outcome")
    answers["jar_criteria"] = notified_jar.criteria_of(data)
    answers["agencies"] = [dict(row) for row in data.get("agencies") or ()]
    return answers


def merge(case, notification, data: dict, today: date) -> None:
    """Keep the further notification's answers with it and add to the case what is additive
    and safe (no commit); the timeline says what was added and what differs."""
    answers = answers_of(data)
    notification.answers = answers
    db.session.flush()  # the notification's id, for the agencies it adds
    filled = []
    for name in case_fields():
        value = data.get(name)
        if not _blank(value) and not isinstance(value, bool) and _blank(getattr(case, name)):
            setattr(case, name, value)
            filled.append(name)
    identity = db.session.scalar(db.select(ChildIdentity)
                                 .where(ChildIdentity.case_id == case.id))
    if identity is not None:
        for name in IDENTITY_ANSWERS:
            if not _blank(data.get(name)) and _blank(getattr(identity, name)):
                setattr(identity, name, data[name])
                filled.append(name)
    added = _add_agencies(case, notification, answers["agencies"])
    if filled:
        case.updated_at = utcnow()
        deadline_service.sync_case(case)
    from cdr.services.notifications import _labels, _notifier_words
    parts = [f"Further notification from {_notifier_words(data)}"]
    added_words = ([f"{len(added)} agenc{'y' if len(added) == 1 else 'ies'}"] if added
                   else []) + _labels(filled)
    if added_words:
        parts.append(f"added to the case: {', '.join(added_words)}")
    differing = [row.label for row in differences(case, identity, notification)]
    if differing:
        parts.append(f"differs from the case: {', '.join(dict.fromkeys(differing))}")
    timeline.add(case, "notification", "; ".join(parts), happened_on=data["received_on"])


def _add_agencies(case, notification, rows) -> list[CaseAgency]:
    known = {agency.name.strip().casefold() for agency in agencies.of_case(case)}
    added = []
    for row in rows:
        key = (row.get("name") or "").strip().casefold()
        if key and key not in known and row.get("kind") in AGENCY_KINDS:
            known.add(key)
            agency = agencies.add_all(case, [row], notification.received_on)[0]
            agency.notification_id = notification.id
            added.append(agency)
    return added


class Difference(NamedTuple):
    """Where a further notification says other than the case."""

    label: str
    further: str
    on_case: str
    endpoint: str
    named: bool  # may name someone: only for who may see identifying details


class Answer(NamedTuple):
    """One answer of a further notification, as the case page lists it."""

    label: str
    text: str
    named: bool


def _text(name, value) -> str:
    if _blank(value):
        return "Not given"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if name in VOCAB:
        return VOCAB[name].get(value, value)
    if isinstance(value, str) and len(value) == 10 and value[4] == "-" and value[7] == "-":
        try:
            return format_date(date.fromisoformat(value))
        except ValueError:
            return value
    return str(value)


def _label(name) -> str:
    from cdr.services.notifications import FIELD_LABELS
    return FIELD_LABELS.get(name) or name.replace("_", " ").capitalize()


def answers(notification) -> list[Answer]:
    """A further notification's own answers, in the form's order (the given ones)."""
    stored = notification.answers or {}
    rows = [Answer(_label(name), _text(name, stored.get(name)), name in NAMED)
            for name in (*case_fields(), *IDENTITY_ANSWERS)
            if not _blank(stored.get(name)) and stored.get(name) is not False]
    if stored.get("jar_criteria"):
        from cdr.models import JAR_CRITERIA
        rows.append(Answer("Joint Agency Response criteria", "; ".join(
            JAR_CRITERIA.get(name, name) for name in stored["jar_criteria"]), False))
    if stored.get("agencies"):
        rows.append(Answer("Agencies involved", "; ".join(
            f"{row['name']} ({AGENCY_KINDS.get(row.get('kind'), 'Other')})"
            for row in stored["agencies"]), False))
    return rows


def differences(case, identity, notification) -> list[Difference]:
    """Where the further notification says other than the case now does."""
    stored = notification.answers or {}
    rows = []
    for name in case_fields():
        value, held = stored.get(name), _json(getattr(case, name))
        if _blank(value) or value is False or _blank(held) or value == held:
            continue
        rows.append(Difference(_label(name), _text(name, value), _text(name, held),
                               EDIT_PAGE, name in NAMED))
    if identity is not None:
        for name in IDENTITY_ANSWERS:
            value, held = stored.get(name), getattr(identity, name)
            if not _blank(value) and not _blank(held) and value != held:
                rows.append(Difference(_label(name), value, held, EDIT_PAGE, True))
    if stored.get("jar_criteria") and not case.jar_required:
        rows.append(Difference("Joint Agency Response", "A criterion for a Joint Agency "
                               "Response is met", "Not required", JAR_PAGE, False))
    if stored.get("post_mortem_required") == "no" and not case.no_post_mortem:
        rows.append(Difference("Post-mortem", "No post-mortem is required",
                               "No decision that no post-mortem will be held is recorded",
                               POST_MORTEM_PAGE, False))
    return rows


class Further(NamedTuple):
    """A further notification on the case page: its answers and where it differs."""

    notification: object
    answers: list[Answer]
    differences: list[Difference]


def of_section(case, notifications, identity=None) -> list[Further]:
    """The further notifications among `notifications` with their answers and differences
    (`identity`: the child's record when the caller has read it; else one query, only when
    there is a further notification)."""
    further = [n for n in notifications if n.further and n.answers]
    if not further:
        return []
    if identity is None:
        identity = db.session.scalar(db.select(ChildIdentity)
                                     .where(ChildIdentity.case_id == case.id))
    return [Further(n, answers(n), differences(case, identity, n)) for n in further]


__all__ = ["Further", "answers_of", "differences", "merge", "of_section"]
