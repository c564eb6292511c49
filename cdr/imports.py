"""The spreadsheet import of existing child death cases, registered with the shell.

The scope rules are the notification form's (cdr.services.notifications.scope_problems), the
NHS number and postcode are checked by the form's own validators, and a new case gets its
reference the usual way (tracker.references): a reference given in the file is kept when it
is of the partnership's own form, else kept as the case's previous reference beside a new
one. The child's identifying details go into cdr_child_identity only.
"""

from datetime import date
from types import SimpleNamespace

import sqlalchemy as sa
from wtforms.validators import ValidationError

from cdr import import_jar
from cdr.models import (
    CATEGORIES,
    DOMAINS,
    ETHNICITIES,
    EXPECTED,
    GRADES,
    MODIFIABLE,
    NHS_NUMBER_ABSENT,
    PLACES_OF_DEATH,
    SEXES,
    YES_NO,
    ChildDeathCase,
)
from cdr.models.case import NO_POST_MORTEM, YES_NO_NOT_KNOWN
from cdr.models.identity import ChildIdentity, search_keys
from cdr.services import family, ncmd, timeline
from cdr.services.meetings import Refused
from cdr.services.notifications import SERIES, age_at_death_days, scope_problems
from cdr.services.requests import identifying_check_of
from forms.cdr.validators import NhsNumber, Postcode, TimeOfDay, nhs_digits, parse_time, postcode
from tracker import references
from tracker.extensions import db
from tracker.imports.spec import CHOICE, DATE, Column, ImportSpec
from tracker.roles import Permission

NOT_KNOWN = "not_known"
# Dates of the case's stages: (column key, label), each today or earlier, on or after death.
STAGE_DATES = {
    "notification_received_on": "Date the notification was received",
    "death_registered_on": "Date the death was registered",
    "registrar_notified_on": "Date the registrar notified the CDOP",
    "coroner_decision_on": "Date of the coroner's decision",
    "coroner_notified_on": "Date the coroner notified the CDOP",
    "review_meeting_on": "Date of the child death review meeting",
    "review_completed_on": "Date the CDOP panel review was completed",
}
IDENTITY = ("given_names", "family_name", "nhs_number", "address", "postcode")
# The rest of the national notification form (the fatal event's time is read apart).
NATIONAL_FIELDS = ("nhs_number_absent", "ethnicity", "fatal_event_on", "fatal_event_place",
                   "senior_practitioner", "cause_1a", "cause_1b", "cause_1c", "cause_2",
                   "post_mortem_required", "ncmd_alert", "ncmd_alert_details")
# No post-mortem (cdr.services.post_mortem), the inquest and the family's support
# (cdr.services.family), the rest of the confirmed analysis form, the NCMD dates
# (cdr.services.ncmd) and the day the information was complete.
NO_POST_MORTEM_FIELDS = ("no_post_mortem", "no_post_mortem_on", "no_post_mortem_decided_by")
ANALYSIS_FIELDS = (*(f"grade_{domain}" for domain in DOMAINS), "modifiable_reason",
                   "outcome_actions")
NCMD_FIELDS = tuple(step.sent_on for step in ncmd.STEPS)
CASE_FIELDS = ("date_of_death", "sex", "place_of_death", "place_of_death_other",
               "la_of_residence", "death_expected", "category", "modifiable_factors",
               *STAGE_DATES, *NATIONAL_FIELDS, *NO_POST_MORTEM_FIELDS, *family.FIELDS,
               *ANALYSIS_FIELDS, *NCMD_FIELDS, "information_complete_on")
# What the analysis form's texts are called in messages (the form's own names).
_ANALYSIS_TEXTS = {"modifiable_reason": "Why modifiable factors were or were not identified",
                   "outcome_actions": "Actions"}
TEXT_MAX = 5000  # forms.cdr.analysis.TEXT_MAX


def _validator(validator, normalise):
    """A form validator as a column check: the message it raises, or None."""

    def check(value):
        try:
            validator(None, SimpleNamespace(data=normalise(value)))
        except ValidationError as problem:
            return str(problem)
        return None

    return check


def _date(key, label, required=None, notes=""):
    return Column(label, key, DATE, required=required, notes=notes, example="27/03/2025")


