"""The serious incident and the review that follows it: every date its clocks hang on.

The child is named by a pseudonymous reference ("Child P"); a real name, when recorded, is in
reviews.models.identity and shown only to users who may see identifying details.
"""

from datetime import date

import sqlalchemy as sa
import sqlalchemy.orm as so

from reviews import incident_due  # noqa: F401 (its triggers are made with the tables)
from tracker import deadlines, duplicates
from tracker.audit import Audited
from tracker.case_records import CaseRecord
from tracker.extensions import db

LOCATIONS = {
    "in_area": "In the local authority's area",
    "outside_england": "Outside England, for a child normally resident in the area",
}
CP_PLAN = {"on_plan": "On a child protection plan",
           "recently_removed": "Recently removed from a child protection plan",
           "no": "No"}
RECOMMENDATIONS = {"local": "A local child safeguarding practice review",
                   "national": "A national review may be appropriate",
                   "none": "No review"}
DECISIONS = {"local": "Local child safeguarding practice review",
             "national": "National review by the Panel",
             "none": "No review"}
PUBLISH_TYPES = {"full": "The full report",
                 "improvements": "Information about improvements only"}
# Children Act 2004 s16C(1), quoted in Working Together 2018 chapter 4 before paragraph 12
# ([003] L1371-L1376): notifiable only when abuse or neglect is known or suspected.
NOT_NOTIFIABLE = "Not notifiable to the Panel"
NOT_NOTIFIABLE_REASON = ("abuse or neglect is not known or suspected (Children Act 2004 "
                         "section 16C(1))")
# Working Together 2023, chapter 5: the local authority notifies the Secretary of State and
# Ofsted of the death of a care leaver up to and including this age, whatever the cause
# (the clock is tracker.deadlines.wt2023's care_leaver_death_notification).
CARE_LEAVER_MAX_AGE = 24
CARE_LEAVER_RULE = "care_leaver_death_notification"
CARE_LEAVER_TOO_OLD = (f"the care leaver was {CARE_LEAVER_MAX_AGE + 1} or older: the Secretary "
                       "of State and Ofsted are notified of the death of a care leaver up to and "
                       f"including age {CARE_LEAVER_MAX_AGE} (Working Together 2023, chapter 5)")
CARE_LEAVER_AGE_UNKNOWN = "the care leaver's age at death is not recorded"
CARE_LEAVER_BEFORE_2023 = ("the rules this incident follows (Working Together 2018) set no "
                           "notification of a care leaver's death: Working Together 2023 "
                           "brought it in")
STAGES = {
    "notified": "Notified",
    "rapid_review": "Rapid review",
    "decision": "Decision",
    "review": "Review under way",
    "published": "Published",
    "actions": "Actions under way",
    "complete": "Complete",
    "no_review": "No review",
}


