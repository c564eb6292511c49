"""Password hashing with Argon2id (argon2-cffi) and the password policy."""

import contextlib

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from flask import current_app

_production = PasswordHasher()
# Tests only: the same algorithm at minimal cost, so the suite stays fast.
_fast = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)

MIN_LENGTH = 12
# Checked with a user's password so a dummy verification costs the same as a real one.
_DUMMY_HASH = _production.hash("not-a-real-password-just-for-timing")


def _hasher():
    """The hasher for this app (cheap in tests)."""
    return _fast if current_app.config.get("PASSWORD_HASH_FAST") else _production


def hash_password(password):
    """An Argon2id hash of a password."""
    return _hasher().hash(password)


def verify_password(password_hash, password):
    """Whether a password matches a stored hash; False for a missing or corrupt hash."""
    if not password_hash:
        with contextlib.suppress(VerificationError):
            _hasher().verify(_DUMMY_HASH, password)
        return False
    try:
        return _hasher().verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def password_problems(password, *, email=None):
    """GOV.UK-style messages for a password that breaks the policy (empty if it is fine)."""
    problems = []
    if len(password) < MIN_LENGTH:
        problems.append(f"Password must be {MIN_LENGTH} characters or more")
    if email and email.split("@")[0].lower() in password.lower():
        problems.append("Password must not contain your email address")
    if password.lower() in {"password1234", "123456789012", "qwertyuiopas"}:
        problems.append("Choose a password that is harder to guess")
    return problems