COLUMNS = (
    Column("Reference", "reference", max_length=references.MAX_LENGTH,
           example="CDOP-NSP-2024-0007",
           notes="Leave empty to give the case a new reference, like CDOP-NSP-2025-0042. "
           "One of that form is kept; another from your old records is kept as the case's "
           "previous reference, beside a new one. Never the child's name"),
    _date("date_of_death", "Date of death", "Enter the date of death"),
    Column("Date of birth", "date_of_birth", DATE, words={"Not known": NOT_KNOWN},
           required="Enter the date of birth, or Not known", identifying=True,
           example="14/02/2019", notes="Not known: the child was or may have been under 18. "
           "A person 18 or over at death is refused"),
    Column("Sex", "sex", CHOICE, choices=SEXES, required="Enter the child's sex, or Not known"),
    Column("Place of death", "place_of_death", CHOICE, choices=PLACES_OF_DEATH,
           required="Enter where the child died"),
    Column("Place of death (other)", "place_of_death_other",
           notes="Where the child died, when it was not a hospital or home"),
    Column("Local authority where the child normally lived", "la_of_residence",
           max_length=100, required="Enter the local authority where the child normally lived"),
    Column("Expected death", "death_expected", CHOICE, choices=EXPECTED,
           required="Enter whether the death was expected, or Not known",
           notes="No: the death was unexpected (not anticipated as a significant possibility "
           "24 hours before it happened), as the notification form asks"),
    *import_jar.COLUMNS,
    _date("notification_received_on", STAGE_DATES["notification_received_on"],
          "Enter the date the notification was received"),
    _date("death_registered_on", STAGE_DATES["death_registered_on"]),
    _date("registrar_notified_on", STAGE_DATES["registrar_notified_on"]),
    _date("coroner_decision_on", STAGE_DATES["coroner_decision_on"],
          notes="The decision to investigate or to commission a post-mortem"),
    _date("coroner_notified_on", STAGE_DATES["coroner_notified_on"]),
    _date("review_meeting_on", STAGE_DATES["review_meeting_on"]),
    _date("review_completed_on", STAGE_DATES["review_completed_on"],
          notes="The case is closed on this date; give the category and modifiable factors"),
    Column("Category of death", "category", CHOICE, choices=CATEGORIES),
    Column("Modifiable factors identified", "modifiable_factors", CHOICE, choices=MODIFIABLE),
    Column("Why there is no NHS number", "nhs_number_absent", CHOICE,
           choices=NHS_NUMBER_ABSENT, notes="Only when the NHS number is empty"),
    Column("Ethnicity", "ethnicity", CHOICE, choices=ETHNICITIES,
           notes="The 2021 census ethnic groups, in the template's words"),
    _date("fatal_event_on", "Date of the fatal event",
          notes="When the child died after an incident: the day it happened, on or before "
          "the date of death"),
    Column("Time of the fatal event", "fatal_event_time", max_length=5, example="14:30",
           check=_validator(TimeOfDay("Enter the time on the 24-hour clock, like 14:30"),
                            str)),
    Column("Place of the fatal event", "fatal_event_place", max_length=200,
           identifying=True),
    Column("Senior practitioner present", "senior_practitioner", max_length=200,
           identifying=True, notes="Name and role"),
    Column("Cause of death 1a", "cause_1a", max_length=500,
           notes="The causes as on the medical certificate of cause of death, when known"),
    Column("Cause of death 1b", "cause_1b", max_length=500),
    Column("Cause of death 1c", "cause_1c", max_length=500),
    Column("Cause of death 2", "cause_2", max_length=500),
    Column("Post-mortem required", "post_mortem_required", CHOICE, choices=EXPECTED),
    Column("Alert to the NCMD", "ncmd_alert", CHOICE, choices=YES_NO,
           notes="Whether there is anything the National Child Mortality Database should be "
           "alerted to straight away"),
    Column("What the NCMD was alerted to", "ncmd_alert_details", max_length=2000,
           identifying=True, multiline=True),
    Column("Carers", "carers", max_length=2000, identifying=True, multiline=True,
           notes="The child's carers at the time of death: name and relationship, one a "
           "line. Kept with the child's details"),
    Column("No post-mortem", "no_post_mortem", CHOICE, choices=NO_POST_MORTEM,
           notes="When no post-mortem will be held, or the coroner has not taken the case: "
           "the third rapid response meeting is then not needed. With its date and who "
           "decided"),
    _date("no_post_mortem_on", "Date no post-mortem was decided"),
    Column("Who decided there would be no post-mortem", "no_post_mortem_decided_by",
           max_length=200, identifying=True, notes="Name and role"),
    _date("inquest_on", "Date of the inquest", notes="May be a date to come"),
    Column("Inquest conclusion", "inquest_conclusion", max_length=TEXT_MAX, multiline=True,
           notes="Once the inquest is held"),
    _date("pfd_report_on", "Date of the prevention of future deaths report",
          notes="A report under regulation 28 of the Coroners (Investigations) Regulations "
          "2013; with what it asked"),
    Column("What the prevention of future deaths report asked", "pfd_report_concerns",
           max_length=TEXT_MAX, multiline=True),
    Column("Key worker's name", "key_worker_name", max_length=200, identifying=True,
           notes="The family's key worker, a professional: with the agency"),
    Column("Key worker's agency", "key_worker_agency", max_length=200),
    _date("family_information_offered_on", "Date information was offered to the family",
          notes="When \u201cWhen a child dies\u201d or equivalent information was offered"),
    Column("Bereavement support offered", "bereavement_support_offered", CHOICE,
           choices=YES_NO_NOT_KNOWN),
    Column("What bereavement support was offered", "bereavement_support_details",
           max_length=TEXT_MAX, multiline=True, notes="Only when it was offered"),
    *(Column(f"Grade: {name[0].lower()}{name[1:]}", f"grade_{domain}", CHOICE,
             choices=GRADES, example="2",
             notes="How much the factors in this domain contributed, graded as the analysis "
             "form grades them: the grade's number or its words") for domain, name in
      DOMAINS.items()),
    Column(_ANALYSIS_TEXTS["modifiable_reason"], "modifiable_reason", max_length=TEXT_MAX,
           multiline=True, notes="Never the child's name, NHS number or postcode"),
    Column(_ANALYSIS_TEXTS["outcome_actions"], "outcome_actions", max_length=TEXT_MAX,
           multiline=True, notes="What should be done, and by whom. Never the child's name, "
           "NHS number or postcode"),
    *(_date(step.sent_on, f"{step.label} sent to the NCMD",
            notes="In order: each on or after the one before it" if index else
            "The date the form went to the National Child Mortality Database")
      for index, step in enumerate(ncmd.STEPS)),
    _date("information_complete_on", "Information complete on",
          notes="The day all the information the review needs was in: on or after the "
          "notification"),
    Column("Given names", "given_names", identifying=True, example="Baby",
           notes="With the family name, or leave both empty"),
    Column("Family name", "family_name", identifying=True, example="Smith"),
    Column("NHS number", "nhs_number", max_length=20, identifying=True, example="9434765919",
           check=_validator(NhsNumber(), nhs_digits)),
    Column("Address", "address", max_length=1000, identifying=True, multiline=True),
    Column("Postcode", "postcode", max_length=10, identifying=True, example="NE1 4ST",
           check=_validator(Postcode(), postcode)),
)


