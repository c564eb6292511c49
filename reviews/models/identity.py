"""The child's real name, when recorded, apart from the incident (shown only to some roles)."""

import sqlalchemy as sa
import sqlalchemy.orm as so

from tracker.audit import Audited
from tracker.case_records import PartnershipScoped
from tracker.extensions import db


class IncidentChild(PartnershipScoped, Audited, db.Model):
    """Who the child is, for users with Permission.VIEW_IDENTIFYING_DETAILS only."""

    __tablename__ = "reviews_child_identity"
    __audit_label__ = "incident_id"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    incident_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("serious_incident.id", ondelete="CASCADE"), unique=True
    )
    full_name: so.Mapped[str] = so.mapped_column(sa.String(200))
