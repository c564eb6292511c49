"""The spreadsheet import of existing serious incidents and practice reviews, registered
with the shell.

The fields are the new-incident form's, with the later dates a partnership's old tracker
holds (notifications, rapid review, decision, publication); dates are checked with the
services' own rules, and the stage is the one the services would have reached.
"""

from datetime import date

import sqlalchemy as sa

from cdr.models import ChildDeathCase
from cdr.services.requests import identifying_check_of
from reviews.models import CP_PLAN, DECISIONS, LOCATIONS, IncidentChild, SeriousIncident
from reviews.services.decision import is_converted
from reviews.services.incidents import (
    SERIES,
    care_leaver_problems,
    date_problems,
    not_before,
    not_future,
    pseudonym,
)
from tracker import references, timeline
from tracker.extensions import db
from tracker.imports.spec import CHOICE, DATE, WHOLE_NUMBER, YES_NO, Column, ImportSpec
from tracker.roles import Permission
from tracker.security import visible_partnership_ids

OUTCOMES = {"died": "Died", "harmed": "Seriously harmed"}
_AWARE = "the date the local authority became aware"
# Later dates: (column key, label, the earlier date it follows, how that date is called).
LATER_DATES = (
    ("panel_notified_on", "Date the Panel was notified", "la_aware_on", _AWARE),
    ("partners_notified_on", "Date the safeguarding partners were notified", "la_aware_on",
     _AWARE),
    ("sos_ofsted_notified_on", "Date the Secretary of State and Ofsted were notified",
     "la_aware_on", _AWARE),
    ("rapid_review_sent_on", "Date the rapid review was sent to the Panel", "la_aware_on",
     _AWARE),
    ("decision_on", "Date of the decision", "la_aware_on", _AWARE),
    ("published_on", "Date the review was published", "decision_on", "the date of the decision"),
)
INCIDENT_FIELDS = ("child_reference", "incident_date", "la_aware_on",
                   "abuse_or_neglect_suspected", "location", "looked_after", "care_leaver",
                   "age_at_death_years", "cp_plan",
                   "other_areas", "decision", "planned_publication_on",
                   *(key for key, *_ in LATER_DATES))


def _date(key, label, required=None, notes=""):
    return Column(label, key, DATE, required=required, notes=notes, example="23/12/2024")


COLUMNS = (
    Column("Reference", "reference", max_length=references.MAX_LENGTH,
           example="CSPR-NSP-2023-0004",
           notes="Leave empty to give the incident a new reference, like CSPR-NSP-2025-0042. "
           "One of that form is kept; another from your old records is kept as the "
           "incident's previous reference, beside a new one. Never the child's name"),
    Column("Reference for the child", "child_reference", max_length=40, example="Child P",
           notes="A pseudonym, never the child's name. Leave empty for one to be chosen"),
    Column("Child's full name", "child_name", identifying=True,
           notes="Optional; shown only to people who may see identifying details"),
    Column("Outcome", "outcome", CHOICE, choices=OUTCOMES,
           required="Enter whether the child died or was seriously harmed"),
    _date("incident_date", "Incident date", "Enter the incident date"),
    _date("la_aware_on", "Date the local authority became aware",
          "Enter the date the local authority became aware",
          notes="Starts the clocks: the Panel should be notified within 5 working days"),
    Column("Abuse or neglect known or suspected", "abuse_or_neglect_suspected", YES_NO,
           required="Enter whether abuse or neglect is known or suspected"),
    Column("Where it happened", "location", CHOICE, choices=LOCATIONS,
           required="Enter where it happened"),
    Column("Looked-after child", "looked_after", YES_NO,
           required="Enter whether the child was looked after"),
    # Optional, so a file made from the earlier template still reads: empty is No.
    Column("Care leaver", "care_leaver", YES_NO, notes="Empty means No. The death of a care "
           "leaver up to and including age 24 is notified to the Secretary of State and Ofsted "
           "(Working Together 2023)"),
    Column("Age at death (years)", "age_at_death_years", WHOLE_NUMBER, example="19",
           notes="Needed for a care leaver who died, and only then"),
    Column("Child protection plan", "cp_plan", CHOICE, choices=CP_PLAN,
           required="Enter whether the child was on a child protection plan"),
    Column("Other areas involved", "other_areas", max_length=2000, multiline=True),
    *(_date(key, label) for key, label, *_ in LATER_DATES[:4]),
    Column("Decision", "decision", CHOICE, choices=DECISIONS,
           notes="With the date of the decision"),
    _date("decision_on", "Date of the decision", notes="Starts the six months to publication"),
    _date("planned_publication_on", "Planned publication date",
          notes="For a local or national review"),
    _date("published_on", "Date the review was published", notes="For a local or national "
          "review"),
    Column("Child death case reference", "cdr_reference", max_length=40,
           example="CDOP-NSP-2024-0007",
           notes="When the child died: the child death case in your partnerships"),
)