def row_problems(values: dict, today: date) -> dict[str, str]:
    """{column key: message}: the notification form's scope rules and the stages' dates."""
    born = None if values["date_of_birth"] == NOT_KNOWN else values["date_of_birth"]
    problems = scope_problems(date_of_birth=born, date_of_death=values["date_of_death"],
                              received_on=values["notification_received_on"], today=today)
    if "received_on" in problems:
        problems["notification_received_on"] = problems.pop("received_on")
    for key, label in STAGE_DATES.items():
        value = values[key]
        if value is not None and key not in problems:
            if value > today:
                problems[key] = f"{label} must be today or in the past"
            elif values["date_of_death"] is not None and value < values["date_of_death"]:
                problems[key] = f"{label} must be the same as or after the date of death"
    problems.update(_national_problems(values))
    problems.update(import_jar.problems(values))
    problems.update(_later_problems(values, today))
    problems.update(_outcome_problems(values))
    problems.update(_identity_problems(values))
    return problems


def reference_problems(values: dict, partnership) -> dict[str, str]:
    """The reference must not use another partnership's prefix or identify the child."""
    identifies = identifying_check_of(
        f"{values['given_names'] or ''} {values['family_name'] or ''}",
        nhs_digits(values["nhs_number"]) if values["nhs_number"] else None, values["postcode"])
    problem = references.import_problem(values["reference"], SERIES, partnership, identifies)
    return {"reference": problem} if problem else {}


