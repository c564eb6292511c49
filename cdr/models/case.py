"""The child death case: the death, the flags that decide its path, and its review.

Nothing here identifies the child: name, date of birth, NHS number, address and postcode are
in cdr.models.identity. The anonymised panel pages read only this table (and panel items).
"""

from datetime import date, time

import sqlalchemy as sa
import sqlalchemy.orm as so

from cdr import case_due  # noqa: F401 (its triggers are made with the tables)
from tracker.audit import Audited
from tracker.case_records import CaseRecord
from tracker.extensions import db

SEXES = {"female": "Female", "male": "Male", "indeterminate": "Indeterminate",
         "not_known": "Not known"}
PLACES_OF_DEATH = {"hospital": "Hospital", "home": "Home", "other": "Other"}
# Who told the CDOP (the national notification form's sources).
NOTIFIER_SOURCES = {"practitioner": "Practitioner", "registrar": "Registrar",
                    "coroner": "Coroner", "other": "Other"}
EXPECTED = {"yes": "Yes", "no": "No", "not_known": "Not known"}
MODIFIABLE = {"yes": "Yes", "no": "No",
              "insufficient": "Insufficient information"}
# Why the notification has no NHS number (the NCMD notification form, April 2022:
# ncmd.info/guidance/form-updates-2022).
NHS_NUMBER_ABSENT = {"non_resident": "Child non-resident in England",
                     "not_available": "NHS number not currently available"}
# The ethnic groups of the 2021 census of England and Wales (the 19 categories, ONS TS021).
ETHNICITIES = {
    "asian_bangladeshi": "Asian, Asian British or Asian Welsh: Bangladeshi",
    "asian_chinese": "Asian, Asian British or Asian Welsh: Chinese",
    "asian_indian": "Asian, Asian British or Asian Welsh: Indian",
    "asian_pakistani": "Asian, Asian British or Asian Welsh: Pakistani",
    "asian_other": "Asian, Asian British or Asian Welsh: Other Asian",
    "black_african": "Black, Black British, Black Welsh, Caribbean or African: African",
    "black_caribbean": "Black, Black British, Black Welsh, Caribbean or African: Caribbean",
    "black_other": "Black, Black British, Black Welsh, Caribbean or African: Other Black",
    "mixed_white_asian": "Mixed or Multiple ethnic groups: White and Asian",
    "mixed_white_black_african": "Mixed or Multiple ethnic groups: White and Black African",
    "mixed_white_black_caribbean": "Mixed or Multiple ethnic groups: White and Black "
    "Caribbean",
    "mixed_other": "Mixed or Multiple ethnic groups: Other Mixed or Multiple ethnic groups",
    "white_british": "White: English, Welsh, Scottish, Northern Irish or British",
    "white_irish": "White: Irish",
    "white_gypsy_traveller": "White: Gypsy or Irish Traveller",
    "white_roma": "White: Roma",
    "white_other": "White: Other White",
    "other_arab": "Other ethnic group: Arab",
    "other_any": "Other ethnic group: Any other ethnic group",
    "not_stated": "Not stated",
    "not_known": "Not known",
}
YES_NO = {"yes": "Yes", "no": "No"}
# A case with a national form still to send to the NCMD (cdr/services/ncmd.py): its
# analysis form not sent, and not marked as sent before the tracker.
NCMD_NOT_SENT = "ncmd_analysis_sent_on IS NULL AND ncmd_before_tracker_on IS NULL"

# The four domains of the national child death analysis form (GUIDANCE-2023.md, "The national
# child death forms": the child; the social environment; the physical environment; service
# provision), by the suffix of their columns (factors_<domain>, grade_<domain>).
DOMAINS = {
    "child": "The child",
    "social": "The social environment",
    "physical": "The physical environment",
    "service": "Service provision",
}
# How the analysis form grades the factors of each domain. UNCONFIRMED against the national
# (NCMD, 2019) analysis form itself: the wording is as the session's brief gives it. The
# pre-2019 "Form C - Analysis Proforma" (copy read at docsbay.net, "this-proforma-is-used-by-
# the-child-death-overview-panel-cdop-to") graded each domain 0-3: "0-Information not
# available; 1-No factors identified; 1*-Factors identified but are unlikely to have
# contributed to the death; 2-Factors identified that may have contributed to vulnerability,
# ill-health or death; 3-Factors identified that provide a complete and sufficient
# explanation for the death". The brief's scale, below, folds that 1* into 1 and has no 3.
GRADES = {
    "0": "0: Information not available",
    "1": "1: No factors identified, or factors identified but unlikely to have contributed "
    "to the death",
    "2": "2: Factors identified that may have contributed to the vulnerability, ill-health "
    "or death",
}