def row_problems(values: dict, today: date) -> dict[str, str]:
    """{column key: message}: the new-incident form's dates, then the later dates in order."""
    problems = date_problems(incident_date=values["incident_date"],
                             la_aware_on=values["la_aware_on"], today=today)
    for key, label, earlier, words in LATER_DATES:
        if not_future(problems, key, values[key], label, today):
            not_before(problems, key, values[key], label, values[earlier], words)
    not_before(problems, "planned_publication_on", values["planned_publication_on"],
               "Planned publication date", values["decision_on"], "the date of the decision")
    problems.update(_decision_problems(values))
    problems.update(care_leaver_problems({**values, "child_died": values["outcome"] == "died"}))
    if values["cdr_reference"] and values["outcome"] != "died":
        problems["outcome"] = ("A child death case is linked: the outcome must be Died, or "
                               "remove the child death case reference")
    return problems


def reference_problems(values: dict, partnership) -> dict[str, str]:
    """The reference must not use another partnership's prefix or name the child; the
    pseudonym must not name the child either."""
    identifies = identifying_check_of(values["child_name"])
    problems = {}
    problem = references.import_problem(values["reference"], SERIES, partnership, identifies)
    if problem:
        problems["reference"] = problem
    if identifies(values["child_reference"]):
        problems["child_reference"] = "Reference for the child must not include the child's name"
    return problems


def _decision_problems(values):
    problems = {}
    if values["decision"] and values["decision_on"] is None:
        problems["decision_on"] = "Enter the date of the decision"
    if values["decision_on"] is not None and not values["decision"]:
        problems["decision"] = "Enter the decision"
    reviewed = values["decision"] in ("local", "national")
    for key, label in (("planned_publication_on", "A planned publication date"),
                       ("published_on", "A publication date")):
        if values[key] is not None and not reviewed:
            problems.setdefault(key, f"{label} is only for a local or national review")
    return problems


def duplicate_keys(values: dict) -> list[tuple[str, object]]:
    """What identifies the same incident within a file: its reference, or its pseudonym with
    the incident and awareness dates."""
    keys = []
    if values["reference"]:
        keys.append(("reference", ("reference", values["reference"].upper())))
    if values["child_reference"]:
        keys.append(("child_reference", ("incident", values["child_reference"].lower(),
                                         values["incident_date"], values["la_aware_on"])))
    return keys


def existing(rows: list[dict], partnership_ids) -> dict[int, dict[str, str]]:
    """{row index: {column key: message}}: references already used, incidents already
    recorded, child death cases not found, in the user's partnerships only (three queries,
    whatever the number of rows)."""
    clashes: dict[int, dict[str, str]] = {}
    taken = _taken_references({row["reference"].upper() for row in rows if row["reference"]},
                              partnership_ids)
    held = _held_incidents(rows, partnership_ids)
    cases = _cases(rows, partnership_ids)
    for index, row in enumerate(rows):
        if row["reference"] and row["reference"].upper() in taken:
            clashes.setdefault(index, {})["reference"] = ("An incident with this reference is "
                                                          "already recorded")
        found = held.get(_incident_key(row))
        if found is not None:
            clashes.setdefault(index, {})["child_reference"] = (
                f"This incident is already recorded as {found}")
        if row["cdr_reference"] and row["cdr_reference"].upper() not in cases:
            clashes.setdefault(index, {})["cdr_reference"] = (
                "There is no child death case with this reference in your partnerships")
    return clashes


def _taken_references(wanted, partnership_ids) -> set[str]:
    """Which of the references (in capitals) an incident of the user's partnerships holds,
    as its reference or its previous one; another partnership's are never looked at."""
    if not wanted:
        return set()
    found = db.session.execute(
        sa.select(SeriousIncident.reference, SeriousIncident.previous_reference).where(
            SeriousIncident.partnership_id.in_(list(partnership_ids)),
            sa.or_(sa.func.upper(SeriousIncident.reference).in_(wanted),
                   sa.func.upper(SeriousIncident.previous_reference).in_(wanted))))
    return {reference.upper() for row in found for reference in row if reference} & wanted


