"""The checks of a child death import row (cdr.imports): the notification form's scope rules,
the stages' dates, the later forms' answers, the reference, duplicates within the file and
deaths already recorded."""

from datetime import date
from types import SimpleNamespace

import sqlalchemy as sa

from cdr import import_jar
from cdr.import_columns import (
    ANALYSIS_TEXTS,
    NCMD_FIELDS,
    NO_POST_MORTEM_FIELDS,
    NOT_KNOWN,
    STAGE_DATES,
)
from cdr.models import ChildDeathCase
from cdr.models.identity import ChildIdentity, search_keys
from cdr.services import family, ncmd
from cdr.services.meetings import Refused
from cdr.services.notifications import SERIES, scope_problems
from cdr.services.requests import identifying_check_of
from forms.cdr.validators import nhs_digits
from tracker import references
from tracker.extensions import db


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
    for key, called in ANALYSIS_TEXTS.items():
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
        keys.append(("given_names", ("name", search_name(values), values["date_of_birth"],
                                     values["date_of_death"])))
    return keys


def search_name(values):
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
    names = {search_name(row) for row in rows if row["given_names"] and row["family_name"]}
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
    name = search_name(row) if row["given_names"] and row["family_name"] else None
    born = None if row["date_of_birth"] == NOT_KNOWN else row["date_of_birth"]
    for held_number, held_name, held_born, died, reference in held:
        if number and held_number == number:
            return True, reference
        if name and held_name == name and held_born == born and died == row["date_of_death"]:
            return False, reference
    return None
