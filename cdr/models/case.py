"""The child death case: the death, the flags that decide its path, and its review.

Nothing here identifies the child: name, date of birth, NHS number, address and postcode are
in cdr.models.identity. The anonymised panel pages read only this table (and panel items).
"""

from datetime import date, time

import sqlalchemy as sa
import sqlalchemy.orm as so

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
        sa.Index("ix_cdr_case_partnership_died", "partnership_id", "date_of_death", "id"),
        sa.Index("ix_cdr_case_partnership_reference", "partnership_id", "reference"),
        # The home page's open cases by stage (cdr.services.home): counted from the index
        # alone, up to its cap (closed_on, always NULL here, is held for SQLite's sake: it
        # counts an index as covering only when it holds every column the query names).
        sa.Index("ix_cdr_case_partnership_stage", "partnership_id", "stage", "closed_on",
                 postgresql_where=sa.text("closed_on IS NULL"),
                 sqlite_where=sa.text("closed_on IS NULL")),
        # The JAR filter, alone or with overdue: a partnership's JAR cases (or not) by date of
        # death, matched against the overdue cases from this index without reading each case.
        sa.Index("ix_cdr_case_partnership_jar", "partnership_id", "jar_required",
                 "date_of_death", "id"),
        # The case list filtered by designated doctor (alone or with overdue): a partnership's
        # cases of one doctor by date of death, in page order, without reading each case.
        sa.Index("ix_cdr_case_partnership_doctor", "partnership_id", "designated_doctor_id",
                 "date_of_death", "id"),
        # My cases (cdr/services/my_cases.py): a designated doctor's open cases with the date
        # of death the list sorts by, from the index alone (closed_on, always NULL here, is
        # held too: SQLite counts an index as covering only when it holds every column named).
        sa.Index("ix_cdr_case_doctor_open", "designated_doctor_id", "partnership_id", "id",
                 "date_of_death", "closed_on",
                 postgresql_where=sa.text("closed_on IS NULL"),
                 sqlite_where=sa.text("closed_on IS NULL")),
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
    learning_points: so.Mapped[str | None] = so.mapped_column(sa.Text)
    review_completed_on: so.Mapped[date | None]
    closed_on: so.Mapped[date | None] = so.mapped_column(index=True)

    designated_doctor = so.relationship("User", lazy="raise", foreign_keys=[designated_doctor_id])
