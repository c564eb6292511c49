"""Child death spreadsheets: the anonymised CDOP panel pack and the case list export.

The panel pack reads the case and panel tables only, never ChildIdentity, so nothing that
identifies a child can reach a panel member's download (tests/cdr/test_anonymity.py listens to
the SQL). The case list export reads the cases the list shows (`lists.filtered_cases`, the same
filters and order), each with its stored deadlines and their status today; the child's
identifying details are joined only when the caller asks for them (and may see them).
Rows are read in chunks of cases, each in its own short transaction
(tracker.short_reads), so a 100,000-case export stays small in memory and never holds the
database while it is written.
"""

import functools
from datetime import date
from typing import NamedTuple

import sqlalchemy as sa
import sqlalchemy.orm as so

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
    REPORTING_FORMS,
    SEXES,
    STAGES,
    YES_NO,
    AgencyRequest,
    ChildDeathCase,
    ChildIdentity,
    PanelItem,
)
from cdr.models.case import NO_POST_MORTEM, YES_NO_NOT_KNOWN
from cdr.services import analysis, lists, ncmd
from cdr.services.panel import age_band
from tracker import deadline_service
from tracker.deadline_models import Deadline
from tracker.excel import DATE, NUMBER, Column, ExportSheet
from tracker.extensions import db
from tracker.models import Partnership, User
from tracker.short_reads import in_short_reads

Case = ChildDeathCase


class _Stored(NamedTuple):
    """The columns of a stored deadline that its status is worked out from."""

    rule_key: str | None
    due_date: date | None
    met_on: date | None
    not_applicable_reason: str | None
    paused_reason: str | None
    extended_to: date | None


_DEADLINE_COLUMNS = _Stored._fields


def _status_reader(today, rules):
    """read(stored, partnership id) -> (due date, met on, status label), blanks when none.

    A rule that does not apply (no Joint Agency Response) or has not started (no starting
    date yet) has no stored deadline, as on the case page. The status comes from the stored
    deadline (deadline_service.status_of), remembered per distinct deadline and partnership:
    an export meets the same few due dates thousands of times, each needing a working-day
    count.
    """

    @functools.lru_cache(maxsize=8192)
    def label(stored, partnership_id):
        return deadline_service.status_of(stored, today, rules.get(partnership_id)).label

    def read(stored, partnership_id):
        if stored.rule_key is None:
            return None, None, None
        return stored.extended_to or stored.due_date, stored.met_on, label(stored, partnership_id)

    return read


# --- The panel pack ------------------------------------------------------------------------

PANEL_PACK_COLUMNS = [
    Column("Order", NUMBER, 8), Column("Reference", width=22), Column("Age at death", width=22),
    Column("Sex", width=14), Column("Category of death", width=40),
    Column("Summary", width=60), Column("Factors identified", width=60),
    Column("Learning", width=60),
]


def panel_pack(meeting) -> ExportSheet:
    """The meeting's agenda in order, anonymised: one row per case (case table only)."""
    statement = (
        sa.select(Case.reference, Case.age_at_death_days, Case.sex, Case.analysis_summary,
                  Case.analysis_learning,
                  *(getattr(Case, column) for column in analysis.PACK_COLUMNS))
        .join(PanelItem, PanelItem.case_id == Case.id)
        # A case since transferred to another partnership leaves this one's agenda.
        .where(PanelItem.meeting_id == meeting.id, Case.partnership_id == meeting.partnership_id)
        .order_by(PanelItem.position, PanelItem.id)
    )
    rows = (
        (order, row.reference, age_band(row.age_at_death_days),
         SEXES.get(row.sex or "", "Not known"),
         analysis.category_text(row), row.analysis_summary,
         analysis.draft_factors_text(row), row.analysis_learning)
        for order, row in enumerate(db.session.execute(statement), start=1)
    )
    return ExportSheet("Panel pack", PANEL_PACK_COLUMNS, rows)


# --- The case list -------------------------------------------------------------------------

