"""Notifications of one death recorded twice: found before a new case is made (under the
death's lock), and the partnership's duplicate groups for the shell's duplicates page.

Two notifications of one death at the same moment give one case: the view takes
`lock_identity` before `find_duplicate`, so the second waits for the first to commit and then
finds its case (tracker.duplicates).
"""

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import url_for
from flask_login import current_user

from cdr.models import ChildDeathCase, ChildIdentity
from tracker import duplicates
from tracker.extensions import db
from tracker.roles import Permission
from tracker.security import visible_partnership_ids


def find_duplicate(data: dict, partnership_ids) -> ChildDeathCase | None:
    """An earlier case of the same death in these partnerships: the same NHS number, or the
    same name (any case), date of birth and date of death."""
    name = f"{data['given_names']} {data['family_name']}".lower()
    same_name = sa.and_(
        ChildIdentity.name_search == name,
        ChildIdentity.date_of_birth.is_(None) if data["date_of_birth"] is None
        else ChildIdentity.date_of_birth == data["date_of_birth"],
        ChildDeathCase.date_of_death == data["date_of_death"],
    )
    same = sa.or_(ChildIdentity.nhs_number == data["nhs_number"], same_name) \
        if data.get("nhs_number") else same_name
    return db.session.scalar(
        sa.select(ChildDeathCase)
        .join(ChildIdentity, ChildIdentity.case_id == ChildDeathCase.id)
        .where(same, ChildDeathCase.partnership_id.in_(list(partnership_ids)))
        .order_by(ChildDeathCase.id)
        .limit(1)
    )


def identity_keys(data: dict) -> list[str]:
    """What makes two notifications one death, as lock keys: the NHS number (when given),
    and the name with the dates of birth and death (find_duplicate's two tests)."""
    name = f"{data['given_names']} {data['family_name']}".lower()
    keys = [f"cdr-death|{name}|{data['date_of_birth']}|{data['date_of_death']}"]
    if data.get("nhs_number"):
        keys.append(f"cdr-nhs|{data['nhs_number']}")
    return keys


def lock_identity(data: dict) -> None:
    """Hold the lock of this death until the transaction ends: another notification of it
    waits, and its find_duplicate then sees this one's case."""
    duplicates.lock(*identity_keys(data))


def duplicate_groups(partnership_id: int, page: int = 1,
                     size: int = 50) -> tuple[list[duplicates.DuplicateGroup], bool]:
    """Page `page` of the partnership's cases that seem to be one death (same NHS number, or
    same name, date of birth and date of death), by reference, never by the child's details;
    linked only for a user who may open them. With whether more groups follow.

    Grouped (tracker.duplicates.shared), `size` groups of each reason a page, from only the
    children whose NHS number, or name and date of birth, another child of the partnership
    has: the counts the database keeps (ChildIdentity.same_nhs, same_name_dob), off partial
    indexes of those alone. The date of death is the case's: those children are joined to
    their cases to be grouped with it. A group of the same death that is every case of one
    NHS number is that NHS number's group, listed once.
    """
    may_open = (current_user.can(Permission.VIEW_CDR_CASES)
                and partnership_id in visible_partnership_ids())
    identity = ChildIdentity
    cases = (sa.select(ChildDeathCase.id, ChildDeathCase.reference)
             .join(identity, identity.case_id == ChildDeathCase.id)
             .where(identity.partnership_id == partnership_id))
    same_nhs = (identity.nhs_number,)
    nhs_groups = duplicates.shared(
        sa.select(identity).where(identity.partnership_id == partnership_id,
                                  identity.nhs_number.is_not(None),
                                  duplicates.repeated(identity.same_nhs)), same_nhs, page, size)
    same_death = (identity.name_search, identity.date_of_birth, ChildDeathCase.date_of_death)
    others = so.aliased(ChildIdentity)
    cases_of_nhs = (sa.select(sa.func.count()).select_from(others)
                    .where(others.partnership_id == partnership_id,
                           others.nhs_number == sa.func.min(identity.nhs_number))
                    .scalar_subquery())
    death_groups = duplicates.shared(
        cases.where(identity.name_search.is_not(None),
                    duplicates.repeated(identity.same_name_dob)), same_death, page, size,
        # Not every case of one NHS number (that group is listed already).
        sa.not_(sa.and_(sa.func.count(identity.nhs_number) == sa.func.count(),
                        sa.func.min(identity.nhs_number) == sa.func.max(identity.nhs_number),
                        cases_of_nhs == sa.func.count())))
    found, more = [], False
    for keys, groups_page, reason in (
            (same_nhs, nhs_groups, "Same NHS number"),
            (same_death, death_groups, "Same name, date of birth and date of death")):
        members, its_more = duplicates.members(cases, keys, groups_page, size)
        more = more or its_more
        found += [duplicates.DuplicateGroup("Child death cases", reason, [
            duplicates.DuplicateRecord(
                row.reference, url_for("cdr.case", case_id=row.id) if may_open else "")
            for row in rows]) for rows in members]
    return found, more
