"""The child's identifying details, apart from the case so anonymised views never load them.

Only pages for users with Permission.VIEW_IDENTIFYING_DETAILS read this table. The panel
agenda, the panel's case summaries and anonymised exports query ChildDeathCase alone (a test
proves no identifying value reaches them).
"""

from datetime import date

import sqlalchemy as sa
import sqlalchemy.orm as so

from tracker import duplicates
from tracker.audit import Audited
from tracker.case_records import PartnershipScoped
from tracker.extensions import db


class ChildIdentity(PartnershipScoped, Audited, db.Model):
    """Who the child was: name, date of birth, NHS number, address and postcode."""

    __tablename__ = "cdr_child_identity"
    # Records stored twice (cdr.services.notifications.duplicate_groups): a partnership's
    # repeated NHS numbers, and names with a date of birth, grouped off these alone.
    __table_args__ = (
        sa.Index("ix_cdr_child_identity_partnership_nhs", "partnership_id", "nhs_number"),
        sa.Index("ix_cdr_child_identity_partnership_death", "partnership_id", "name_search",
                 "date_of_birth"),
        # ... and only those whose key another holds (the counts SHARED_KEYS keeps).
        sa.Index("ix_cdr_child_identity_nhs_shared", "partnership_id", "nhs_number",
                 "same_nhs", postgresql_where=sa.text("same_nhs > 1"),
                 sqlite_where=sa.text("same_nhs > 1")),
        sa.Index("ix_cdr_child_identity_death_shared", "partnership_id", "name_search",
                 "date_of_birth", "case_id", "same_name_dob",
                 postgresql_where=sa.text("same_name_dob > 1"),
                 sqlite_where=sa.text("same_name_dob > 1")),
    )
    __audit_label__ = "case_id"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    case_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("cdr_case.id", ondelete="CASCADE"), unique=True
    )
    given_names: so.Mapped[str] = so.mapped_column(sa.String(200))
    family_name: so.Mapped[str] = so.mapped_column(sa.String(200))
    # Lower-case "given family" and "family given", set from the names whenever they are
    # saved (search_keys): a search for the start of either name is an indexed range.
    name_search: so.Mapped[str] = so.mapped_column(sa.String(401), index=True)
    family_search: so.Mapped[str | None] = so.mapped_column(sa.String(401), index=True)
    date_of_birth: so.Mapped[date | None]
    nhs_number: so.Mapped[str | None] = so.mapped_column(sa.String(10), index=True)
    address: so.Mapped[str | None] = so.mapped_column(sa.Text)
    postcode: so.Mapped[str | None] = so.mapped_column(sa.String(10))
    # Kept by the database (SHARED_KEYS): how many of the partnership's children have this
    # NHS number, and this name and date of birth (this one included; 0 without a number).
    same_nhs: so.Mapped[int] = so.mapped_column(default=0, server_default="0")
    same_name_dob: so.Mapped[int] = so.mapped_column(default=0, server_default="0")
    # The child's carers at the time of death (names and relationship, as the notifier gave
    # them): they identify the family, so they are kept here with the child's details.
    carers: so.Mapped[str | None] = so.mapped_column(sa.Text)

    case = so.relationship("ChildDeathCase", lazy="raise",
                           backref=so.backref("identity", uselist=False, lazy="raise"))

    @property
    def full_name(self) -> str:
        """Given names then family name."""
        return f"{self.given_names} {self.family_name}".strip()


SHARED_KEYS = (
    duplicates.SharedKey("cdr_child_identity", "same_nhs", ("{r}.nhs_number",),
                         ("nhs_number",)),
    duplicates.SharedKey("cdr_child_identity", "same_name_dob",
                         ("{r}.name_search", "{r}.date_of_birth"),
                         ("name_search", "date_of_birth")),
)
duplicates.attach(ChildIdentity.__table__, *SHARED_KEYS)


def search_keys(given_names: str, family_name: str) -> tuple[str, str]:
    """("given family", "family given") in lower case with single spaces, for searching."""
    given = " ".join((given_names or "").lower().split())
    family = " ".join((family_name or "").lower().split())
    return f"{given} {family}".strip(), f"{family} {given}".strip()


@sa.event.listens_for(ChildIdentity, "before_insert")
@sa.event.listens_for(ChildIdentity, "before_update")
def _set_search_keys(mapper, connection, identity):
    """Whichever page saved the names, the search keys follow them."""
    identity.name_search, identity.family_search = search_keys(identity.given_names,
                                                               identity.family_name)