# The case's own deadlines, one group of columns each, in the order they fall.
CASE_RULES = {
    "registrar_notification": "Registrar's notification",
    "coroner_notification": "Coroner's notification",
    "rr_meeting_1": "First rapid response meeting",
    "rr_meeting_2": "Second rapid response meeting",
    "rr_meeting_3": "Third rapid response meeting",
}
IDENTITY_COLUMNS = [
    Column("Given names", width=20), Column("Family name", width=20),
    Column("Date of birth", DATE), Column("NHS number", width=12),
    Column("Address", width=40), Column("Postcode", width=10), Column("Carers", width=40),
]
# The rest of the national notification form: what identifies no one, then (with the
# identifying columns only) the free text that may name someone.
NATIONAL_COLUMNS = [
    Column("Why there is no NHS number", width=24), Column("Ethnicity", width=30),
    Column("Date of the fatal event", DATE), Column("Time of the fatal event", width=10),
    Column("Post-mortem required", width=12), Column("Cause of death 1a", width=30),
    Column("Cause of death 1b", width=30), Column("Cause of death 1c", width=30),
    Column("Cause of death 2", width=30), Column("Alert to the NCMD", width=10),
]
NAMED_NATIONAL_COLUMNS = [
    Column("Place of the fatal event", width=30),
    Column("Senior practitioner present", width=30),
    Column("What the NCMD was alerted to", width=40),
]
# The rest of what the case records, headed as the import's columns (cdr/import_columns.py) so an
# export can be read back: no post-mortem, the inquest and the family's support, the
# confirmed analysis's grades and texts, and the dates the national forms went to the NCMD.
LATER_COLUMNS = [
    Column("No post-mortem", width=30), Column("Date no post-mortem was decided", DATE),
    Column("Date of the inquest", DATE),
    Column("Date of the prevention of future deaths report", DATE),
    Column("Key worker's agency", width=30),
    Column("Date information was offered to the family", DATE),
    Column("Bereavement support offered", width=12),
    *(Column(f"Grade: {name[0].lower()}{name[1:]}", width=30) for name in DOMAINS.values()),
    Column("Why modifiable factors were or were not identified", width=40),
    Column("Actions", width=40),
    *(Column(f"{step.label} sent to the NCMD", DATE) for step in ncmd.STEPS),
    # The Joint Agency Response criteria met, headed as the import's (cdr/import_jar.py).
    *(Column(header, width=14) for header in import_jar.CRITERIA_HEADERS.values()),
]
# The professionals' names, and free text about the death and the family that may name
# the child or the family (an inquest's conclusion and a prevention of future deaths report
# name the deceased): with the identifying columns only (as the senior practitioner).
NAMED_LATER_COLUMNS = [
    Column("Who decided there would be no post-mortem", width=30),
    Column("Key worker's name", width=30),
    Column("Inquest conclusion", width=40),
    Column("What the prevention of future deaths report asked", width=40),
    Column("What bereavement support was offered", width=40),
]
_BEFORE = [
    Column("Partnership", width=12), Column("Stage", width=26),
    Column("Date of death", DATE), Column("Notification received", DATE),
    Column("Age at death", width=22), Column("Sex", width=12),
    Column("Place of death", width=14), Column("Death expected", width=15),
    Column("Joint Agency Response required"), Column("Designated doctor", width=24),
    Column("Death registered", DATE), Column("Coroner's decision", DATE),
    Column("Post-mortem results received", DATE),
]
_RULE_COLUMNS = [column for label in CASE_RULES.values() for column in (
    Column(f"{label}: due", DATE, 16), Column(f"{label}: met", DATE, 16),
    Column(f"{label}: status", width=16))]
_AFTER = [
    Column("Information complete"), Column("Information complete on", DATE),
    Column("Review meeting held", DATE),
    Column("Review completed", DATE), Column("Closed", DATE),
    Column("Category of death", width=40), Column("Modifiable factors identified"),
]
REQUEST_COLUMNS = [
    Column("Case reference", width=22), Column("Agency", width=30),
    Column("Reporting form", width=40), Column("Sent", DATE),
    Column("Chased", DATE), Column("Returned", DATE), Column("Due", DATE),
    Column("Status", width=16),
]


def case_columns(with_identity: bool) -> list[Column]:
    """The case sheet's columns; the identifying ones only when asked for."""
    identity = IDENTITY_COLUMNS if with_identity else []
    named = [*NAMED_NATIONAL_COLUMNS, *NAMED_LATER_COLUMNS] if with_identity else []
    return [Column("Reference", width=22), Column("Previous reference", width=22), *identity,
            *_BEFORE, *_RULE_COLUMNS, *_AFTER, *NATIONAL_COLUMNS, *LATER_COLUMNS, *named]


