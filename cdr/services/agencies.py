"""The case's list of agencies involved in the child's life: named on the notification
form, then added to or removed from on the case. It is the list the CDOP asks for reporting
forms. Each change is audited (CaseAgency is Audited) and on the case's timeline, naming the
agency, never the professional or the child."""

from datetime import date

import sqlalchemy as sa

from cdr.models import AGENCY_KINDS, CaseAgency
from cdr.services import timeline
from tracker.extensions import db


class Refused(ValueError):
    """The change cannot be made: `message` for the user."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def of_case(case) -> list[CaseAgency]:
    """The case's agencies in the order they were added (one query)."""
    return list(db.session.scalars(
        sa.select(CaseAgency).where(CaseAgency.case_id == case.id).order_by(CaseAgency.id)))


def _new(case, row: dict, added_on: date) -> CaseAgency:
    if row.get("kind") not in AGENCY_KINDS or not row.get("name"):
        raise Refused("Enter the agency's name and select what kind of agency it is")
    agency = CaseAgency(case_id=case.id, partnership_id=case.partnership_id,
                        name=row["name"], kind=row["kind"],
                        professional=row.get("professional") or None, added_on=added_on)
    db.session.add(agency)
    return agency


def add_all(case, rows, added_on: date) -> list[CaseAgency]:
    """The agencies named on the notification form, dated the day it was received (no commit;
    the notification's own timeline line says the case was opened)."""
    return [_new(case, row, added_on) for row in rows]


def add(case, row: dict, today: date) -> CaseAgency:
    """Add one agency to the case's list (no commit)."""
    agency = _new(case, row, today)
    timeline.add(case, "agencies", f"Agency added to the list of agencies involved: "
                 f"{agency.name}", happened_on=today)
    return agency


def remove(case, agency_id: int, today: date) -> str:
    """Take an agency off the case's list (no commit); its name. Refused when it is not on
    this case's list (already removed, or another case's)."""
    agency = db.session.scalar(sa.select(CaseAgency).where(
        CaseAgency.id == agency_id, CaseAgency.case_id == case.id))
    if agency is None:
        raise Refused("That agency is no longer on this case's list")
    name = agency.name
    db.session.delete(agency)
    timeline.add(case, "agencies", f"Agency removed from the list of agencies involved: {name}",
                 happened_on=today)
    return name
