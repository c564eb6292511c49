"""The NCMD export: a case's (or a period's) data laid out as the national child death forms.

One sheet per form (notification, reporting, analysis), one column per field in the form's
order, and a data dictionary sheet saying of each column its form, its allowed values and
where the tracker holds it, so a CDOP can key or upload it to the NCMD portal field by field.

Everything comes from one declarative list, `FIELDS`: (form, field, label, allowed values,
where held, getter, identifying). A field the tracker learns to hold is one more line there
(in the form's order); nothing else changes. A getter reads a row of `_case_statement` (the
case's columns by name, the identity's too when asked for) or, on the reporting form sheet,
a row of `_request_statement`. Identifying fields (the child's name, date of birth, NHS
number, address and postcode: cdr_identity) are left out, column and dictionary line, unless
the export is made with them for a user who may see them; the identity table is then not
even read. Rows are read in short chunks (tracker.short_reads), as the case list export's.
"""

from collections.abc import Callable
from typing import NamedTuple

import sqlalchemy as sa

from cdr.models import (
    CATEGORIES,
    DOMAINS,
    ETHNICITIES,
    EXPECTED,
    GRADES,
    JAR_CRITERIA,
    MODIFIABLE,
    NHS_NUMBER_ABSENT,
    PLACES_OF_DEATH,
    REPORTING_FORMS,
    SEXES,
    AgencyRequest,
    ChildDeathCase,
    ChildIdentity,
)
from cdr.models.case import YES_NO_NOT_KNOWN
from cdr.services.panel import age_band
from tracker.excel import DATE, Column, ExportSheet
from tracker.extensions import db
from tracker.short_reads import in_short_reads

Case = ChildDeathCase

NOTIFICATION, REPORTING, ANALYSIS = "Notification form", "Reporting form", "Analysis form"
# The sheets, in the order of the national forms.
FORMS = (NOTIFICATION, REPORTING, ANALYSIS)


class NcmdField(NamedTuple):
    """One field of a national form as the export writes it."""

    form: str
    # The field's key (stable, for the lead and for tests), and its column header.
    field: str
    label: str
    # What the NCMD form allows, as the data dictionary says it ("Date", "Yes, No", ...).
    allowed: str
    # Where the tracker holds it (table.column, or how it is worked out).
    held: str
    get: Callable
    kind: str = "text"
    identifying: bool = False


def _choices(labels: dict) -> str:
    """A coded column's labels, as the dictionary lists allowed values."""
    return "; ".join(labels.values())


def _label(labels: dict, name: str, blank=None) -> Callable:
    """A getter giving the label of a coded column (the code itself if unknown)."""
    return lambda row: labels.get(getattr(row, name) or "", getattr(row, name) or blank)


def _column(name: str) -> Callable:
    """A getter of a column as stored."""
    return lambda row: getattr(row, name)


def _time(row):
    return row.time_of_death.strftime("%H:%M") if row.time_of_death else None


def _place(row):
    return PLACES_OF_DEATH.get(row.place_of_death or "", row.place_of_death)


def _event_time(row):
    return row.fatal_event_time.strftime("%H:%M") if row.fatal_event_time else None


def _alert(row):
    return {"yes": "Yes", "no": "No"}.get(row.ncmd_alert or "")


def _alert_details(row):
    return row.ncmd_alert_details if row.ncmd_alert == "yes" else None


def _criteria(row):
    return "; ".join(text for name, text in JAR_CRITERIA.items() if getattr(row, name)) or None


YES_NO = "Yes; No"
DATE_VALUES = "Date"
TEXT_VALUES = "Free text"
_REFERENCE = ("reference", "Case reference", "The CDOP's case reference",
              "cdr_case.reference")