def _national_problems(values):
    """No reason for a missing NHS number beside one; a fatal event on or before death."""
    problems = {}
    if values["nhs_number"] and values["nhs_number_absent"]:
        problems["nhs_number_absent"] = ("Leave why there is no NHS number empty when the "
                                         "NHS number is given")
    event, died = values["fatal_event_on"], values["date_of_death"]
    if event is not None and died is not None and event > died:
        problems["fatal_event_on"] = ("Date of the fatal event must be the same as or before "
                                      "the date of death")
    return problems


def _later_problems(values, today):
    """The rules of the pages that record the rest: no post-mortem, the inquest and family,
    the analysis texts, the NCMD dates and the day the information was complete."""
    died, problems = values["date_of_death"], {}
    if died is None:
        return problems
    checks = (_no_post_mortem_problem, _family_problem, _analysis_problem, _ncmd_problem,
              _information_problem)
    for check in checks:
        found = check(values, died, today)
        if found is not None:
            problems.setdefault(*found)
    return problems


def _no_post_mortem_problem(values, died, today):
    """As cdr.services.post_mortem: the choice with its date and who decided, or none."""
    choice, on, by = (values[key] for key in NO_POST_MORTEM_FIELDS)
    if not choice:
        if on is not None or by:
            return "no_post_mortem", ("Enter why the third rapid response meeting is not "
                                      "needed, or leave the decision's date and who decided "
                                      "empty")
        return None
    if on is None:
        return "no_post_mortem_on", "Enter the date no post-mortem was decided"
    if on > today:
        return "no_post_mortem_on", "Date no post-mortem was decided must be today or in the past"
    if on < died:
        return "no_post_mortem_on", ("Date no post-mortem was decided must be the same as or "
                                     "after the date of death")
    if not by:
        return "no_post_mortem_decided_by", "Enter who decided there would be no post-mortem"
    return None


def _family_problem(values, died, today):
    """cdr.services.family's own checks, about the column they name."""
    try:
        family._check(SimpleNamespace(date_of_death=died),  # noqa: SLF001
                      {key: values[key] for key in family.FIELDS}, today)
    except Refused as refused:
        return refused.field, refused.message
    return None


def _analysis_problem(values, died, today):
    """The analysis form's texts never identify the child (as the form checks)."""
    identifies = identifying_check_of(
        f"{values['given_names'] or ''} {values['family_name'] or ''}",
        nhs_digits(values["nhs_number"]) if values["nhs_number"] else None, values["postcode"])
    for key, called in _ANALYSIS_TEXTS.items():
        if identifies(values[key]):
            return key, f"{called} must not include the child's name, NHS number or postcode"
    return None


def _ncmd_problem(values, died, today):
    """As cdr.services.ncmd.mark_sent: in order, each on or after the one before (the first
    on or after the death), today or before, the analysis only once the review is complete."""
    case = SimpleNamespace(date_of_death=died, **{key: values[key] for key in NCMD_FIELDS})
    for step in ncmd.STEPS:
        sent_on = values[step.sent_on]
        if sent_on is None:
            continue
        label = f"{step.label} sent to the NCMD"
        before = ncmd._previous(step)  # noqa: SLF001
        if before is not None and values[before.sent_on] is None:
            return step.sent_on, (f"Enter the date the {before.label.lower()} was sent to the "
                                  "NCMD first: the NCMD takes the forms in order")
        if step.key == "analysis" and values["review_completed_on"] is None:
            return step.sent_on, ("The analysis form is sent once the CDOP has reviewed the "
                                  f"death: enter {STAGE_DATES['review_completed_on'].lower()}")
        if sent_on > today:
            return step.sent_on, f"{label} must be today or in the past"
        first = ncmd.earliest(case, step)
        if sent_on < first:
            after = (f"the date the {before.label.lower()} was sent" if before is not None
                     and first == values[before.sent_on] else "the date of death")
            return step.sent_on, f"{label} must be the same as or after {after}"
    return None


