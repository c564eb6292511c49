"""The partnership's agency directory: the agencies it asks for reporting forms and written
requests for information, each with its contacts' work e-mail addresses and one escalation
contact.

In the shell, since both domains ask agencies (a child death's reporting forms, a practice
review's requests for information). Managed by CDOP administrators and the business unit
(`Permission.MANAGE_AGENCIES`), every change audited, importable from a spreadsheet through
the shell's import machinery (`IMPORT_SPEC`, one row a contact).
"""

import re
from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from tracker.audit import Audited
from tracker.case_records import PartnershipScoped
from tracker.extensions import db
from tracker.imports.spec import CHOICE, TEXT, YES_NO, Column, ImportSpec
from tracker.roles import Permission
from tracker.timeutil import utcnow
from tracker.versioning import Versioned

# The kinds of agency a directory holds (the short key is stored; the keys are those of a
# child death case's involved agencies, cdr.models.agencies.AGENCY_KINDS, where they meet).
AGENCY_TYPES = {
    "gp": "GP practice",
    "school": "School or nursery",
    "police": "Police",
    "acute_trust": "Hospital (acute trust)",
    "childrens_social_care": "Children's social care",
    "ambulance": "Ambulance service",
    "health_visiting": "Health visiting",
    "other": "Other",
}

EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"


def name_key(name: str) -> str:
    """What makes two agency names the same: case and runs of spaces ignored."""
    return " ".join((name or "").split()).lower()


class DirectoryAgency(PartnershipScoped, Versioned, Audited, db.Model):
    """One agency of the partnership's directory."""

    __tablename__ = "agency"
    __audit_label__ = "name"
    __record_noun__ = "agency"
    __table_args__ = (sa.UniqueConstraint("partnership_id", "name_key",
                                          name="uq_agency_partnership_name"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(200))
    # name_key(name): one agency of a name per partnership, however it is typed.
    name_key: so.Mapped[str] = so.mapped_column(sa.String(200))
    kind: so.Mapped[str] = so.mapped_column(sa.String(32))  # AGENCY_TYPES
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)

    contacts = so.relationship(
        "AgencyContact", lazy="raise", back_populates="agency",
        order_by="AgencyContact.name", cascade="all, delete-orphan", passive_deletes=True)

    @property
    def escalation_contact(self):
        """The agency's escalation contact, or None (its contacts loaded)."""
        return next((contact for contact in self.contacts if contact.escalation), None)

    @property
    def kind_label(self):
        """The agency's type as users say it."""
        return AGENCY_TYPES.get(self.kind, self.kind)


class AgencyContact(PartnershipScoped, Versioned, Audited, db.Model):
    """A person at an agency the partnership writes to; at most one per agency is its
    escalation contact (the one told when the others do not answer)."""

    __tablename__ = "agency_contact"
    __audit_label__ = "name"
    __record_noun__ = "contact"
    __table_args__ = (
        sa.UniqueConstraint("agency_id", "email", name="uq_agency_contact_email"),
        sa.Index("uq_agency_contact_escalation", "agency_id", unique=True,
                 sqlite_where=sa.text("escalation"), postgresql_where=sa.text("escalation")),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    agency_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("agency.id", ondelete="CASCADE"), index=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(200))
    role: so.Mapped[str | None] = so.mapped_column(sa.String(200))
    # A work address, stored in lower case.
    email: so.Mapped[str] = so.mapped_column(sa.String(254))
    escalation: so.Mapped[bool] = so.mapped_column(default=False, server_default=sa.false())
    # An inactive contact (left the agency) is offered no new request; the links already sent
    # to them keep working, listed on their requests' pages.
    active: so.Mapped[bool] = so.mapped_column(default=True, server_default=sa.true())

    agency = so.relationship("DirectoryAgency", lazy="raise", back_populates="contacts")


class Refused(Exception):
    """A change the directory's rules refuse; `field` is the form field the message is for."""

    def __init__(self, field, message):
        super().__init__(message)
        self.field = field
        self.message = message


def agencies_of(partnership_ids) -> list[DirectoryAgency]:
    """The agencies of these partnerships with their contacts, by name: one query, however
    many agencies (none included: a second query for the contacts ran only when there
    were agencies)."""
    return list(db.session.scalars(
        sa.select(DirectoryAgency).where(DirectoryAgency.partnership_id.in_(partnership_ids))
        .options(so.joinedload(DirectoryAgency.contacts))
        .order_by(DirectoryAgency.name_key, DirectoryAgency.id)).unique())


def contacts_of(agency) -> list[AgencyContact]:
    """The agency's contacts, by name."""
    return list(db.session.scalars(
        sa.select(AgencyContact).where(AgencyContact.agency_id == agency.id)
        .order_by(AgencyContact.name, AgencyContact.id)))


def _name_taken(partnership_id, name, but=None) -> str | None:
    """The name of the partnership's agency that has this name however typed, if any."""
    query = sa.select(DirectoryAgency.name).where(
        DirectoryAgency.partnership_id == partnership_id,
        DirectoryAgency.name_key == name_key(name))
    if but is not None:
        query = query.where(DirectoryAgency.id != but.id)
    return db.session.scalar(query)


def _taken_message(name):
    return f"The directory already has an agency called {name}"


def add_agency(partnership, name, kind) -> DirectoryAgency:
    """A new agency of the partnership's directory (flushed); Refused for a name it has."""
    if taken := _name_taken(partnership.id, name):
        raise Refused("name", _taken_message(taken))
    agency = DirectoryAgency(partnership_id=partnership.id, name=name, name_key=name_key(name),
                             kind=kind)
    db.session.add(agency)
    db.session.flush()
    return agency


