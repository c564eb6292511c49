"""Recording a serious incident: its dates checked, a unique reference, the child's real name
apart, the linked child death case, and the links between the two domains' pages.

Plain functions that take `today`; none commits except `record_and_commit`. References are
issued from the partnership's counter (tracker.references), so two saves never clash.

Two records of one incident at the same moment give one: the view takes `lock_incident`
before `find_duplicate`, so the second waits for the first to commit and then finds it
(tracker.duplicates).
"""

from datetime import date

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import url_for
from flask_login import current_user

from cdr.models import ChildDeathCase
from reviews.models import STAGES, IncidentChild, SeriousIncident
from tracker import deadline_service, duplicates, references, timeline
from tracker.domains import RelatedLink
from tracker.extensions import db
from tracker.roles import Permission
from tracker.security import visible_partnership_ids

# The incident's own answers, by column (the form gives them under these names).
INCIDENT_FIELDS = ("child_reference", "child_died", "incident_date", "la_aware_on",
                   "abuse_or_neglect_suspected", "abuse_or_neglect_known_on", "location",
                   "looked_after", "care_leaver", "age_at_death_years", "cp_plan",
                   "other_areas")
_STAGE_ORDER = list(STAGES)


class Problems(ValueError):
    """What cannot be recorded, and why: {form field name: GOV.UK message}."""

    def __init__(self, problems: dict[str, str]):
        super().__init__("; ".join(problems.values()))
        self.problems = problems


def check(problems: dict[str, str]) -> None:
    """Raise Problems when there are any."""
    if problems:
        raise Problems(problems)


def not_future(problems, field, value, label, today):
    """A date today or earlier (the problem is filed under `field`). Returns whether it is."""
    if value is not None and value > today and field not in problems:
        problems[field] = f"{label} must be today or in the past"
    return field not in problems


def not_before(problems, field, value, label, earliest, earliest_words):
    """A date on or after `earliest` (when both are known)."""
    if value is not None and earliest is not None and value < earliest \
            and field not in problems:
        problems[field] = f"{label} must be the same as or after {earliest_words}"


def date_problems(*, incident_date, la_aware_on, today) -> dict[str, str]:
    """{field: message} for incident and awareness dates that cannot be right."""
    problems = {}
    not_future(problems, "incident_date", incident_date, "Incident date", today)
    not_future(problems, "la_aware_on", la_aware_on,
               "Date the local authority became aware", today)
    not_before(problems, "la_aware_on", la_aware_on, "Date the local authority became aware",
               incident_date, "the incident date")
    return problems


SUSPICION_LABEL = "Date the local authority knew or suspected abuse or neglect"


def suspicion(values: dict, la_aware_on, today) -> dict[str, str]:
    """Whether the incident is notifiable to the Panel, and from when: with abuse or neglect
    known or suspected, the day the local authority came to know or suspect it when that is
    after it became aware of the incident (blank: from awareness; an earlier day is kept
    but the clocks still start at awareness); without, no date. Sets
    `abuse_or_neglect_known_on` in `values`; returns {field: message} for a future date."""
    problems = {}
    if not values.get("abuse_or_neglect_suspected"):
        values["abuse_or_neglect_known_on"] = None
        return problems
    not_future(problems, "abuse_or_neglect_known_on", values.get("abuse_or_neglect_known_on"),
               SUSPICION_LABEL, today)
    return problems


def care_leaver_problems(values: dict, *, fields=None) -> dict[str, str]:
    """{field: message} for a care leaver's answers that cannot be right: a looked-after child
    is not a care leaver (one leaves care at 18), a care leaver who died needs the age at
    death, which is asked for no one else. `fields` names the fields (the form's by default:
    looked_after, age_at_death_years, outcome)."""
    names = {"looked_after": "looked_after", "age": "age_at_death_years", "outcome": "outcome",
             **(fields or {})}
    problems = {}
    age = values.get("age_at_death_years")
    if values.get("care_leaver") and values.get("looked_after"):
        problems[names["looked_after"]] = (
            "A looked-after child cannot also be a care leaver: a care leaver is a young "
            "person who has left care. Answer No to one of the two questions")
    elif values.get("care_leaver") and values.get("child_died") and age is None:
        problems[names["age"]] = "Enter the care leaver's age at death, in years"
    elif age is not None and not (values.get("care_leaver") and values.get("child_died")):
        problems[names["age"]] = ("Age at death is only for a care leaver who died: remove "
                                  "it, or answer that the child was a care leaver who died")
    if age is not None and not 0 <= age <= 120 and names["age"] not in problems:
        problems[names["age"]] = "Age at death must be between 0 and 120"
    return problems


