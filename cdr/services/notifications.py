"""Notifying a death: scope, new cases and their references, further notifications of the
same death, changes to the case details, and registrar and coroner dates (a case's transfer
to another partnership is cdr.services.transfers; a death notified twice is
cdr.services.duplicate_deaths; the Joint Agency Response asked at notification is
cdr.services.notified_jar).

Plain functions that take `today`; none commits except `notify_and_commit`. References are
issued from the partnership's counter (tracker.references), so two saves never clash.
"""

from datetime import date
from typing import NamedTuple

import sqlalchemy as sa

from cdr.models import (
    AGENCY_KINDS,
    ETHNICITIES,
    EXPECTED,
    NHS_NUMBER_ABSENT,
    NOTIFIER_SOURCES,
    PLACES_OF_DEATH,
    SEXES,
    YES_NO,
    CaseNotification,
    CaseTransfer,
    ChildDeathCase,
    ChildIdentity,
)
from cdr.services import agencies, notified_jar, post_mortem, timeline

# Re-exported: the notify view and the shell's duplicates page call them from here.
from cdr.services.duplicate_deaths import (  # noqa: F401
    duplicate_groups,
    find_duplicate,
    lock_identity,
)
from tracker import deadline_service, references
from tracker.audit import AuditEvent
from tracker.extensions import db
from tracker.models import Partnership
from tracker.timeutil import utcnow

# The flags of the national notification form: (case column, what the checkbox says).
FLAGS = {
    "looked_after": "Looked-after child",
    "child_protection_plan": "Subject of a child protection plan",
    "known_to_social_care": "Known to children's social care",
    "abuse_or_neglect_suspected": "Abuse or neglect known or suspected",
    "coroner_investigating": "Coroner investigating",
    "post_mortem_ordered": "Post-mortem ordered",
}
IDENTITY_FIELDS = ("given_names", "family_name", "date_of_birth", "nhs_number", "address",
                   "postcode", "carers")
# The rest of the national notification form, on the case (none identifies the child).
NOTIFICATION_FORM_FIELDS = (
    "nhs_number_absent", "ncmd_alert", "ncmd_alert_details", "ethnicity", "fatal_event_on",
    "fatal_event_time", "fatal_event_place", "senior_practitioner", "cause_1a", "cause_1b",
    "cause_1c", "cause_2", "post_mortem_required")
DEATH_FIELDS = ("date_of_death", "time_of_death", "place_of_death", "place_of_death_other",
                "la_of_residence", "la_of_death", "sex", "age_uncertain", "death_expected",
                "notification_received_on", *FLAGS)
NOTIFIER_FIELDS = ("source", "notifier_name", "notifier_role", "notifier_agency",
                   "notifier_contact", "circumstances")
REGISTRAR_CORONER_FIELDS = ("death_registered_on", "registrar_notified_on",
                            "coroner_decision_on", "coroner_notified_on",
                            "coroner_investigating", "post_mortem_ordered")

# The scope question for a baby (Working Together 2018 chapter 5 footnote 98, DOMAIN.md 2A).
BIRTH_OUTCOMES = {
    "no": "No",
    "unattended_stillbirth": "Yes, a stillbirth with no healthcare professional present",
    "attended_stillbirth": "Yes, a stillbirth with a healthcare professional present",
    "termination": "Yes, a termination of pregnancy carried out within the law",
}
OUT_OF_SCOPE_BIRTHS = {
    "attended_stillbirth": "A stillbirth with a healthcare professional present is not "
    "reviewed as a child death",
    "termination": "A termination of pregnancy carried out within the law is not reviewed as "
    "a child death",
}

# Which words name a changed column in "what changed" messages; None: not worth naming.
FIELD_LABELS = {
    "given_names": "Name", "family_name": "Name", "name_search": None,
    "date_of_birth": "Date of birth", "age_uncertain": "Date of birth",
    "nhs_number": "NHS number", "address": "Address", "postcode": "Postcode",
    "date_of_death": "Date of death", "time_of_death": "Time of death",
    "place_of_death": "Place of death", "place_of_death_other": "Place of death",
    "la_of_residence": "Local authority where the child normally lived",
    "la_of_death": "Local authority where the child died", "sex": "Sex",
    "death_expected": "Whether the death was expected",
    "notification_received_on": "Date the notification was received",
    "death_registered_on": "Date of registration",
    "registrar_notified_on": "Date the registrar notified the CDOP",
    "coroner_decision_on": "Date of the coroner's decision",
    "coroner_notified_on": "Date the coroner notified the CDOP",
    "carers": "Carers", "nhs_number_absent": "Why there is no NHS number",
    "ncmd_alert": "Alert to the NCMD", "ncmd_alert_details": "Alert to the NCMD",
    "ethnicity": "Ethnicity", "fatal_event_on": "Date of the fatal event",
    "fatal_event_time": "Time of the fatal event", "fatal_event_place": "Place of the fatal event",
    "senior_practitioner": "Senior practitioner present", "cause_1a": "Causes of death",
    "cause_1b": "Causes of death", "cause_1c": "Causes of death", "cause_2": "Causes of death",
    "post_mortem_required": "Whether a post-mortem is required",
    **FLAGS,
    "version": None, "updated_at": None, "age_at_death_days": None, "stage": None,
}