def update_agency(agency, name, kind) -> None:
    """Rename or retype an agency; Refused for another agency's name."""
    if taken := _name_taken(agency.partnership_id, name, but=agency):
        raise Refused("name", _taken_message(taken))
    agency.name, agency.name_key, agency.kind = name, name_key(name), kind


def _check_contact(agency, email, escalation, but=None):
    others = [c for c in contacts_of(agency) if but is None or c.id != but.id]
    if any(c.email == email for c in others):
        raise Refused("email", f"{agency.name} already has a contact with the e-mail "
                               f"address {email}")
    holder = next((c for c in others if c.escalation), None)
    if escalation and holder is not None:
        raise Refused("escalation", f"{holder.name} is already {agency.name}'s escalation "
                                    "contact: change theirs first")


def add_contact(agency, name, role, email, escalation) -> AgencyContact:
    """A new contact of the agency (flushed); Refused for an address the agency has, or a
    second escalation contact."""
    email = email.lower()
    _check_contact(agency, email, escalation)
    contact = AgencyContact(agency_id=agency.id, partnership_id=agency.partnership_id,
                            name=name, role=role, email=email, escalation=escalation)
    db.session.add(contact)
    db.session.flush()
    return contact


def update_contact(contact, name, role, email, escalation) -> None:
    """Change a contact; Refused as add_contact."""
    email = email.lower()
    agency = db.session.get(DirectoryAgency, contact.agency_id)
    _check_contact(agency, email, escalation, but=contact)
    contact.name, contact.role, contact.email, contact.escalation = (
        name, role, email, escalation)


# Importing a directory from a spreadsheet: one row a contact; rows naming the same agency
# (its name, however typed) are its contacts, added to the directory's agency of that name
# when it has one.

def _row_problems(values, _today):
    return {}


def _duplicate_keys(values):
    if values.get("agency") and values.get("email"):
        yield "email", ("contact", name_key(values["agency"]), values["email"].lower())


def _existing(rows, partnership_ids):
    """Rows whose agency already has a contact of that address, or an escalation contact when
    the row is one: three queries whatever the number of rows."""
    names = {name_key(values["agency"]) for values in rows if values.get("agency")}
    held = {}
    if names:
        for agency in db.session.scalars(sa.select(DirectoryAgency).where(
                DirectoryAgency.partnership_id.in_(partnership_ids),
                DirectoryAgency.name_key.in_(names))
                .options(so.selectinload(DirectoryAgency.contacts))):
            held[agency.name_key] = agency
    clashes = {}
    escalations_in_file: dict = {}
    for index, values in enumerate(rows):
        key = name_key(values.get("agency") or "")
        agency = held.get(key)
        email = (values.get("email") or "").lower()
        if agency is not None and any(c.email == email for c in agency.contacts):
            clashes[index] = {"email": f"{agency.name} already has a contact with this "
                                       "e-mail address in the directory"}
        elif values.get("escalation"):
            if agency is not None and any(c.escalation for c in agency.contacts):
                clashes[index] = {"escalation": f"{agency.name} already has an escalation "
                                                "contact in the directory"}
            elif key in escalations_in_file:
                clashes[index] = {"escalation": "An agency has one escalation contact: an "
                                                "earlier row of the file is this agency's"}
            else:
                escalations_in_file[key] = index
    return clashes


def _partnership_problems(values, partnership):
    return {}


def _build(values, partnership, _user, _today, batch):
    """The row's contact, with its agency: the directory's of that name, or one made for the
    first row that names it (the directory's agencies read once an import)."""
    if "agencies" not in batch:
        batch["agencies"] = {agency.name_key: agency for agency in db.session.scalars(
            sa.select(DirectoryAgency).where(DirectoryAgency.partnership_id == partnership.id))}
    key = name_key(values["agency"])
    agency = batch["agencies"].get(key)
    if agency is None:
        agency = DirectoryAgency(partnership_id=partnership.id, name=values["agency"],
                                 name_key=key, kind=values["kind"] or "other")
        batch["agencies"][key] = agency
    return AgencyContact(agency=agency, partnership_id=partnership.id, name=values["name"],
                         role=values.get("role"), email=values["email"].lower(),
                         escalation=bool(values.get("escalation")))


def _finish(_record, _values, _partnership, _today):
    return None


def _email_problem(value):
    if value and not re.fullmatch(EMAIL_PATTERN, value):
        return "Enter a work e-mail address in the correct format, like name@example.org"
    return None


IMPORT_SPEC = ImportSpec(
    name="agencies",
    title="Agency directory",
    noun="contacts",
    permission=Permission.MANAGE_AGENCIES,
    description="The agencies the partnership asks for reporting forms and information, one "
                "row a contact. Rows naming the same agency are its contacts.",
    columns=(
        Column("Agency", "agency", required="Enter the agency's name"),
        Column("Agency type", "kind", CHOICE, required="Enter the agency's type",
               choices=AGENCY_TYPES, example="GP practice"),
        Column("Contact name", "name", required="Enter the contact's name"),
        Column("Contact role", "role", notes="Optional, like Practice manager"),
        Column("Work e-mail", "email", TEXT, required="Enter the contact's work e-mail "
               "address", max_length=254, check=_email_problem,
               example="name@example.org"),
        Column("Escalation contact", "escalation", YES_NO,
               notes="Yes for the one contact told when requests go unanswered"),
    ),
    row_problems=_row_problems,
    duplicate_keys=_duplicate_keys,
    existing=_existing,
    build=_build,
    finish=_finish,
    partnership_problems=_partnership_problems,
    sheet_title="Agency directory",
    done_endpoint="agencies.index",
    deadlines=False,
    held_in_chosen_partnership=True,
)