def _information_problem(values, died, today):
    """As the information complete form: today or before, not before the notification."""
    on, notified = values["information_complete_on"], values["notification_received_on"]
    if on is None:
        return None
    if on > today:
        return "information_complete_on", "Information complete on must be today or in the past"
    if notified is not None and on < notified:
        return "information_complete_on", ("Information complete on must be the same as or "
                                           "after the date the notification was received")
    return None


def _outcome_problems(values):
    problems = {}
    completed, meeting = values["review_completed_on"], values["review_meeting_on"]
    if completed is not None and meeting is not None and completed < meeting:
        problems["review_completed_on"] = (f"{STAGE_DATES['review_completed_on']} must be the "
                                           "same as or after the review meeting")
    if completed is not None:
        for key, words in (("category", "the category of death"),
                           ("modifiable_factors", "whether modifiable factors were identified")):
            if values[key] is None:
                problems[key] = f"Enter {words}: the CDOP panel review was completed"
    return problems


def _identity_problems(values):
    """Names with any identifying detail: cdr_child_identity keeps the details with them."""
    given, family = values["given_names"], values["family_name"]
    others = [values[key] for key in ("nhs_number", "address", "postcode", "carers")]
    if (given and family) or not (given or family or any(others)
                                  or values["date_of_birth"] != NOT_KNOWN):
        return {}
    key, words = ("family_name", "family name") if given else ("given_names", "given names")
    return {key: f"Enter the child's {words} (if the baby was not named, enter Baby): the "
                 "child's other details are kept with the name"}


def duplicate_keys(values: dict) -> list[tuple[str, object]]:
    """What identifies the same death within a file: reference, NHS number, or name with
    date of birth and date of death (as the notification form's duplicate check)."""
    keys = []
    if values["reference"]:
        keys.append(("reference", ("reference", values["reference"].upper())))
    if values["nhs_number"]:
        keys.append(("nhs_number", ("nhs", nhs_digits(values["nhs_number"]))))
    if values["given_names"] and values["family_name"]:
        keys.append(("given_names", ("name", _name(values), values["date_of_birth"],
                                     values["date_of_death"])))
    return keys


def _name(values):
    return search_keys(values["given_names"], values["family_name"])[0]


def existing(rows: list[dict], partnership_ids) -> dict[int, dict[str, str]]:
    """{row index: {column key: message}} for rows whose death is already recorded in the
    user's partnerships (two queries, whatever the number of rows)."""
    clashes: dict[int, dict[str, str]] = {}
    taken = _taken_references({row["reference"].upper() for row in rows if row["reference"]},
                              partnership_ids)
    held = _held_identities(rows, partnership_ids)
    for index, row in enumerate(rows):
        if row["reference"] and row["reference"].upper() in taken:
            clashes.setdefault(index, {})["reference"] = "A case with this reference is " \
                                                         "already recorded"
        match = _match(row, held)
        if match is not None:
            key = "nhs_number" if match[0] else "given_names"
            clashes.setdefault(index, {})[key] = (f"This death is already recorded as case "
                                                  f"{match[1]}")
    return clashes


def _taken_references(wanted, partnership_ids) -> set[str]:
    """Which of the references (in capitals) a case of the user's partnerships holds, as its
    reference or its previous one; another partnership's cases are never looked at."""
    if not wanted:
        return set()
    found = db.session.execute(
        sa.select(ChildDeathCase.reference, ChildDeathCase.previous_reference).where(
            ChildDeathCase.partnership_id.in_(list(partnership_ids)),
            sa.or_(sa.func.upper(ChildDeathCase.reference).in_(wanted),
                   sa.func.upper(ChildDeathCase.previous_reference).in_(wanted))))
    return {reference.upper() for row in found for reference in row if reference} & wanted