class OutOfScope(ValueError):
    """The death is not one a CDOP reviews, or its dates cannot be right: {field: message}."""

    def __init__(self, problems):
        super().__init__("; ".join(problems.values()))
        self.problems = problems


# --- Scope -----------------------------------------------------------------------------------


def eighteenth_birthday(born: date) -> date:
    """The day a child born on `born` turns 18 (born on 29 February: 1 March, as in law)."""
    try:
        return born.replace(year=born.year + 18)
    except ValueError:
        return date(born.year + 18, 3, 1)


def age_at_death_days(born: date | None, died: date | None) -> int | None:
    """Whole days from birth to death, or None when either is not known."""
    if born is None or died is None:
        return None
    return (died - born).days


def scope_problems(*, date_of_birth, date_of_death, received_on=None, birth_outcome=None,
                   today: date) -> dict[str, str]:
    """{field: message} for each reason the death cannot be recorded as a child death case."""
    problems = {}
    if date_of_death is not None and date_of_death > today:
        problems["date_of_death"] = "Date of death must be today or in the past"
    if date_of_birth is not None and date_of_birth > today:
        problems["date_of_birth"] = "Date of birth must be today or in the past"
    elif date_of_birth is not None and date_of_death is not None:
        if date_of_death < date_of_birth:
            problems.setdefault("date_of_death",
                                "Date of death must be the same as or after the date of birth")
        elif date_of_death >= eighteenth_birthday(date_of_birth):
            problems["date_of_birth"] = ("Child death reviews are only for children under 18: "
                                         "this person was 18 or over when they died")
    if received_on is not None:
        if received_on > today:
            problems["received_on"] = ("Date the notification was received must be today or "
                                       "in the past")
        elif date_of_death is not None and received_on < date_of_death:
            problems["received_on"] = ("Date the notification was received must be the same "
                                       "as or after the date of death")
    if birth_outcome in OUT_OF_SCOPE_BIRTHS:
        problems["birth_outcome"] = OUT_OF_SCOPE_BIRTHS[birth_outcome]
    return problems


# --- A new case ------------------------------------------------------------------------------


SERIES = "CDOP"


def next_reference(partnership, year: int) -> str:
    """The partnership's next reference for deaths in `year`, such as CDOP-NSP-2026-0042,
    taken from its counter (no commit; the counter row is held until the transaction ends)."""
    return references.issue(ChildDeathCase, SERIES, partnership, year)


def notify(data: dict, partnership, user, today: date) -> ChildDeathCase:
    """Record a new case from a notification: the case, the child, the notification, the
    timeline, and its deadlines (no commit). Raises OutOfScope for a death out of scope."""
    problems = scope_problems(date_of_birth=data["date_of_birth"],
                              date_of_death=data["date_of_death"],
                              received_on=data["received_on"],
                              birth_outcome=data.get("birth_outcome"), today=today)
    if notified_jar.contradiction(data.get("death_expected"), data.get("jar_criteria")):
        problems["death_expected"] = notified_jar.CONTRADICTION
    if problems:
        raise OutOfScope(problems)
    case = ChildDeathCase(
        partnership_id=partnership.id,
        owner_id=user.id if user is not None else None,
        reference=next_reference(partnership, data["date_of_death"].year),
        notification_received_on=data["received_on"],
        age_at_death_days=age_at_death_days(data["date_of_birth"], data["date_of_death"]),
        **{name: data[name] for name in DEATH_FIELDS if name != "notification_received_on"},
        **{name: data.get(name) for name in NOTIFICATION_FORM_FIELDS},
    )
    db.session.add(case)
    db.session.flush()
    db.session.add(ChildIdentity(
        case_id=case.id, partnership_id=case.partnership_id,
        name_search=f"{data['given_names']} {data['family_name']}".lower(),
        **{name: data.get(name) for name in IDENTITY_FIELDS},
    ))
    _add_notification(case, data, further=False)
    agencies.add_all(case, data.get("agencies") or (), data["received_on"])
    timeline.add(case, "notification",
                 f"Death notified by {_notifier_words(data)}; case {case.reference} opened",
                 happened_on=data["received_on"])
    # The JAR decided on the form goes through the JAR page's code (and syncs the deadlines).
    jar = notified_jar.record(case, data, today)
    if data.get("post_mortem_required") == "no":
        # "Post-mortem required: No" is the decision the post-mortem page records, dated the
        # notification's date (and syncs the deadlines).
        post_mortem.record_no_post_mortem(case, "not_held", data["received_on"],
                                          _decided_by(data), today)
    elif not jar:
        deadline_service.sync_case(case)
    return case


