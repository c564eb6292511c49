"""The accounts of a partnership that hold a permission: for "Account to remind", "Case owner"
and meeting invitations in every domain.
"""

from typing import NamedTuple

import sqlalchemy as sa

from tracker.extensions import db
from tracker.models import User, user_partnership
from tracker.roles import PERMISSIONS, Permission, Role


class Account(NamedTuple):
    """An active user as a choice on a form or a recipient of an invitation."""

    id: int
    full_name: str
    email: str


def roles_with(permission: Permission) -> list[str]:
    """The roles that carry a permission (tracker.roles is the one place that says)."""
    return sorted(role.value for role, granted in PERMISSIONS.items() if permission in granted)


def accounts_of(partnership_id: int, *, permission: Permission | None = None,
                roles: tuple[Role, ...] = ()) -> list[Account]:
    """Active users of a partnership with a permission (or one of `roles`), by name (one
    query)."""
    wanted = set(roles_with(permission)) if permission is not None else set()
    wanted |= {Role(role).value for role in roles}
    rows = db.session.execute(
        sa.select(User.id, User.full_name, User.email)
        .join(user_partnership, user_partnership.c.user_id == User.id)
        .where(user_partnership.c.partnership_id == partnership_id,
               User.active.is_(True), User.role.in_(sorted(wanted)))
        .order_by(User.full_name, User.id)
    ).all()
    return [Account(row.id, row.full_name, row.email) for row in rows]


def choices(accounts: list[Account]) -> list[tuple[int, str]]:
    """(id, "Name (e-mail)") for a select of accounts."""
    return [(account.id, f"{account.full_name} ({account.email})") for account in accounts]


def name_of(user_id: int | None) -> str | None:
    """A user's name, whoever they are now (one query, or none without an id)."""
    if user_id is None:
        return None
    return db.session.scalar(sa.select(User.full_name).where(User.id == user_id))