def _incident_key(row):
    if not row["child_reference"]:
        return None
    return row["child_reference"].lower(), row["incident_date"], row["la_aware_on"]


def _held_incidents(rows, partnership_ids):
    names = {row["child_reference"].lower() for row in rows if row["child_reference"]}
    if not names:
        return {}
    found = db.session.execute(
        sa.select(SeriousIncident.child_reference, SeriousIncident.incident_date,
                  SeriousIncident.la_aware_on, SeriousIncident.reference)
        .where(SeriousIncident.partnership_id.in_(list(partnership_ids)),
               sa.func.lower(SeriousIncident.child_reference).in_(names))
    ).all()
    return {(name.lower(), happened, aware): reference
            for name, happened, aware, reference in found}


def _cases(rows, partnership_ids) -> dict[str, int]:
    wanted = {row["cdr_reference"].upper() for row in rows if row["cdr_reference"]}
    if not wanted:
        return {}
    found = db.session.execute(
        sa.select(ChildDeathCase.reference, ChildDeathCase.id)
        .where(sa.func.upper(ChildDeathCase.reference).in_(wanted),
               ChildDeathCase.partnership_id.in_(list(partnership_ids)))
    ).all()
    return {reference.upper(): case_id for reference, case_id in found}


def build(values: dict, partnership, user, today: date, batch: dict) -> SeriousIncident:
    """One imported incident at the stage its dates have reached, not yet flushed: its
    reference kept, or issued the usual way with the one given kept as its previous one."""
    reference, previous = references.kept_or_issued(
        SeriousIncident, SERIES, partnership, values["la_aware_on"].year, values["reference"])
    fields = {key: values[key] for key in INCIDENT_FIELDS}
    fields["care_leaver"] = bool(fields["care_leaver"])
    if not fields["child_reference"]:
        fields["child_reference"] = pseudonym(int(reference.rpartition("-")[2]))
    # A spreadsheet gives no date of the Panel's decision: a national review's clocks start
    # at the decision recorded (a suspicion's clocks at awareness, as no later day is given).
    if values.get("decision") == "national":
        fields["panel_decision_on"] = values.get("decision_on")
    incident = SeriousIncident(
        partnership_id=partnership.id, owner_id=user.id if user is not None else None,
        reference=reference, previous_reference=previous,
        child_died=values["outcome"] == "died",
        cdr_case_id=_case_id(values["cdr_reference"], batch), **fields)
    incident.converted = is_converted(incident, incident.decision)
    incident.stage = stage_of(incident)
    return incident


def finish(incident: SeriousIncident, values: dict, partnership, today: date) -> None:
    """The child's real name, apart, and the timeline line (no flush)."""
    if values["child_name"]:
        db.session.add(IncidentChild(incident_id=incident.id, partnership_id=partnership.id,
                                     full_name=values["child_name"]))
    timeline.add(incident, "import", f"Incident {incident.reference} imported from a "
                 "spreadsheet", happened_on=today)


def _case_id(reference, batch):
    """The linked child death case's id (each reference read once, without flushing the
    incidents built so far)."""
    if not reference:
        return None
    cases = batch.setdefault("cases", {})
    if reference.upper() not in cases:
        with db.session.no_autoflush:
            cases.update(_cases([{"cdr_reference": reference}], visible_partnership_ids()))
    return cases.get(reference.upper())


def stage_of(incident) -> str:
    """The stage the services would have moved the incident to, from its dates."""
    if incident.decision == "none":
        return "no_review"
    if incident.published_on is not None:
        return "published"
    if incident.decision in ("local", "national"):
        return "review"
    if incident.rapid_review_sent_on is not None:
        return "decision"
    return "notified"


PRACTICE_REVIEW_IMPORT = ImportSpec(
    name="practice-reviews",
    title="Practice reviews",
    noun="serious incidents",
    permission=Permission.EDIT_REVIEWS,
    columns=COLUMNS,
    row_problems=row_problems,
    partnership_problems=reference_problems,
    series=SERIES,
    duplicate_keys=duplicate_keys,
    existing=existing,
    build=build,
    finish=finish,
    sheet_title="Serious incidents",
    done_endpoint="reviews.tracker",
    preview=("reference", "child_reference", "outcome", "incident_date", "la_aware_on",
             "decision", "decision_on", "published_on"),
    description="One row per serious incident, from the incident to the published review. "
    "The fields are those of the new-incident form; the dates are checked as the tracker's "
    "pages check them, and deadlines are worked out from the dates given.",
)
