"""The professionals and agencies involved in the child's life: the case's list of agencies
to ask for reporting forms (named on the notification form, kept up to date on the case)."""

from datetime import date

import sqlalchemy as sa
import sqlalchemy.orm as so

from tracker.audit import Audited
from tracker.case_records import PartnershipScoped
from tracker.extensions import db

# What kind of agency each is (the short key is stored).
AGENCY_KINDS = {
    "gp": "GP",
    "school": "School or nursery",
    "police": "Police",
    "acute_trust": "Hospital (acute trust)",
    "community_health": "Community health services",
    "childrens_social_care": "Children's social care",
    "ambulance": "Ambulance service",
    "health_visiting": "Health visiting or school nursing",
    "mental_health": "Mental health services",
    "hospice": "Hospice",
    "other": "Other",
}


class CaseAgency(PartnershipScoped, Audited, db.Model):
    """One agency (and, when known, its professional) involved with the child."""

    __tablename__ = "cdr_case_agency"
    __audit_label__ = "name"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    case_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("cdr_case.id", ondelete="CASCADE"), index=True
    )
    name: so.Mapped[str] = so.mapped_column(sa.String(200))
    kind: so.Mapped[str] = so.mapped_column(sa.String(32))  # AGENCY_KINDS
    # The professional's name and role, when the notifier gave one.
    professional: so.Mapped[str | None] = so.mapped_column(sa.String(200))
    added_on: so.Mapped[date]
    # The further notification that named it, when one added it to the case's list.
    notification_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("cdr_notification.id"))

    case = so.relationship(
        "ChildDeathCase", lazy="raise",
        backref=so.backref("agencies", lazy="raise", order_by="CaseAgency.id",
                           cascade="all, delete-orphan", passive_deletes=True))