# The national forms' fields the tracker holds today, each form's in its order. Add a field
# here (in its form's order) and the sheet, the column and the dictionary follow.
FIELDS: list[NcmdField] = [
    # --- Notification form ---
    NcmdField(NOTIFICATION, *_REFERENCE[:2], _REFERENCE[2], _REFERENCE[3],
              _column("reference")),
    NcmdField(NOTIFICATION, "nhs_number", "NHS number", "10 digits",
              "cdr_identity.nhs_number", _column("nhs_number"), identifying=True),
    NcmdField(NOTIFICATION, "nhs_number_absent", "Reason there is no NHS number",
              _choices(NHS_NUMBER_ABSENT), "cdr_case.nhs_number_absent",
              _label(NHS_NUMBER_ABSENT, "nhs_number_absent")),
    NcmdField(NOTIFICATION, "family_name", "Family name", TEXT_VALUES,
              "cdr_identity.family_name", _column("family_name"), identifying=True),
    NcmdField(NOTIFICATION, "given_names", "Given names", TEXT_VALUES,
              "cdr_identity.given_names", _column("given_names"), identifying=True),
    NcmdField(NOTIFICATION, "date_of_birth", "Date of birth", DATE_VALUES,
              "cdr_identity.date_of_birth", _column("date_of_birth"), DATE, identifying=True),
    NcmdField(NOTIFICATION, "age_at_death", "Age at death", "Age band",
              "Worked out from cdr_case.age_at_death_days",
              lambda row: age_band(row.age_at_death_days)),
    NcmdField(NOTIFICATION, "sex", "Sex", _choices(SEXES), "cdr_case.sex",
              _label(SEXES, "sex", "Not known")),
    NcmdField(NOTIFICATION, "address", "Home address", TEXT_VALUES, "cdr_identity.address",
              _column("address"), identifying=True),
    NcmdField(NOTIFICATION, "postcode", "Postcode", "UK postcode", "cdr_identity.postcode",
              _column("postcode"), identifying=True),
    NcmdField(NOTIFICATION, "ethnicity", "Ethnicity", _choices(ETHNICITIES),
              "cdr_case.ethnicity", _label(ETHNICITIES, "ethnicity")),
    # The answer goes in every export; what the alert is about is free text that may name
    # someone, so it goes only with the identifying columns.
    NcmdField(NOTIFICATION, "ncmd_alert", "Alert", YES_NO, "cdr_case.ncmd_alert", _alert),
    NcmdField(NOTIFICATION, "ncmd_alert_details", "Alert: the details", TEXT_VALUES,
              "cdr_case.ncmd_alert_details", _alert_details, identifying=True),
    NcmdField(NOTIFICATION, "la_of_residence", "Local authority of residence", TEXT_VALUES,
              "cdr_case.la_of_residence", _column("la_of_residence")),
    NcmdField(NOTIFICATION, "date_of_death", "Date of death", DATE_VALUES,
              "cdr_case.date_of_death", _column("date_of_death"), DATE),
    NcmdField(NOTIFICATION, "time_of_death", "Time of death", "Time (hh:mm)",
              "cdr_case.time_of_death", _time),
    NcmdField(NOTIFICATION, "place_of_death", "Place of death or of the fatal event",
              _choices(PLACES_OF_DEATH),
              "cdr_case.place_of_death", _place),
    # Typed by the notifier: it may be an address, so only with the identifying columns.
    NcmdField(NOTIFICATION, "place_of_death_other", "Place of death or of the fatal event: "
              "where (when other)", TEXT_VALUES, "cdr_case.place_of_death_other",
              _column("place_of_death_other"), identifying=True),
    NcmdField(NOTIFICATION, "la_of_death", "Local authority where the child died",
              TEXT_VALUES, "cdr_case.la_of_death", _column("la_of_death")),
    NcmdField(NOTIFICATION, "fatal_event_on", "Date of the fatal event", DATE_VALUES,
              "cdr_case.fatal_event_on", _column("fatal_event_on"), DATE),
    NcmdField(NOTIFICATION, "fatal_event_time", "Time of the fatal event", "Time (hh:mm)",
              "cdr_case.fatal_event_time", _event_time),
    NcmdField(NOTIFICATION, "fatal_event_place", "Place of the fatal event", TEXT_VALUES,
              "cdr_case.fatal_event_place", _column("fatal_event_place"), identifying=True),
    NcmdField(NOTIFICATION, "death_expected", "Was the death expected?", _choices(EXPECTED),
              "cdr_case.death_expected", _label(EXPECTED, "death_expected")),
    NcmdField(NOTIFICATION, "senior_practitioner", "Senior practitioner present",
              TEXT_VALUES, "cdr_case.senior_practitioner", _column("senior_practitioner"),
              identifying=True),
    NcmdField(NOTIFICATION, "cause_1a", "Cause of death 1a", TEXT_VALUES,
              "cdr_case.cause_1a", _column("cause_1a")),
    NcmdField(NOTIFICATION, "cause_1b", "Cause of death 1b", TEXT_VALUES,
              "cdr_case.cause_1b", _column("cause_1b")),
    NcmdField(NOTIFICATION, "cause_1c", "Cause of death 1c", TEXT_VALUES,
              "cdr_case.cause_1c", _column("cause_1c")),
    NcmdField(NOTIFICATION, "cause_2", "Cause of death 2", TEXT_VALUES,
              "cdr_case.cause_2", _column("cause_2")),
    NcmdField(NOTIFICATION, "post_mortem", "Is a post-mortem required?",
              _choices(YES_NO_NOT_KNOWN), "cdr_case.post_mortem_required",
              _label(YES_NO_NOT_KNOWN, "post_mortem_required")),
    NcmdField(NOTIFICATION, "coroner", "Coroner investigating", YES_NO,
              "cdr_case.coroner_investigating", _column("coroner_investigating")),
    NcmdField(NOTIFICATION, "carers", "Carers", TEXT_VALUES, "cdr_identity.carers",
              _column("carers"), identifying=True),
    NcmdField(NOTIFICATION, "looked_after", "Child looked after", YES_NO,
              "cdr_case.looked_after", _column("looked_after")),
    NcmdField(NOTIFICATION, "child_protection_plan", "Child on a child protection plan",
              YES_NO, "cdr_case.child_protection_plan", _column("child_protection_plan")),
    NcmdField(NOTIFICATION, "known_to_social_care", "Known to children's social care",
              YES_NO, "cdr_case.known_to_social_care", _column("known_to_social_care")),
    NcmdField(NOTIFICATION, "jar_required", "Joint Agency Response required", YES_NO,
              "cdr_case.jar_required", _column("jar_required")),
    NcmdField(NOTIFICATION, "jar_criteria", "Joint Agency Response criteria met",
              _choices(JAR_CRITERIA), "cdr_case.jar_* (one column each)", _criteria),
    NcmdField(NOTIFICATION, "notification_received", "Date notification received",
              DATE_VALUES, "cdr_case.notification_received_on",
              _column("notification_received_on"), DATE),
    NcmdField(NOTIFICATION, "ncmd_notification_sent", "Sent to the NCMD", DATE_VALUES,
              "cdr_case.ncmd_notification_sent_on", _column("ncmd_notification_sent_on"),
              DATE),
    # --- Reporting form: one row per agency asked ---
    NcmdField(REPORTING, *_REFERENCE[:2], _REFERENCE[2], _REFERENCE[3], _column("reference")),
    NcmdField(REPORTING, "agency", "Agency", TEXT_VALUES, "cdr_agency_request.agency",
              _column("agency")),
    NcmdField(REPORTING, "reporting_form", "Form", _choices(REPORTING_FORMS),
              "cdr_agency_request.reporting_form", _label(REPORTING_FORMS, "reporting_form")),
    NcmdField(REPORTING, "requested", "Reporting form requested", DATE_VALUES,
              "cdr_agency_request.sent_on", _column("sent_on"), DATE),
    NcmdField(REPORTING, "returned", "Reporting form returned", DATE_VALUES,
              "cdr_agency_request.returned_on", _column("returned_on"), DATE),
    NcmdField(REPORTING, "bereavement_support", "Was bereavement support offered to the "
              "family?", _choices(YES_NO_NOT_KNOWN), "cdr_case.bereavement_support_offered",
              _label(YES_NO_NOT_KNOWN, "bereavement_support_offered")),
    NcmdField(REPORTING, "bereavement_support_details", "Bereavement support offered",
              TEXT_VALUES, "cdr_case.bereavement_support_details",
              _column("bereavement_support_details"), identifying=True),
    NcmdField(REPORTING, "ncmd_reporting_sent", "Sent to the NCMD", DATE_VALUES,
              "cdr_case.ncmd_reporting_sent_on", _column("ncmd_reporting_sent_on"), DATE),
    # --- Analysis form ---
    NcmdField(ANALYSIS, *_REFERENCE[:2], _REFERENCE[2], _REFERENCE[3], _column("reference")),
    NcmdField(ANALYSIS, "review_meeting", "Child death review meeting", DATE_VALUES,
              "cdr_case.review_meeting_on", _column("review_meeting_on"), DATE),
    NcmdField(ANALYSIS, "review_completed", "CDOP review completed", DATE_VALUES,
              "cdr_case.review_completed_on", _column("review_completed_on"), DATE),
    NcmdField(ANALYSIS, "category", "Category of death", _choices(CATEGORIES),
              "cdr_case.category", _label(CATEGORIES, "category")),
    NcmdField(ANALYSIS, "factors_child", "Factors: the child", TEXT_VALUES,
              "cdr_case.factors_child", _column("factors_child")),
    NcmdField(ANALYSIS, "grade_child", "Grade: " + DOMAINS["child"].lower(),
              _choices(GRADES), "cdr_case.grade_child", _label(GRADES, "grade_child")),
    NcmdField(ANALYSIS, "factors_social", "Factors: the social environment", TEXT_VALUES,
              "cdr_case.factors_social", _column("factors_social")),
    NcmdField(ANALYSIS, "grade_social", "Grade: " + DOMAINS["social"].lower(),
              _choices(GRADES), "cdr_case.grade_social", _label(GRADES, "grade_social")),
    NcmdField(ANALYSIS, "factors_physical", "Factors: the physical environment",
              TEXT_VALUES, "cdr_case.factors_physical", _column("factors_physical")),
    NcmdField(ANALYSIS, "grade_physical", "Grade: " + DOMAINS["physical"].lower(),
              _choices(GRADES), "cdr_case.grade_physical", _label(GRADES, "grade_physical")),
    NcmdField(ANALYSIS, "factors_service", "Factors: service provision", TEXT_VALUES,
              "cdr_case.factors_service", _column("factors_service")),
    NcmdField(ANALYSIS, "grade_service", "Grade: " + DOMAINS["service"].lower(),
              _choices(GRADES), "cdr_case.grade_service", _label(GRADES, "grade_service")),
    NcmdField(ANALYSIS, "modifiable_factors", "Modifiable factors identified",
              _choices(MODIFIABLE), "cdr_case.modifiable_factors",
              _label(MODIFIABLE, "modifiable_factors")),
    NcmdField(ANALYSIS, "modifiable_reason", "Modifiable factors: the reason", TEXT_VALUES,
              "cdr_case.modifiable_reason", _column("modifiable_reason")),
    NcmdField(ANALYSIS, "learning", "Learning", TEXT_VALUES, "cdr_case.learning_points",
              _column("learning_points")),
    NcmdField(ANALYSIS, "actions", "Actions", TEXT_VALUES, "cdr_case.outcome_actions",
              _column("outcome_actions")),
    NcmdField(ANALYSIS, "ncmd_analysis_sent", "Sent to the NCMD", DATE_VALUES,
              "cdr_case.ncmd_analysis_sent_on", _column("ncmd_analysis_sent_on"), DATE),
]

