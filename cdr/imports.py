"""The spreadsheet import of existing child death cases, registered with the shell.

The scope rules are the notification form's (cdr.services.notifications.scope_problems), the
NHS number and postcode are checked by the form's own validators, and a new case gets its
reference the usual way (tracker.references): a reference given in the file is kept when it
is of the partnership's own form, else kept as the case's previous reference beside a new
one. The child's identifying details go into cdr_child_identity only.

The columns are in cdr.import_columns, the checks of a row in cdr.import_checks; this module
writes a checked row as a case.
"""

from datetime import date

from cdr import import_jar
from cdr.import_checks import (
    duplicate_keys,
    existing,
    reference_problems,
    row_problems,
    search_name,
)
from cdr.import_columns import CASE_FIELDS, COLUMNS, NOT_KNOWN
from cdr.models import ChildDeathCase
from cdr.models.identity import ChildIdentity
from cdr.services import ncmd, timeline
from cdr.services.notifications import SERIES, age_at_death_days
from forms.cdr.validators import nhs_digits, parse_time, postcode
from tracker import references
from tracker.extensions import db
from tracker.imports.spec import ImportSpec
from tracker.roles import Permission


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
            name_search=search_name(values), address=values["address"],
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