def case_sheets(filters: lists.CaseFilters, partnership_ids, today: date, *,
                with_identity: bool) -> list[ExportSheet]:
    """The cases the list shows (its filters and order), and their agency requests."""
    ids = sorted(partnership_ids)
    rules = deadline_service.load_rules(ids)
    codes = dict(db.session.execute(
        sa.select(Partnership.id, Partnership.code).where(Partnership.id.in_(ids))).all())
    matching = lists.filtered_cases(filters, ids, today)
    return [
        ExportSheet("Cases", case_columns(with_identity),
                    _case_rows(matching, filters, today, rules, codes, with_identity)),
        ExportSheet("Agency requests", REQUEST_COLUMNS,
                    _request_rows(matching, filters, today, rules)),
    ]


def count_cases(filters: lists.CaseFilters, partnership_ids, today: date, limit: int) -> int:
    """How many cases the export would hold, counting no further than `limit` (cheap)."""
    matching = lists.filtered_cases(filters, sorted(partnership_ids), today)
    capped = matching.with_only_columns(Case.id).order_by(None).limit(limit).subquery()
    return db.session.scalar(sa.select(sa.func.count()).select_from(capped))


# The case's own columns the sheet shows (read as plain values, not ORM objects: faster).
_CASE_FIELDS = (
    "reference", "partnership_id", "stage", "date_of_death", "notification_received_on",
    "age_at_death_days", "sex", "place_of_death", "death_expected", "jar_required",
    "death_registered_on", "coroner_decision_on", "post_mortem_results_on",
    "information_complete", "information_complete_on", "review_meeting_on",
    "review_completed_on", "closed_on",
    "category", "modifiable_factors", "previous_reference",
    "nhs_number_absent", "ethnicity", "fatal_event_on", "fatal_event_time",
    "post_mortem_required", "cause_1a", "cause_1b", "cause_1c", "cause_2", "ncmd_alert",
    "fatal_event_place", "senior_practitioner", "ncmd_alert_details",
    "no_post_mortem", "no_post_mortem_on", "inquest_on", "inquest_conclusion", "pfd_report_on",
    "pfd_report_concerns", "key_worker_agency", "family_information_offered_on",
    "bereavement_support_offered", "bereavement_support_details",
    *(f"grade_{domain}" for domain in DOMAINS), "modifiable_reason", "outcome_actions",
    *(step.sent_on for step in ncmd.STEPS),
    "no_post_mortem_decided_by", "key_worker_name", *import_jar.CRITERIA_HEADERS,
)
_IDENTITY_FIELDS = ("given_names", "family_name", "date_of_birth", "nhs_number", "address",
                    "postcode", "carers")


def _case_statement(matching, filters, with_identity):
    """One select: the matching cases in the list's order, each with its own deadlines; and
    the case id it is read by, with the select of the cases' ids in that order."""
    row = so.aliased(Case, matching.subquery("matching"))
    statement = sa.select(*(getattr(row, name) for name in _CASE_FIELDS),
                          User.full_name.label("doctor"))
    statement = statement.outerjoin(User, User.id == row.designated_doctor_id)
    for key in CASE_RULES:
        alias = so.aliased(Deadline, name=f"d_{key}")
        statement = statement.add_columns(
            *(getattr(alias, name).label(f"{key}__{name}") for name in _DEADLINE_COLUMNS))
        statement = statement.outerjoin(alias, sa.and_(
            alias.owner_type == Case.__tablename__, alias.owner_id == row.id,
            alias.rule_key == key, alias.item == ""))
    if with_identity:
        statement = statement.add_columns(
            *(getattr(ChildIdentity, name) for name in _IDENTITY_FIELDS))
        statement = statement.outerjoin(ChildIdentity, ChildIdentity.case_id == row.id)
    sort = filters.sort if filters.sort in lists.SORTS else "date_of_death"
    # The list's own order (reference, stage or date of death, then id).
    order = lists._order(row, sort, filters.descending)  # noqa: SLF001
    return statement.order_by(*order), row.id, sa.select(row.id).order_by(*order)


def _case_rows(matching, filters, today, rules, codes, with_identity):
    """Each case as a row of the case sheet (read in short chunks)."""
    statement, key, keys = _case_statement(matching, filters, with_identity)
    status = _status_reader(today, rules)
    # The statement's columns, in order: the case's, the doctor, each rule's, the identity's.
    width, first_rule = len(_DEADLINE_COLUMNS), len(_CASE_FIELDS) + 1
    groups = [slice(first_rule + n * width, first_rule + (n + 1) * width)
              for n in range(len(CASE_RULES))]
    identity = slice(first_rule + len(CASE_RULES) * width, None)
    for found in in_short_reads(statement, key, keys):
        deadlines = []
        for group in groups:
            deadlines += status(_Stored._make(found[group]), found.partnership_id)
        yield (found.reference, found.previous_reference,
               *(found[identity] if with_identity else ()),
               *_case_values(found, codes, found.doctor), *deadlines, *_outcome_values(found),
               *_national_values(found, with_identity))