DICTIONARY = "Data dictionary"
DICTIONARY_COLUMNS = [Column("Field", width=36), Column("Form", width=20),
                      Column("Allowed values", width=60), Column("Where the tracker holds it",
                                                                 width=50)]
_IDENTITY_COLUMNS = ("given_names", "family_name", "date_of_birth", "nhs_number", "address",
                     "postcode", "carers")
_REQUEST_COLUMNS = ("agency", "reporting_form", "sent_on", "returned_on")


def fields(form: str, with_identity: bool) -> list[NcmdField]:
    """A form's fields in order, the identifying ones only when asked for."""
    return [each for each in FIELDS
            if each.form == form and (with_identity or not each.identifying)]


def _case_columns():
    """The case's columns every getter may read (all of them: a new field needs no edit)."""
    return [column for column in Case.__table__.columns]


def matching_cases(partnership_ids, *, case_id=None, notified_from=None, notified_to=None):
    """The ids of the cases to export, oldest notified first, as a select."""
    statement = sa.select(Case.id).where(Case.partnership_id.in_(sorted(partnership_ids)))
    if case_id is not None:
        statement = statement.where(Case.id == case_id)
    if notified_from is not None:
        statement = statement.where(Case.notification_received_on >= notified_from,
                                    Case.notification_received_on <= notified_to)
    return statement.order_by(Case.notification_received_on, Case.id)