def _held_identities(rows, partnership_ids):
    """(NHS number, name, date of birth, date of death, reference) of recorded cases that
    share an NHS number or a name with a row."""
    numbers = {nhs_digits(row["nhs_number"]) for row in rows if row["nhs_number"]}
    names = {_name(row) for row in rows if row["given_names"] and row["family_name"]}
    if not numbers and not names:
        return []
    return db.session.execute(
        sa.select(ChildIdentity.nhs_number, ChildIdentity.name_search,
                  ChildIdentity.date_of_birth, ChildDeathCase.date_of_death,
                  ChildDeathCase.reference)
        .join(ChildDeathCase, ChildDeathCase.id == ChildIdentity.case_id)
        .where(ChildDeathCase.partnership_id.in_(list(partnership_ids)),
               sa.or_(ChildIdentity.nhs_number.in_(numbers),
                      ChildIdentity.name_search.in_(names)))
    ).all()


def _match(row, held):
    """(matched on NHS number?, reference) of the recorded case of this death, or None."""
    number = nhs_digits(row["nhs_number"]) if row["nhs_number"] else None
    name = _name(row) if row["given_names"] and row["family_name"] else None
    born = None if row["date_of_birth"] == NOT_KNOWN else row["date_of_birth"]
    for held_number, held_name, held_born, died, reference in held:
        if number and held_number == number:
            return True, reference
        if name and held_name == name and held_born == born and died == row["date_of_death"]:
            return False, reference
    return None


def build(values: dict, partnership, user, today: date, batch: dict) -> ChildDeathCase:
    """One imported case, not yet flushed: its reference kept, or issued the usual way with
    the one given kept as its previous reference."""
    born = None if values["date_of_birth"] == NOT_KNOWN else values["date_of_birth"]
    died = values["date_of_death"]
    reference, previous = references.kept_or_issued(ChildDeathCase, SERIES, partnership,
                                                    died.year, values["reference"])
    case = ChildDeathCase(
        partnership_id=partnership.id, owner_id=user.id if user is not None else None,
        reference=reference, previous_reference=previous,
        age_uncertain=values["date_of_birth"] == NOT_KNOWN,
        age_at_death_days=age_at_death_days(born, died),
        closed_on=values["review_completed_on"],
        fatal_event_time=parse_time(values["fatal_event_time"])
        if values["fatal_event_time"] else None,
        information_complete=values["information_complete_on"] is not None,
        # Who marked each national form sent: the user who imported it.
        **{step.sent_by: user.id if user is not None and values[step.sent_on] else None
           for step in ncmd.STEPS},
        **{key: values[key] for key in CASE_FIELDS},
    )
    import_jar.apply(case, values)
    return case


def finish(case: ChildDeathCase, values: dict, partnership, today: date) -> None:
    """The child's identifying details, apart, and the timeline line (no flush)."""
    if values["given_names"]:
        db.session.add(ChildIdentity(
            case_id=case.id, partnership_id=partnership.id,
            date_of_birth=None if values["date_of_birth"] == NOT_KNOWN
            else values["date_of_birth"],
            given_names=values["given_names"], family_name=values["family_name"],
            name_search=_name(values), address=values["address"],
            nhs_number=nhs_digits(values["nhs_number"]) if values["nhs_number"] else None,
            postcode=postcode(values["postcode"]) if values["postcode"] else None,
            carers=values["carers"],
        ))
    timeline.add(case, "import", f"Case {case.reference} imported from a spreadsheet",
                 happened_on=today)
    import_jar.finish(case, today)


CHILD_DEATH_IMPORT = ImportSpec(
    name="child-deaths",
    title="Child death cases",
    noun="child death cases",
    permission=Permission.EDIT_CDR_CASES,
    columns=COLUMNS,
    row_problems=row_problems,
    partnership_problems=reference_problems,
    series=SERIES,
    duplicate_keys=duplicate_keys,
    existing=existing,
    build=build,
    finish=finish,
    sheet_title="Child deaths",
    done_endpoint="cdr.cases",
    preview=("reference", "date_of_death", "sex", "place_of_death", "death_expected",
             "notification_received_on", "review_completed_on", "category"),
    description="One row per child's death, with the dates of the stages already reached. "
    "The scope rules of the notification form apply: a person 18 or over at death, and "
    "dates in the future, are refused. Deadlines are worked out from the dates given.",
)