def advance(incident, stage: str) -> None:
    """Move the incident on to `stage`, never back (a later step already recorded stands)."""
    current = _STAGE_ORDER.index(incident.stage) if incident.stage in STAGES else 0
    if _STAGE_ORDER.index(stage) > current:
        incident.stage = stage


# --- The linked child death case -------------------------------------------------------------


def child_death_case(*, reference=None, case_id=None, partnership_ids) -> ChildDeathCase | None:
    """A child death case of these partnerships, by reference or id (None when not there)."""
    condition = (ChildDeathCase.reference == reference.strip().upper()) if reference \
        else (ChildDeathCase.id == case_id)
    return db.session.scalar(
        sa.select(ChildDeathCase)
        .where(condition, ChildDeathCase.partnership_id.in_(list(partnership_ids)))
    )


def handed_off_case(*, case_id=None, reference=None) -> ChildDeathCase | None:
    """The child death case by id or reference when its page offers the signed-in user to
    open its serious incident (the hand-off): in their partnerships, abuse or neglect known
    or suspected, and no serious incident of theirs linked to it yet. Else None.

    The only cases whose dates and safeguarding answers the new incident form carries over,
    for a user who may not open the case itself."""
    case = child_death_case(case_id=case_id, reference=reference,
                            partnership_ids=visible_partnership_ids())
    if case is None or not _offers_incident(case, _linked_incidents(case)):
        return None
    return case


def answers_from_case(case: ChildDeathCase) -> dict:
    """The form's answers carried over from a child death case: the death is the incident,
    and the notification received is when the local authority became aware."""
    return {
        "partnership": case.partnership_id,
        "outcome": "died",
        "incident_date": case.date_of_death,
        "la_aware_on": case.notification_received_on,
        "abuse_or_neglect": "yes" if case.abuse_or_neglect_suspected else None,
        "looked_after": "yes" if case.looked_after else "no",
        # A looked-after child is not a care leaver; otherwise the user answers.
        "care_leaver": "no" if case.looked_after else None,
        "cp_plan": "on_plan" if case.child_protection_plan else None,
        "cdr_reference": case.reference,
    }


# --- The same incident twice ---------------------------------------------------------------


def _pseudonym(value) -> str:
    return " ".join((value or "").split()).lower()


def incident_keys(data: dict, partnership_id: int) -> list[str]:
    """What makes two records one incident, as lock keys: the pseudonym (when given) with
    the incident and awareness dates in the partnership, and the linked child death case."""
    keys = []
    if data.get("child_reference"):
        keys.append(f"incident|{partnership_id}|{_pseudonym(data['child_reference'])}|"
                    f"{data['incident_date']}|{data['la_aware_on']}")
    if data.get("cdr_case") is not None:
        keys.append(f"incident-case|{data['cdr_case'].id}")
    return keys


def lock_incident(data: dict, partnership_id: int) -> None:
    """Hold the lock of this incident until the transaction ends: another record of it
    waits, and its find_duplicate then sees this one."""
    duplicates.lock(*incident_keys(data, partnership_id))


def find_duplicate(data: dict, partnership_id: int, partnership_ids) -> SeriousIncident | None:
    """An incident already recorded for the same child and dates (pseudonym, incident date
    and date the local authority became aware, in this partnership), or linked to the same
    child death case (in these partnerships)."""
    same = []
    if data.get("child_reference"):
        same.append(sa.and_(
            SeriousIncident.partnership_id == partnership_id,
            sa.func.lower(SeriousIncident.child_reference) == _pseudonym(data["child_reference"]),
            SeriousIncident.incident_date == data["incident_date"],
            SeriousIncident.la_aware_on == data["la_aware_on"]))
    if data.get("cdr_case") is not None:
        same.append(sa.and_(
            SeriousIncident.cdr_case_id == data["cdr_case"].id,
            SeriousIncident.partnership_id.in_(list(partnership_ids))))
    if not same:
        return None
    return db.session.scalar(sa.select(SeriousIncident).where(sa.or_(*same))
                             .order_by(SeriousIncident.id).limit(1))