# Working Together 2018 chapter 5 paragraph 21 ([003] L1644–1653), DOMAIN.md 2C: any one
# makes a Joint Agency Response required. (column, what the checkbox says)
JAR_CRITERIA = {
    "jar_external_causes": "The death is or could be due to external causes",
    "jar_sudden_unexplained": "The death is sudden and there is no immediately apparent cause "
    "(including sudden unexpected death in infancy or childhood)",
    "jar_custody_or_detained": "The death occurred in custody, or where the child was "
    "detained under the Mental Health Act",
    "jar_suspicious": "The initial circumstances raise any suspicion that the death may not "
    "have been natural",
    "jar_unattended_stillbirth": "A stillbirth where no healthcare professional was in "
    "attendance",
}

# Why the third rapid response meeting (after all post-mortem results) is not needed.
NO_POST_MORTEM = {"not_held": "No post-mortem will be held",
                  "coroner_declined": "The coroner has not taken the case"}
YES_NO_NOT_KNOWN = {"yes": "Yes", "no": "No", "not_known": "Not known"}

# The ten categories of the national child death analysis form.
CATEGORIES = {
    "deliberate": "Deliberately inflicted injury, abuse or neglect",
    "suicide": "Suicide or deliberate self-inflicted harm",
    "trauma": "Trauma and other external factors, including medical or surgical "
    "complications or error",
    "malignancy": "Malignancy",
    "acute": "Acute medical or surgical condition",
    "chronic": "Chronic medical condition",
    "congenital": "Chromosomal, genetic and congenital anomalies",
    "perinatal": "Perinatal or neonatal event",
    "infection": "Infection",
    "sudden_unexplained": "Sudden unexpected, unexplained death",
}



def _analysis_columns(prefix: str, **named) -> dict[str, str]:
    """An analysis's items (category, factors_<domain>, grade_<domain>, modifiable,
    modifiable_reason, learning, actions) and the cdr_case columns holding them."""
    return {"category": f"{prefix}category",
            **{f"factors_{d}": f"{prefix}factors_{d}" for d in DOMAINS},
            **{f"grade_{d}": f"{prefix}grade_{d}" for d in DOMAINS}, **named}


# The draft the child death review meeting proposes, and the analysis the CDOP meeting
# confirms (the annual report counts only the confirmed category and modifiable factors).
DRAFT_ANALYSIS = _analysis_columns(
    "draft_", modifiable="draft_modifiable", modifiable_reason="draft_modifiable_reason",
    learning="analysis_learning", actions="draft_actions")
CONFIRMED_ANALYSIS = _analysis_columns(
    "", modifiable="modifiable_factors", modifiable_reason="modifiable_reason",
    learning="learning_points", actions="outcome_actions")

# Stages in order: the case list filters on them, the task list shows them.
STAGES = {
    "notified": "Notified",
    "rapid_response": "Joint Agency Response",
    "information": "Gathering information",
    "review_meeting": "Child death review meeting",
    "panel": "Ready for CDOP panel",
    "closed": "Closed",
}


