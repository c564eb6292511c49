"""Agency information requests (the national reporting forms) for a case."""

from datetime import date, datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from tracker.audit import Audited
from tracker.case_records import PartnershipScoped
from tracker.deadline_models import Deadline
from tracker.extensions import db
from tracker.versioning import Versioned

# The national reporting forms an agency may be asked for: the core reporting form, or one
# of the supplementary reporting forms that depend on the cause of death. The names are those
# of GOV.UK "Child death reviews: forms for reporting child deaths" (DHSC,
# gov.uk/government/publications/child-death-reviews-forms-for-reporting-child-deaths),
# read for the asthma and anaphylaxis, cardiac and care pathway forms; sudden unexpected
# death in infancy and drowning as ../shared/GUIDANCE-2023.md names them (the stored copy
# of the page showed no further titles, so no others are offered). The keys are stored.
CORE_REPORTING_FORM = "core"
REPORTING_FORMS = {
    CORE_REPORTING_FORM: "Core reporting form",
    "sudi": "Supplementary reporting form: sudden unexpected death in infancy",
    "asthma_anaphylaxis": "Supplementary reporting form: asthma and anaphylaxis",
    "cardiac": "Supplementary reporting form: cardiac congenital or acquired",
    "drowning": "Supplementary reporting form: drowning",
    "care_pathway": "Supplementary reporting form: care pathway",
}


class AgencyRequest(Versioned, PartnershipScoped, Audited, db.Model):
    """One agency asked for what it knows of the child and family; its deadline is its own."""

    __record_noun__ = "information request"

    __tablename__ = "cdr_agency_request"
    __audit_label__ = "agency"
    __table_args__ = (
        # The outstanding list across cases, oldest first: only requests not yet returned,
        # in the list's order, so a page reads its rows straight off the index. (IS NULL is
        # no equality to the planner: with returned_on as a key column the list sorted every
        # open request of the partnership before taking a page.) returned_on, always NULL
        # here, is held last so that SQLite counts the list from the index alone (it counts
        # an index as covering only when it holds every column the query names).
        sa.Index(
            "ix_cdr_agency_request_open",
            "partnership_id",
            "sent_on",
            "id",
            "returned_on",
            postgresql_where=sa.text("returned_on IS NULL"),
            sqlite_where=sa.text("returned_on IS NULL"),
        ),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    case_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("cdr_case.id", ondelete="CASCADE"), index=True
    )
    agency: so.Mapped[str] = so.mapped_column(sa.String(200))
    # Which national form the agency is asked for (a key of REPORTING_FORMS).
    reporting_form: so.Mapped[str] = so.mapped_column(
        sa.String(32), default=CORE_REPORTING_FORM, server_default=CORE_REPORTING_FORM)
    sent_on: so.Mapped[date]
    chased_on: so.Mapped[date | None]
    returned_on: so.Mapped[date | None]
    summary: so.Mapped[str | None] = so.mapped_column(sa.Text)
    # The rules edition of the case, so the request's deadline follows the same rules.
    rules_edition: so.Mapped[str] = so.mapped_column(sa.String(16), default="WT2018")
    # When staff paused chasing the agency by e-mail (tracker.agency_chasing); None while it
    # is chased. Who paused it is in the audit trail.
    chasing_paused_at: so.Mapped[datetime | None]

    @property
    def reporting_form_label(self) -> str:
        """The form's name as users read it."""
        return REPORTING_FORMS.get(self.reporting_form, self.reporting_form)

    case = so.relationship("ChildDeathCase", lazy="raise")
    # Its stored deadline (owned by owner_type/owner_id, so no foreign key), read-only here:
    # tracker.deadline_service.sync_case writes it. Lists load it with contains_eager.
    deadline = so.relationship(
        Deadline,
        primaryjoin=lambda: sa.and_(
            so.foreign(Deadline.owner_id) == AgencyRequest.id,
            Deadline.owner_type == AgencyRequest.__tablename__,
            Deadline.rule_key == "agency_information_request",
            Deadline.item == "",
        ),
        viewonly=True,
        uselist=False,
        lazy="raise",
    )