class SeriousIncident(CaseRecord, Audited, db.Model):
    """A serious child safeguarding incident and the review that may follow it."""

    __tablename__ = "serious_incident"
    __record_noun__ = "incident"
    __audit_label__ = "reference"
    __table_args__ = (
        # The tracker list: a partnership's incidents, latest awareness first, read in order
        # (overdue_from, kept by reviews.incident_due, is held so the overdue filter reads no
        # incident and no deadline).
        sa.Index("ix_serious_incident_partnership_aware", "partnership_id", "la_aware_on", "id",
                 "overdue_from"),
        # The home page's open incidents by stage (reviews.services.home): counted from the
        # index alone, up to its cap.
        sa.Index("ix_serious_incident_partnership_stage", "partnership_id", "stage"),
        # Its decision filter, alone or with overdue: the incidents of one decision in
        # awareness order, matched against the overdue incidents without reading each one.
        sa.Index("ix_serious_incident_partnership_decision", "partnership_id", "decision",
                 "la_aware_on", "id", "overdue_from"),
        # Records stored twice (reviews.services.incidents.duplicate_groups): a partnership's
        # incidents of one child death case, or of one child and dates, grouped off these
        # alone (PostgreSQL reads an index on lower(x) alone only when it holds x too).
        sa.Index("ix_serious_incident_partnership_case", "partnership_id", "cdr_case_id"),
        sa.Index("ix_serious_incident_partnership_child", "partnership_id",
                 sa.text("lower(child_reference)"), "incident_date", "la_aware_on",
                 "child_reference"),
        # ... and only those whose key another holds (the counts SHARED_KEYS keeps).
        sa.Index("ix_serious_incident_case_shared", "partnership_id", "cdr_case_id",
                 "same_case", postgresql_where=sa.text("same_case > 1"),
                 sqlite_where=sa.text("same_case > 1")),
        sa.Index("ix_serious_incident_child_shared", "partnership_id",
                 sa.text("lower(child_reference)"), "incident_date", "la_aware_on",
                 "child_reference", "same_child", postgresql_where=sa.text("same_child > 1"),
                 sqlite_where=sa.text("same_child > 1")),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)

    # --- The incident ---
    child_reference: so.Mapped[str] = so.mapped_column(sa.String(40), default="Child")
    child_died: so.Mapped[bool] = so.mapped_column(default=False)  # else seriously harmed
    incident_date: so.Mapped[date]
    # The local authority became aware: this, not the incident, starts the 5 working days.
    la_aware_on: so.Mapped[date] = so.mapped_column(index=True)
    abuse_or_neglect_suspected: so.Mapped[bool] = so.mapped_column(default=True)
    # The day the local authority came to know or suspect abuse or neglect, when later than
    # la_aware_on (None: from awareness, or none suspected): the incident is notifiable to the
    # Panel from then (Children Act 2004 s16C(1)), so the later of the two starts the Panel's
    # and the partners' 5 working days.
    abuse_or_neglect_known_on: so.Mapped[date | None]
    location: so.Mapped[str | None] = so.mapped_column(sa.String(24))
    looked_after: so.Mapped[bool] = so.mapped_column(default=False)
    # A care leaver (never also looked after), and the age in whole years at death: a care
    # leaver's death up to and including age 24 is notified to the Secretary of State and
    # Ofsted (Working Together 2023, chapter 5), whatever the cause.
    care_leaver: so.Mapped[bool] = so.mapped_column(default=False)
    age_at_death_years: so.Mapped[int | None]
    cp_plan: so.Mapped[str | None] = so.mapped_column(sa.String(24))
    other_areas: so.Mapped[str | None] = so.mapped_column(sa.Text)
    # The child death case, when the child died (reviews may point at cdr; never the reverse).
    cdr_case_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("cdr_case.id", ondelete="SET NULL"), index=True
    )
    # Kept by the database (SHARED_KEYS): how many of the partnership's incidents have this
    # child death case, and this child and dates (this one included; 0 without a case).
    same_case: so.Mapped[int] = so.mapped_column(default=0, server_default="0")
    same_child: so.Mapped[int] = so.mapped_column(default=0, server_default="0")
    # Kept by the database from the incident's open deadlines (reviews.incident_due): the
    # earliest date past which one of them is overdue; never written here.
    overdue_from: so.Mapped[date | None]

    # --- Notifications ---
    panel_notified_on: so.Mapped[date | None]
    panel_reference: so.Mapped[str | None] = so.mapped_column(sa.String(64))
    panel_late_reason: so.Mapped[str | None] = so.mapped_column(sa.Text)
    partners_notified_on: so.Mapped[date | None]
    partners_late_reason: so.Mapped[str | None] = so.mapped_column(sa.Text)
    # The Secretary of State and Ofsted notified of a looked-after child's death, or of a care
    # leaver's (never both: a looked-after child is not a care leaver).
    sos_ofsted_notified_on: so.Mapped[date | None]
    sos_ofsted_late_reason: so.Mapped[str | None] = so.mapped_column(sa.Text)

    # --- Rapid review ---
    rr_participants: so.Mapped[str | None] = so.mapped_column(sa.Text)
    rr_agencies: so.Mapped[str | None] = so.mapped_column(sa.Text)
    rr_facts: so.Mapped[str | None] = so.mapped_column(sa.Text)
    rr_safety_actions: so.Mapped[str | None] = so.mapped_column(sa.Text)
    rr_learning: so.Mapped[str | None] = so.mapped_column(sa.Text)
    rr_recommendation: so.Mapped[str | None] = so.mapped_column(sa.String(16))
    rr_rationale: so.Mapped[str | None] = so.mapped_column(sa.Text)
    rapid_review_sent_on: so.Mapped[date | None]
    # The Panel's response.
    panel_response_on: so.Mapped[date | None]
    panel_national_review: so.Mapped[bool | None]
    panel_info_requested: so.Mapped[str | None] = so.mapped_column(sa.Text)
    panel_info_requested_on: so.Mapped[date | None]
    panel_info_supplied_on: so.Mapped[date | None]

    # --- Decision ---
    # "local", "national" or "none"; the decision date starts the six-month clock.
    decision: so.Mapped[str | None] = so.mapped_column(sa.String(16), index=True)
    decision_on: so.Mapped[date | None]
    # The Panel's decision to carry out a national review: its clocks start here, and are the
    # Panel's (shown for information, never the partnership's to meet).
    panel_decision_on: so.Mapped[date | None]
    decision_rationale: so.Mapped[str | None] = so.mapped_column(sa.Text)
    family_told: so.Mapped[bool | None]
    family_told_on: so.Mapped[date | None]
    # The Panel, Ofsted and the DfE told of the decision on a local review, with the
    # reviewer's name: a step on the task list, no timescale set. decision_informed_on is the
    # day the Panel was told (before issue 23 the one date for all three); Ofsted's and the
    # DfE's are their own.
    decision_informed_on: so.Mapped[date | None]
    decision_ofsted_told_on: so.Mapped[date | None]
    decision_dfe_told_on: so.Mapped[date | None]
    # A rapid review that became a local review (reported on).
    converted: so.Mapped[bool] = so.mapped_column(default=False, index=True)
    terms_of_reference: so.Mapped[str | None] = so.mapped_column(sa.Text)
    methodology: so.Mapped[str | None] = so.mapped_column(sa.Text)

    # --- Publication ---
    planned_publication_on: so.Mapped[date | None]
    # Copies to the Panel and the Secretary of State (and Ofsted) before publication.
    copies_sent_on: so.Mapped[date | None]
    ofsted_copy_sent_on: so.Mapped[date | None]
    publish_type: so.Mapped[str | None] = so.mapped_column(sa.String(16))
    publish_justification: so.Mapped[str | None] = so.mapped_column(sa.Text)
    justification_sent_on: so.Mapped[date | None]
    published_on: so.Mapped[date | None]
    published_url: so.Mapped[str | None] = so.mapped_column(sa.String(500))

    @property
    def notifiable(self) -> bool:
        """Whether the local authority must notify the Panel: abuse or neglect known or
        suspected (s16C(1)); the location question only offers the two notifiable places."""
        return bool(self.abuse_or_neglect_suspected)

    @property
    def not_notifiable_reason(self) -> str | None:
        """Why the incident is not notifiable to the Panel, or None when it is."""
        return None if self.notifiable else NOT_NOTIFIABLE_REASON

    @property
    def care_leaver_death(self) -> bool:
        """Whether a care leaver died (the age decides whether anyone must be told)."""
        return bool(self.care_leaver and self.child_died)

    @property
    def care_leaver_notifiable(self) -> bool:
        """Whether the Secretary of State and Ofsted must be told of a care leaver's death:
        aged 24 or under, under rules that have the duty (Working Together 2023 on)."""
        return self.care_leaver_death and self.care_leaver_not_notifiable_reason is None

    @property
    def care_leaver_not_notifiable_reason(self) -> str | None:
        """Why a care leaver's death needs no notification to the Secretary of State and
        Ofsted (None when it does, or when no care leaver died)."""
        if not self.care_leaver_death:
            return None
        if CARE_LEAVER_RULE not in deadlines.RULESETS.get(self.rules_edition or "", {}):
            return CARE_LEAVER_BEFORE_2023
        if self.age_at_death_years is None:
            return CARE_LEAVER_AGE_UNKNOWN
        if self.age_at_death_years > CARE_LEAVER_MAX_AGE:
            return CARE_LEAVER_TOO_OLD
        return None


SHARED_KEYS = (
    duplicates.SharedKey("serious_incident", "same_case", ("{r}.cdr_case_id",),
                         ("cdr_case_id",)),
    duplicates.SharedKey("serious_incident", "same_child",
                         ("lower({r}.child_reference)", "{r}.incident_date", "{r}.la_aware_on"),
                         ("child_reference", "incident_date", "la_aware_on")),
)
duplicates.attach(SeriousIncident.__table__, *SHARED_KEYS)