def duplicate_message(incident: SeriousIncident, data: dict) -> dict[str, str]:
    """{field: message} saying which recorded incident this one repeats."""
    case = data.get("cdr_case")
    if case is not None and incident.cdr_case_id == case.id:
        return {"cdr_reference": f"Child death case {case.reference} is already linked to "
                                 f"serious incident {incident.reference}"}
    return {"child_reference": f"Serious incident {incident.reference} is already recorded "
                               "for this child with the same incident date and date the local "
                               "authority became aware"}


def duplicate_groups(partnership_id: int, page: int = 1,
                     size: int = 50) -> tuple[list[duplicates.DuplicateGroup], bool]:
    """Page `page` of the partnership's incidents that seem to be one (same pseudonym and
    dates, or the same child death case), by reference; linked only for a user who may open
    them. With whether more groups follow.

    Grouped (tracker.duplicates.shared), `size` groups of each reason a page, from only the
    incidents whose child death case, or lower-case pseudonym and dates, another incident of
    the partnership has: the counts the database keeps (SeriousIncident.same_case,
    same_child), off partial indexes of those alone. A group of the same child that is every
    incident of one child death case is that case's group, listed once.
    """
    may_open = (current_user.can(Permission.VIEW_REVIEWS)
                and partnership_id in visible_partnership_ids())
    incident = SeriousIncident
    incidents = (sa.select(incident.id, incident.reference)
                 .where(incident.partnership_id == partnership_id))
    same_case = (incident.cdr_case_id,)
    same_child = (sa.func.lower(incident.child_reference), incident.incident_date,
                  incident.la_aware_on)
    others = so.aliased(SeriousIncident)
    incidents_of_case = (sa.select(sa.func.count()).select_from(others)
                         .where(others.partnership_id == partnership_id,
                                others.cdr_case_id == sa.func.min(incident.cdr_case_id))
                         .scalar_subquery())
    # Off the partial indexes of the rows whose key is shared: once ANALYZE has run, SQLite
    # (an empty partial index has no statistics) read every incident of the partnership off
    # ix_serious_incident_partnership_child instead (22 ms at 100,000 cases).
    case_groups = duplicates.shared(
        incidents.where(incident.cdr_case_id.is_not(None), duplicates.repeated(incident.same_case))
        .with_hint(incident, "INDEXED BY ix_serious_incident_case_shared", "sqlite"),
        same_case, page, size)
    child_groups = duplicates.shared(
        incidents.where(same_child[0].is_not(None), duplicates.repeated(incident.same_child))
        .with_hint(incident, "INDEXED BY ix_serious_incident_child_shared", "sqlite"),
        same_child, page, size,
        # Not every incident of one child death case (that group is listed already).
        sa.not_(sa.and_(sa.func.count(incident.cdr_case_id) == sa.func.count(),
                        sa.func.min(incident.cdr_case_id) == sa.func.max(incident.cdr_case_id),
                        incidents_of_case == sa.func.count())))
    found, more = [], False
    for keys, groups_page, reason in (
            (same_case, case_groups, "Same child death case"),
            (same_child, child_groups, "Same child, incident date and date the local "
                                       "authority became aware")):
        members, its_more = duplicates.members(incidents, keys, groups_page, size)
        more = more or its_more
        found += [duplicates.DuplicateGroup("Serious incidents", reason, [
            duplicates.DuplicateRecord(row.reference, url_for(
                "reviews.incident", incident_id=row.id) if may_open else "")
            for row in rows]) for rows in members]
    return found, more


# --- A new incident --------------------------------------------------------------------------


SERIES = "CSPR"


def next_reference(partnership, year: int) -> str:
    """The partnership's next reference for incidents it became aware of in `year`, such as
    CSPR-NSP-2026-0042, taken from its counter (no commit)."""
    return references.issue(SeriousIncident, SERIES, partnership, year)


def pseudonym(number: int) -> str:
    """The default pseudonym for the incident with this running number: Child A, Child B…"""
    return f"Child {chr(ord('A') + (number - 1) % 26)}"