def _decided_by(data):
    """Who decided, as the post-mortem page stores it: the notifier's role and agency."""
    who = ", ".join(part for part in (data.get("notifier_role"), data.get("notifier_agency"))
                    if part)
    return f"The notifier ({who}), on the notification form" if who \
        else "The notifier, on the notification form"


def notify_and_commit(data: dict, partnership, user, today: date, before_commit=None):
    """`notify` and commit (the reference comes from the counter: no clash to retry).
    `before_commit(case)`, when given, runs just before the commit."""
    case = notify(data, partnership, user, today)
    if before_commit is not None:
        before_commit(case)
    db.session.commit()
    return case


def record_further(case, data: dict, today: date) -> CaseNotification:
    """Record a further notification of a death already notified (no commit)."""
    if data["received_on"] > today:
        raise OutOfScope({"received_on": "Date the notification was received must be today "
                                         "or in the past"})
    notification = _add_notification(case, data, further=True)
    # Its answers kept with it; what is additive and safe merged into the case; the timeline.
    from cdr.services import further_notifications
    further_notifications.merge(case, notification, data, today)
    return notification


def _add_notification(case, data, *, further):
    notification = CaseNotification(
        case_id=case.id, partnership_id=case.partnership_id, received_on=data["received_on"],
        further=further, **{name: data[name] for name in NOTIFIER_FIELDS},
    )
    db.session.add(notification)
    return notification


def _notifier_words(data):
    """Who notified, without naming anyone: 'a practitioner (Northshire NHS Trust)'."""
    words = NOTIFIER_SOURCES.get(data["source"], "Other").lower()
    words = "another source" if words == "other" else f"the {words}"
    return f"{words} ({data['notifier_agency']})" if data.get("notifier_agency") else words


# --- Changing a case -------------------------------------------------------------------------


def update_case(case, values: dict, today: date, identity=None, identity_values=None) -> list:
    """Change a case's details (and the child's, when given); returns what changed, as labels.

    Bumps the case's version whenever anything changed, so an edit of the child's details
    alone also refuses another user's stale save. No commit.
    """
    born = identity_values["date_of_birth"] if identity_values else _born(case, identity)
    problems = scope_problems(date_of_birth=born, date_of_death=values.get(
        "date_of_death", case.date_of_death), received_on=values.get(
        "notification_received_on"), today=today)
    if problems:
        raise OutOfScope(problems)
    changed = []
    if identity_values:
        if identity is None:
            # A case recorded without the child's details (an import, the demo) gets them now.
            identity = ChildIdentity(case_id=case.id, partnership_id=case.partnership_id)
            db.session.add(identity)
        identity_values = {**identity_values, "name_search": f"{identity_values['given_names']} "
                           f"{identity_values['family_name']}".lower()}
        changed += _assign(identity, identity_values)
    changed += _assign(case, values)
    case.age_at_death_days = age_at_death_days(born, case.date_of_death)
    labels = _labels(changed)
    if labels:
        case.updated_at = utcnow()
        timeline.add(case, "change", f"Changed: {', '.join(labels)}", happened_on=today)
        deadline_service.sync_case(case)
    return labels


def _born(case, identity):
    """The child's date of birth, even when the user changing the case may not see it."""
    if identity is not None:
        return identity.date_of_birth
    return db.session.scalar(sa.select(ChildIdentity.date_of_birth)
                             .where(ChildIdentity.case_id == case.id))


def _assign(record, values):
    changed = []
    for name, value in values.items():
        if getattr(record, name) != value:
            setattr(record, name, value)
            changed.append(name)
    return changed


def _labels(columns) -> list[str]:
    """Readable, distinct names of changed columns, in order."""
    labels = []
    for column in columns:
        label = FIELD_LABELS.get(column, column.replace("_", " ").capitalize())
        if label and label not in labels:
            labels.append(label)
    return labels


