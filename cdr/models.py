"""The child death case: the dates that start its statutory clocks."""

from datetime import date

import sqlalchemy as sa
import sqlalchemy.orm as so

from tracker.audit import Audited
from tracker.case_records import CaseRecord
from tracker.extensions import db


class ChildDeathCase(CaseRecord, Audited, db.Model):
    """One child's death, reviewed by one partnership (where the child normally lived)."""

    __tablename__ = "cdr_case"
    __audit_label__ = "reference"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    date_of_death: so.Mapped[date] = so.mapped_column(index=True)
    notification_received_on: so.Mapped[date]
    # Registration, correction or certificate of no liability: starts the registrar's 7 days.
    death_registered_on: so.Mapped[date | None]
    registrar_notified_on: so.Mapped[date | None]
    # The coroner's decision to investigate or commission a post-mortem: starts 3 working days.
    coroner_decision_on: so.Mapped[date | None]
    coroner_notified_on: so.Mapped[date | None]
    jar_required: so.Mapped[bool] = so.mapped_column(default=False)
    designated_doctor_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("user.id"), index=True
    )