def record(data: dict, partnership, user, today: date) -> SeriousIncident:
    """Record a new serious incident: the incident, the child's name when given, the
    timeline and its deadlines (no commit). Raises Problems for dates that cannot be right."""
    problems = date_problems(incident_date=data["incident_date"],
                             la_aware_on=data["la_aware_on"], today=today)
    data = dict(data)
    problems.update(suspicion(data, data["la_aware_on"], today))
    problems.update(care_leaver_problems(data))
    case = data.get("cdr_case")
    if case is not None and not data["child_died"]:
        problems["outcome"] = ("A child death case is linked: select that the child died, "
                               "or remove the child death case reference")
    check(problems)
    reference = next_reference(partnership, data["la_aware_on"].year)
    values = {name: data[name] for name in INCIDENT_FIELDS}
    # One space between words, so the duplicate check finds "Child  P" as "Child P".
    values["child_reference"] = " ".join((values["child_reference"] or "").split())
    if not values["child_reference"]:
        # A pseudonym by default: Child A, Child B… by the reference's number.
        values["child_reference"] = pseudonym(int(reference.rpartition("-")[2]))
    incident = SeriousIncident(
        partnership_id=partnership.id,
        owner_id=user.id if user is not None else None,
        reference=reference,
        stage="notified",
        cdr_case_id=case.id if case is not None else None,
        **values,
    )
    db.session.add(incident)
    db.session.flush()
    if data.get("child_name"):
        db.session.add(IncidentChild(incident_id=incident.id, partnership_id=partnership.id,
                                     full_name=data["child_name"]))
    words = "died" if incident.child_died else "was seriously harmed"
    linked = f", linked to child death case {case.reference}" if case is not None else ""
    timeline.add(incident, "incident",
                 f"Serious incident recorded: the child {words}{linked}",
                 happened_on=incident.la_aware_on)
    deadline_service.sync_case(incident)
    return incident


def record_and_commit(data: dict, partnership, user, today: date, before_commit=None):
    """`record` and commit (the reference comes from the counter: no clash to retry).
    `before_commit(incident)`, when given, runs just before the commit."""
    incident = record(data, partnership, user, today)
    if before_commit is not None:
        before_commit(incident)
    db.session.commit()
    return incident


# --- Links between the two domains' pages (registered as Domain.related) --------------------


def related(record) -> list[RelatedLink]:
    """Links on a child death case to its serious incidents (or an offer to open one), and
    on a serious incident to its child death case. A link the user could not follow is
    shown as text (href empty). One query."""
    if isinstance(record, ChildDeathCase):
        return _links_for_case(record)
    if isinstance(record, SeriousIncident) and record.cdr_case_id is not None:
        return _links_for_incident(record)
    return []


def _linked_incidents(case) -> list:
    """(id, reference) of the serious incidents of the user's partnerships linked to the case."""
    return db.session.execute(
        sa.select(SeriousIncident.id, SeriousIncident.reference)
        .where(SeriousIncident.cdr_case_id == case.id,
               SeriousIncident.partnership_id.in_(list(visible_partnership_ids())))
        .order_by(SeriousIncident.id)
    ).all()


def _offers_incident(case, incidents) -> bool:
    """Whether the case's page offers to open its serious incident: abuse or neglect known or
    suspected, and none linked yet."""
    return not incidents and bool(case.abuse_or_neglect_suspected)


def _links_for_case(case) -> list[RelatedLink]:
    incidents = _linked_incidents(case)
    may_view = current_user.can(Permission.VIEW_REVIEWS)
    if incidents:
        return [RelatedLink(f"Linked serious incident {reference}",
                            url_for("reviews.incident", incident_id=ident) if may_view else "")
                for ident, reference in incidents]
    if not _offers_incident(case, incidents):
        return []
    if current_user.can(Permission.EDIT_REVIEWS):
        return [RelatedLink("Open the linked serious incident",
                            url_for("reviews.new_incident", cdr_case=case.id))]
    # Whoever sees this case but does not record serious incidents hands it to the business
    # unit, who start the incident from this reference (the dates are carried over).
    return [RelatedLink("Abuse or neglect is known or suspected, and no serious incident is "
                        "linked to this case yet: the local authority must notify the Child "
                        "Safeguarding Practice Review Panel within 5 working days. The "
                        "partnership business unit can open the linked serious incident from "
                        f"this case's reference, {case.reference}.", "")]


def _links_for_incident(incident) -> list[RelatedLink]:
    reference = db.session.scalar(
        sa.select(ChildDeathCase.reference)
        .where(ChildDeathCase.id == incident.cdr_case_id,
               ChildDeathCase.partnership_id.in_(list(visible_partnership_ids())))
    )
    if reference is None:
        return []
    may_view = current_user.can(Permission.VIEW_CDR_CASES)
    return [RelatedLink(f"Child death case {reference}",
                        url_for("cdr.case", case_id=incident.cdr_case_id) if may_view else "")]