class Changes(NamedTuple):
    """What changed in a case since a version of it: who by, and which details."""

    by: str
    labels: list[str]


def changes_since(case, opened_version) -> Changes:
    """Who changed the case after `opened_version` and what they changed, from the audit
    trail (the case's version is in each of its update rows)."""
    rows = db.session.scalars(
        sa.select(AuditEvent)
        .where(AuditEvent.object_type == "ChildDeathCase", AuditEvent.object_id == str(case.id),
               AuditEvent.action.in_(["create", "update"]))
        .order_by(AuditEvent.id)
    ).all()
    opened = opened_version if isinstance(opened_version, int) else -1
    seen = [row.id for row in rows if _version_after(row) is not None
            and _version_after(row) <= opened]
    boundary = max(seen, default=0)
    later = [row for row in rows if row.id > boundary and row.action == "update"]
    identity_id = db.session.scalar(
        sa.select(ChildIdentity.id).where(ChildIdentity.case_id == case.id))
    if identity_id is not None:
        later += db.session.scalars(
            sa.select(AuditEvent).where(
                AuditEvent.object_type == "ChildIdentity",
                AuditEvent.object_id == str(identity_id), AuditEvent.action == "update",
                AuditEvent.id > boundary)
        ).all()
    later.sort(key=lambda row: row.id)
    columns = [column for row in later for column in (row.changes or {})]
    last = later[-1] if later else None
    by = (last.user.full_name if last is not None and last.user is not None
          else "Someone else")
    return Changes(by, _labels(columns))


def _version_after(row):
    version = (row.changes or {}).get("version")
    return version[1] if isinstance(version, list) and len(version) == 2 else None


def record_registrar_coroner(case, values: dict, today: date) -> list[str]:
    """Record the registrar's and the coroner's dates and decisions; sync their deadlines."""
    for name in ("death_registered_on", "registrar_notified_on", "coroner_decision_on",
                 "coroner_notified_on"):
        if values.get(name) is not None and values[name] > today:
            raise OutOfScope({name: f"{FIELD_LABELS[name]} must be today or in the past"})
    labels = _labels(_assign(case, values))
    if labels:
        case.updated_at = utcnow()
        timeline.add(case, "registrar_coroner", f"Registrar and coroner: {', '.join(labels)}",
                     happened_on=today)
        deadline_service.sync_case(case)
    return labels


# --- The case page's section -----------------------------------------------------------------


class TransferRow(NamedTuple):
    """A transfer as the case page lists it."""

    transfer: CaseTransfer
    from_name: str
    to_name: str


class Vocab:
    """What the case page calls each stored value."""

    sexes = SEXES
    places = PLACES_OF_DEATH
    expected = EXPECTED
    sources = NOTIFIER_SOURCES
    flags = FLAGS
    nhs_absent = NHS_NUMBER_ABSENT
    ethnicities = ETHNICITIES
    yes_no = YES_NO
    agency_kinds = AGENCY_KINDS

    @staticmethod
    def ticked(case) -> list[str]:
        """The labels of the flags set on a case."""
        return [label for name, label in FLAGS.items() if getattr(case, name)]


class Section(NamedTuple):
    """The notifications section of the case page."""

    notifications: list[CaseNotification]
    transfers: list[TransferRow]
    vocab: type = Vocab
    # The agencies involved in the child's life (cdr.services.agencies), in order added.
    agencies: list = ()
    # Each further notification's own answers and where it differs from the case
    # (cdr.services.further_notifications.Further).
    further: list = ()


def section(case, identity=None) -> Section:
    """The notifications received and the transfers of a case (two queries; `identity`, the
    child's record the case page has already read, spares a further notification's
    comparison a query of its own)."""
    notifications = db.session.scalars(
        sa.select(CaseNotification).where(CaseNotification.case_id == case.id)
        .order_by(CaseNotification.received_on, CaseNotification.id)
    ).all()
    source = sa.orm.aliased(Partnership)
    target = sa.orm.aliased(Partnership)
    rows = db.session.execute(
        sa.select(CaseTransfer, source.name, target.name)
        .join(source, source.id == CaseTransfer.from_partnership_id)
        .join(target, target.id == CaseTransfer.partnership_id)
        .where(CaseTransfer.case_id == case.id)
        .order_by(CaseTransfer.transferred_at, CaseTransfer.id)
    ).all()
    from cdr.services import further_notifications
    return Section(notifications, [TransferRow(*row) for row in rows],
                   agencies=agencies.of_case(case),
                   further=further_notifications.of_section(case, notifications, identity))
