"""The columns of the child death spreadsheet import (cdr.imports): what each column holds, its
label, example and notes, and the case columns an imported row fills."""

from types import SimpleNamespace

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
)
from cdr.models.case import NO_POST_MORTEM, YES_NO_NOT_KNOWN
from cdr.services import family, ncmd
from forms.cdr.validators import NhsNumber, Postcode, TimeOfDay, nhs_digits, postcode
from tracker import references
from tracker.imports.spec import CHOICE, DATE, Column

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
ANALYSIS_TEXTS = {"modifiable_reason": "Why modifiable factors were or were not identified",
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
    Column(ANALYSIS_TEXTS["modifiable_reason"], "modifiable_reason", max_length=TEXT_MAX,
           multiline=True, notes="Never the child's name, NHS number or postcode"),
    Column(ANALYSIS_TEXTS["outcome_actions"], "outcome_actions", max_length=TEXT_MAX,
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