def _case_statement(with_identity):
    """Each case's columns (and identity's); in_short_reads narrows it to a chunk of ids."""
    statement = sa.select(*_case_columns())
    if with_identity:
        statement = statement.add_columns(
            *(getattr(ChildIdentity, name) for name in _IDENTITY_COLUMNS))
        statement = statement.outerjoin(ChildIdentity, ChildIdentity.case_id == Case.id)
    return statement.order_by(Case.notification_received_on, Case.id)


def _request_statement():
    """Each agency request with its case's columns, a case's requests in the order sent."""
    return (
        sa.select(*_case_columns(), *(getattr(AgencyRequest, name) for name in _REQUEST_COLUMNS))
        .join(AgencyRequest, AgencyRequest.case_id == Case.id)
        .order_by(Case.notification_received_on, Case.id, AgencyRequest.sent_on,
                  AgencyRequest.id)
    )


def _rows(statement, keys, chosen):
    """Each row read as the chosen fields' getters give it (in short chunks of cases)."""
    for row in in_short_reads(statement, Case.id, keys):
        yield [each.get(row) for each in chosen]


def _sheet(form, statement, keys, with_identity) -> ExportSheet:
    """A form's sheet: its fields as columns, headed by their labels."""
    chosen = fields(form, with_identity)
    columns = [Column(each.label, each.kind, max(len(each.label) + 3, 14)) for each in chosen]
    return ExportSheet(form, columns, _rows(statement, keys, chosen))


def sheets(keys: sa.Select, *, with_identity: bool) -> list[ExportSheet]:
    """The three form sheets of the cases `keys` selects, and the data dictionary."""
    cases = _case_statement(with_identity)
    dictionary = [(each.label, each.form, each.allowed, each.held)
                  for form in FORMS for each in fields(form, with_identity)]
    return [
        _sheet(NOTIFICATION, cases, keys, with_identity),
        _sheet(REPORTING, _request_statement(), keys, with_identity),
        _sheet(ANALYSIS, cases, keys, with_identity),
        ExportSheet(DICTIONARY, DICTIONARY_COLUMNS, dictionary),
    ]


def count(keys: sa.Select, limit: int) -> int:
    """How many cases the export holds, counting no further than `limit`."""
    capped = keys.order_by(None).limit(limit).subquery()
    return db.session.scalar(sa.select(sa.func.count()).select_from(capped))

