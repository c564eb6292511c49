"""Factories for test data: partnerships and users with sensible defaults."""

import itertools

from tracker.extensions import db
from tracker.models import Partnership, User
from tracker.passwords import hash_password
from tracker.roles import Role

PASSWORD = "correct horse battery staple"
_counter = itertools.count(1)


def make_partnership(code=None, name=None, **fields):
    """A saved partnership."""
    n = next(_counter)
    partnership = Partnership(code=code or f"P{n:03d}", name=name or f"Test partnership {n}",
                              **fields)
    db.session.add(partnership)
    db.session.commit()
    return partnership


def make_user(role=Role.CDOP_ADMIN, partnerships=(), email=None, password=PASSWORD, **fields):
    """A saved user with a known password."""
    n = next(_counter)
    user = User(
        email=email or f"user{n}@example.org",
        full_name=fields.pop("full_name", f"Test User {n}"),
        role=Role(role).value,
        password_hash=hash_password(password),
        **fields,
    )
    user.partnerships = list(partnerships)
    db.session.add(user)
    db.session.commit()
    return user