class ChildDeathCase(CaseRecord, Audited, db.Model):
    """One child's death, reviewed by one partnership (where the child normally lived)."""

    __tablename__ = "cdr_case"
    # --- Case list (cdr/services/lists.py): its default and reference sorts, per partnership,
    # read in order off these instead of sorting every case of the partnership.
    __table_args__ = (
        sa.Index("ix_cdr_case_partnership_died", "partnership_id", "date_of_death", "id",
                 "overdue_from"),
        sa.Index("ix_cdr_case_partnership_reference", "partnership_id", "reference"),
        # The home page's open cases by stage (cdr.services.home): counted from the index
        # alone, up to its cap (closed_on, always NULL here, is held for SQLite's sake: it
        # counts an index as covering only when it holds every column the query names).
        sa.Index("ix_cdr_case_partnership_stage", "partnership_id", "stage", "closed_on",
                 postgresql_where=sa.text("closed_on IS NULL"),
                 sqlite_where=sa.text("closed_on IS NULL")),
        # The JAR filter, alone or with overdue: a partnership's JAR cases (or not) by date of
        # death, matched against the overdue cases from this index without reading each case.
        # (overdue_from, kept by cdr.case_due, is held so the overdue filter reads no case.)
        sa.Index("ix_cdr_case_partnership_jar", "partnership_id", "jar_required",
                 "date_of_death", "id", "overdue_from"),
        # The case list filtered by designated doctor (alone or with overdue): a partnership's
        # cases of one doctor by date of death, in page order, without reading each case.
        sa.Index("ix_cdr_case_partnership_doctor", "partnership_id", "designated_doctor_id",
                 "date_of_death", "id", "overdue_from"),
        # My cases (cdr/services/my_cases.py): a designated doctor's open cases with the date
        # of death the list sorts by, from the index alone (closed_on, always NULL here, is
        # held too: SQLite counts an index as covering only when it holds every column named).
        sa.Index("ix_cdr_case_doctor_open", "designated_doctor_id", "partnership_id", "id",
                 "date_of_death", "closed_on",
                 postgresql_where=sa.text("closed_on IS NULL"),
                 sqlite_where=sa.text("closed_on IS NULL")),
        # My cases: a doctor's open cases with a deadline, next deadline first, with what says
        # whether a case needs them (cdr.case_due's figures), read in order to the page.
        sa.Index("ix_cdr_case_doctor_due", "designated_doctor_id", "next_due",
                 "date_of_death", "id", "partnership_id", "next_unpaused_due", "meeting_open",
                 "closed_on",
                 postgresql_where=sa.text("closed_on IS NULL AND next_due IS NOT NULL"),
                 sqlite_where=sa.text("closed_on IS NULL AND next_due IS NOT NULL")),
        # Not yet sent to the NCMD (cdr/services/ncmd.py): a partnership's cases whose
        # analysis form has not gone (the last of the three, sent in order), oldest notified
        # first, read in page order off this index (ncmd_analysis_sent_on, always NULL here,
        # is held for SQLite's sake, as above). A case marked as sent before the tracker
        # (ncmd_before_tracker_on) is not on the list, nor in this index.
        sa.Index("ix_cdr_case_ncmd_not_sent", "partnership_id", "notification_received_on",
                 "id", "ncmd_analysis_sent_on", "ncmd_before_tracker_on",
                 postgresql_where=sa.text(NCMD_NOT_SENT), sqlite_where=sa.text(NCMD_NOT_SENT)),
    )
    __audit_label__ = "reference"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)

    # --- The death ---
    date_of_death: so.Mapped[date] = so.mapped_column(index=True)
    time_of_death: so.Mapped[time | None]
    place_of_death: so.Mapped[str | None] = so.mapped_column(sa.String(16))
    place_of_death_other: so.Mapped[str | None] = so.mapped_column(sa.String(200))
    la_of_residence: so.Mapped[str | None] = so.mapped_column(sa.String(100))
    la_of_death: so.Mapped[str | None] = so.mapped_column(sa.String(100))
    # Not identifying on their own, and what the anonymised panel pages show (with age band).
    sex: so.Mapped[str | None] = so.mapped_column(sa.String(16))
    # Age at death in days, worked out from the date of birth when the case is recorded, so
    # the anonymised pages can show an age band without ever reading the date of birth.
    age_at_death_days: so.Mapped[int | None]
    # "Not known, may have been under 18" (Working Together 2018 [003] L1599).
    age_uncertain: so.Mapped[bool] = so.mapped_column(default=False)
    death_expected: so.Mapped[str | None] = so.mapped_column(sa.String(16))
    notification_received_on: so.Mapped[date]

    # --- The rest of the national notification form (none identifies the child) ---
    nhs_number_absent: so.Mapped[str | None] = so.mapped_column(sa.String(16))  # NHS_NUMBER_ABSENT
    ncmd_alert: so.Mapped[str | None] = so.mapped_column(sa.String(16))  # YES_NO
    # Free text may name people, so it stays off the anonymised pages.
    ncmd_alert_details: so.Mapped[str | None] = so.mapped_column(sa.Text)
    ethnicity: so.Mapped[str | None] = so.mapped_column(sa.String(32))  # ETHNICITIES
    # When the child died after an incident (the "fatal event"): when and where it happened.
    fatal_event_on: so.Mapped[date | None]
    fatal_event_time: so.Mapped[time | None]
    fatal_event_place: so.Mapped[str | None] = so.mapped_column(sa.String(200))
    # The senior practitioner present at the death: name and role.
    senior_practitioner: so.Mapped[str | None] = so.mapped_column(sa.String(200))
    # The causes of death as on the medical certificate, when known.
    cause_1a: so.Mapped[str | None] = so.mapped_column(sa.String(500))
    cause_1b: so.Mapped[str | None] = so.mapped_column(sa.String(500))
    cause_1c: so.Mapped[str | None] = so.mapped_column(sa.String(500))
    cause_2: so.Mapped[str | None] = so.mapped_column(sa.String(500))
    post_mortem_required: so.Mapped[str | None] = so.mapped_column(sa.String(16))  # EXPECTED

    # --- Flags that decide the path ---
    looked_after: so.Mapped[bool] = so.mapped_column(default=False)
    child_protection_plan: so.Mapped[bool] = so.mapped_column(default=False)
    known_to_social_care: so.Mapped[bool] = so.mapped_column(default=False)
    abuse_or_neglect_suspected: so.Mapped[bool] = so.mapped_column(default=False)
    coroner_investigating: so.Mapped[bool] = so.mapped_column(default=False)
    post_mortem_ordered: so.Mapped[bool] = so.mapped_column(default=False)

    # --- Registrar and coroner ---
    # Registration, correction or certificate of no liability: starts the registrar's 7 days.
    death_registered_on: so.Mapped[date | None]
    registrar_notified_on: so.Mapped[date | None]
    # The coroner's decision to investigate or commission a post-mortem: starts 3 working days.
    coroner_decision_on: so.Mapped[date | None]
    coroner_notified_on: so.Mapped[date | None]

    # --- Joint Agency Response (DOMAIN.md 2C) ---
    jar_external_causes: so.Mapped[bool] = so.mapped_column(default=False)
    jar_sudden_unexplained: so.Mapped[bool] = so.mapped_column(default=False)
    jar_custody_or_detained: so.Mapped[bool] = so.mapped_column(default=False)
    jar_suspicious: so.Mapped[bool] = so.mapped_column(default=False)
    jar_unattended_stillbirth: so.Mapped[bool] = so.mapped_column(default=False)
    # Any criterion ticked; kept as a column so lists filter on it and deadlines apply.
    jar_required: so.Mapped[bool] = so.mapped_column(default=False, index=True)
    # All post-mortem results received: starts the third rapid response meeting's clock.
    post_mortem_results_on: so.Mapped[date | None]
    # No post-mortem will be held, or the coroner has not taken the case (a key of
    # NO_POST_MORTEM), the date that was decided and who decided it: the third rapid response
    # meeting is then not needed and the case can move on from the Joint Agency Response.
    no_post_mortem: so.Mapped[str | None] = so.mapped_column(sa.String(24))
    no_post_mortem_on: so.Mapped[date | None]
    no_post_mortem_decided_by: so.Mapped[str | None] = so.mapped_column(sa.String(200))

    # --- Inquest and the family's support (cdr/services/family.py) ---
    inquest_on: so.Mapped[date | None]
    inquest_conclusion: so.Mapped[str | None] = so.mapped_column(sa.Text)
    # A prevention of future deaths report (Coroners (Investigations) Regulations 2013,
    # regulation 28): its date and what it asked.
    pfd_report_on: so.Mapped[date | None]
    pfd_report_concerns: so.Mapped[str | None] = so.mapped_column(sa.Text)
    # The family's key worker: a professional, not the family (name and agency).
    key_worker_name: so.Mapped[str | None] = so.mapped_column(sa.String(200))
    key_worker_agency: so.Mapped[str | None] = so.mapped_column(sa.String(200))
    # When "When a child dies" (or equivalent information) was offered to the family.
    family_information_offered_on: so.Mapped[date | None]
    # The reporting form's "Was bereavement support offered to the family?" (a key of
    # YES_NO_NOT_KNOWN) and what was offered.
    bereavement_support_offered: so.Mapped[str | None] = so.mapped_column(sa.String(16))
    bereavement_support_details: so.Mapped[str | None] = so.mapped_column(sa.Text)

    designated_doctor_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("user.id"), index=True
    )

    # --- Child death review meeting and its draft analysis ---
    review_meeting_on: so.Mapped[date | None]
    review_meeting_attendees: so.Mapped[str | None] = so.mapped_column(sa.Text)
    # Written anonymised: the panel reads the summary, factors and learning.
    analysis_summary: so.Mapped[str | None] = so.mapped_column(sa.Text)
    analysis_factors: so.Mapped[str | None] = so.mapped_column(sa.Text)
    analysis_learning: so.Mapped[str | None] = so.mapped_column(sa.Text)
    # The draft analysis form (DOMAIN.md CDRM-01: "A draft analysis form of each individual
    # case should be sent from the child death review meeting"): what the meeting proposes,
    # kept apart from what the CDOP meeting confirms below, so one sees what the CDOP changed.
    # analysis_learning above is the draft's learning; analysis_factors the factors written
    # before the four domains were asked for (kept, shown while it holds text).
    draft_category: so.Mapped[str | None] = so.mapped_column(sa.String(32))
    draft_factors_child: so.Mapped[str | None] = so.mapped_column(sa.Text)
    draft_factors_social: so.Mapped[str | None] = so.mapped_column(sa.Text)
    draft_factors_physical: so.Mapped[str | None] = so.mapped_column(sa.Text)
    draft_factors_service: so.Mapped[str | None] = so.mapped_column(sa.Text)
    draft_grade_child: so.Mapped[str | None] = so.mapped_column(sa.String(1))
    draft_grade_social: so.Mapped[str | None] = so.mapped_column(sa.String(1))
    draft_grade_physical: so.Mapped[str | None] = so.mapped_column(sa.String(1))
    draft_grade_service: so.Mapped[str | None] = so.mapped_column(sa.String(1))
    draft_modifiable: so.Mapped[str | None] = so.mapped_column(sa.String(16))
    draft_modifiable_reason: so.Mapped[str | None] = so.mapped_column(sa.Text)
    draft_actions: so.Mapped[str | None] = so.mapped_column(sa.Text)
    information_complete: so.Mapped[bool] = so.mapped_column(default=False)
    # The day the information was complete (as the user says it was), while it is.
    information_complete_on: so.Mapped[date | None]

    # --- CDOP panel outcome (the national analysis form) ---
    category: so.Mapped[str | None] = so.mapped_column(sa.String(32), index=True)
    factors_child: so.Mapped[str | None] = so.mapped_column(sa.Text)
    factors_social: so.Mapped[str | None] = so.mapped_column(sa.Text)
    factors_physical: so.Mapped[str | None] = so.mapped_column(sa.Text)
    factors_service: so.Mapped[str | None] = so.mapped_column(sa.Text)
    modifiable_factors: so.Mapped[str | None] = so.mapped_column(sa.String(16))
    grade_child: so.Mapped[str | None] = so.mapped_column(sa.String(1))
    grade_social: so.Mapped[str | None] = so.mapped_column(sa.String(1))
    grade_physical: so.Mapped[str | None] = so.mapped_column(sa.String(1))
    grade_service: so.Mapped[str | None] = so.mapped_column(sa.String(1))
    modifiable_reason: so.Mapped[str | None] = so.mapped_column(sa.Text)
    learning_points: so.Mapped[str | None] = so.mapped_column(sa.Text)
    outcome_actions: so.Mapped[str | None] = so.mapped_column(sa.Text)
    # The CDOP meeting (held) at which the review was completed: never completed before it.
    # A cdr_panel_meeting id without a database foreign key: SQLite adds one to an existing
    # table only by rebuilding it, which drops cdr_case's tally triggers (migration 0028).
    outcome_meeting_id: so.Mapped[int | None] = so.mapped_column(index=True)
    review_completed_on: so.Mapped[date | None]
    closed_on: so.Mapped[date | None] = so.mapped_column(index=True)
    # Kept by the database from the case's open deadlines (cdr.case_due): never written here.
    next_due: so.Mapped[date | None]
    next_unpaused_due: so.Mapped[date | None]
    meeting_open: so.Mapped[bool] = so.mapped_column(default=False, server_default=sa.false())
    overdue_from: so.Mapped[date | None]

    # --- Sent to the National Child Mortality Database (cdr/services/ncmd.py) ---
    # The date each of the national forms went to the NCMD, and who marked it (audited).
    ncmd_notification_sent_on: so.Mapped[date | None]
    ncmd_notification_sent_by_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("user.id"))
    ncmd_reporting_sent_on: so.Mapped[date | None]
    ncmd_reporting_sent_by_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("user.id"))
    ncmd_analysis_sent_on: so.Mapped[date | None]
    ncmd_analysis_sent_by_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("user.id"))
    # The day a CDOP administrator marked the case as sent to the NCMD before the tracker (a
    # bulk action for the cases the previous system sent, cdr/services/ncmd.py): not a date
    # any form was sent.
    ncmd_before_tracker_on: so.Mapped[date | None]

    designated_doctor = so.relationship("User", lazy="raise", foreign_keys=[designated_doctor_id])