def _case_values(case, codes, doctor) -> list:
    """The case's stage, the death and the dates that start its clocks."""
    return [codes.get(case.partnership_id), STAGES.get(case.stage, case.stage),
            case.date_of_death, case.notification_received_on,
            age_band(case.age_at_death_days), SEXES.get(case.sex or "", "Not known"),
            PLACES_OF_DEATH.get(case.place_of_death or "", case.place_of_death),
            EXPECTED.get(case.death_expected or "", case.death_expected),
            case.jar_required, doctor, case.death_registered_on, case.coroner_decision_on,
            case.post_mortem_results_on]


def _outcome_values(case) -> list:
    """The review meeting and the panel's outcome."""
    return [case.information_complete, case.information_complete_on, case.review_meeting_on,
            case.review_completed_on, case.closed_on, CATEGORIES.get(case.category or ""),
            MODIFIABLE.get(case.modifiable_factors or "")]


def _national_values(case, with_identity) -> list:
    """The rest of the national notification form; what may name someone only with the
    identifying columns."""
    values = [NHS_NUMBER_ABSENT.get(case.nhs_number_absent or ""),
              ETHNICITIES.get(case.ethnicity or ""), case.fatal_event_on,
              case.fatal_event_time.strftime("%H:%M") if case.fatal_event_time else None,
              EXPECTED.get(case.post_mortem_required or ""), case.cause_1a, case.cause_1b,
              case.cause_1c, case.cause_2, YES_NO.get(case.ncmd_alert or "")]
    values += _later_values(case)
    if with_identity:
        values += [case.fatal_event_place, case.senior_practitioner, case.ncmd_alert_details,
                   case.no_post_mortem_decided_by, case.key_worker_name,
                   case.inquest_conclusion, case.pfd_report_concerns,
                   case.bereavement_support_details]
    return values


def _later_values(case) -> list:
    """LATER_COLUMNS' values: coded answers in their words."""
    return [NO_POST_MORTEM.get(case.no_post_mortem or ""), case.no_post_mortem_on,
            case.inquest_on, case.pfd_report_on, case.key_worker_agency,
            case.family_information_offered_on,
            YES_NO_NOT_KNOWN.get(case.bereavement_support_offered or ""),
            *(GRADES.get(getattr(case, f"grade_{domain}") or "") for domain in DOMAINS),
            case.modifiable_reason, case.outcome_actions,
            *(getattr(case, step.sent_on) for step in ncmd.STEPS),
            *import_jar.export_values(case)]


def _request_rows(matching, filters, today, rules):
    """Each agency request of the matching cases, with its own deadline's due date and status."""
    cases = matching.with_only_columns(Case.id).subquery("matching_ids")
    statement = (
        sa.select(Case.reference, Case.partnership_id, AgencyRequest.agency,
                  AgencyRequest.reporting_form, AgencyRequest.sent_on,
                  AgencyRequest.chased_on, AgencyRequest.returned_on,
                  *(getattr(Deadline, name) for name in _DEADLINE_COLUMNS))
        .join(Case, Case.id == AgencyRequest.case_id)
        .join(cases, cases.c.id == AgencyRequest.case_id)
        .outerjoin(Deadline, sa.and_(
            Deadline.owner_type == AgencyRequest.__tablename__,
            Deadline.owner_id == AgencyRequest.id,
            Deadline.rule_key == "agency_information_request", Deadline.item == ""))
        .order_by(Case.reference, AgencyRequest.sent_on, AgencyRequest.id)
    )
    keys = (sa.select(Case.id).join(cases, cases.c.id == Case.id)
            .order_by(Case.reference, Case.id))
    status = _status_reader(today, rules)
    for found in in_short_reads(statement, AgencyRequest.case_id, keys):
        due, _, label = status(_Stored._make(found[7:]), found.partnership_id)
        yield (found.reference, found.agency,
               REPORTING_FORMS.get(found.reporting_form, found.reporting_form),
               found.sent_on, found.chased_on, found.returned_on, due, label)
