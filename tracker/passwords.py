"""Password hashing with Argon2id (argon2-cffi) and the password policy (zxcvbn)."""

import contextlib
import re
import threading

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from flask import current_app
from zxcvbn import zxcvbn

_production = PasswordHasher()
# Tests only: the same algorithm at minimal cost, so the suite stays fast.
_fast = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
# Verified against when there is no real hash to check (unknown email), one per hasher, so
# that attempt costs the same Argon2 work as checking a real user's password.
_DUMMY_HASHES = {id(h): h.hash("not-a-real-password-just-for-timing") for h in (_production, _fast)}

MIN_LENGTH = 12
# zxcvbn's l33t matcher tries every substitution, so its time grows fast with the number of
# substitutable characters: 72 of "4@8({[<3&6!1|7+5$0%2" took 3.5 s (holding the lock below,
# so one user could stall every password check), 24 took 0.7 s, 20 at most 0.2 s. A password
# whose first 20 characters are hard to guess is hard to guess, so only those are scored.
CHECKED_LENGTH = 20
# The longest password accepted anywhere (ASVS 2.1.2 asks for at least 64 to be allowed).
MAX_LENGTH = 1024
# zxcvbn's score: 3 is "safely unguessable" (about 10^8 guesses or more), 4 "very unguessable".
MIN_SCORE = 3
ADVICE = "Use 3 or more random words that have nothing to do with you"
# zxcvbn keeps the user's inputs in a module-level dictionary while it checks: one at a time.
_zxcvbn_lock = threading.Lock()


def _hasher():
    """The hasher for this app (cheap in tests)."""
    return _fast if current_app.config.get("PASSWORD_HASH_FAST") else _production


def hash_password(password):
    """An Argon2id hash of a password."""
    return _hasher().hash(password)


def verify_password(password_hash, password):
    """Whether a password matches a stored hash; False for a missing or corrupt hash.

    Runs Argon2 exactly once whatever the hash, so every answer takes the same time.
    """
    hasher = _hasher()
    if not password_hash:
        with contextlib.suppress(VerificationError):
            hasher.verify(_DUMMY_HASHES[id(hasher)], password)
        return False
    try:
        return hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError):
        return False
    except InvalidHashError:
        with contextlib.suppress(VerificationError):
            hasher.verify(_DUMMY_HASHES[id(hasher)], password)
        return False


def password_problems(password, *, email=None, full_name=None):
    """GOV.UK-style messages for a password that breaks the policy (empty if it is fine).

    The policy: 12 characters or more, and not easy to guess (OWASP ASVS 2.1.7): not a common
    or breached password or pattern, not built from the user's name or email address, not the
    published demo password.
    """
    if len(password) < MIN_LENGTH:
        return [f"Password must be {MIN_LENGTH} characters or more"]
    if len(password) > MAX_LENGTH:
        return [f"Password must be {MAX_LENGTH:,} characters or fewer"]
    local_part = (email or "").split("@")[0].lower()
    # A local part of 1 or 2 letters ("j@…") would refuse every password with that letter.
    if len(local_part) >= 3 and local_part in password.lower():
        return ["Password must not contain your email address"]
    reason = _why_guessable(password, _personal_words(email, full_name))
    if reason:
        return [f"Password is too easy to guess: {reason}. {ADVICE}"]
    return []


def _personal_words(email, full_name):
    """The user's email address and name, whole and in pieces: what an attacker knows."""
    words = set()
    for value in (email or "", full_name or ""):
        value = value.lower().strip()
        if value:
            words.add(value)
            words.update(part for part in re.split(r"[\s@._+\-']+", value) if part)
    return sorted(words, key=len, reverse=True)


def _why_guessable(password, personal):
    """Why zxcvbn would guess this password quickly, or None if it would not."""
    from tracker.demo import DEMO_PASSWORD  # demo imports this module

    demo = DEMO_PASSWORD.lower()
    if demo in password.lower() and _weak(_without(password, [demo])):
        return "it is the published demo password"
    # Only words of 3 letters or more: taking "al" out of "metal" says nothing about "Al".
    rest = _without(password, [w for w in personal if len(w) >= 3])
    if rest != password and _weak(rest, personal):
        return "it is based on your name or email address"
    result = _score(password, personal)
    if result["score"] < MIN_SCORE:
        warning = result["feedback"]["warning"].rstrip(".")
        return (warning[:1].lower() + warning[1:]) if warning else (
            "it is made of common words, names or patterns")
    return None


def _without(password, words):
    """The password with every occurrence of the given words taken out (any case)."""
    for word in words:
        password = re.sub(re.escape(word), "", password, flags=re.IGNORECASE)
    return password


def _weak(rest, personal=()):
    """Whether what is left once the known words are out is too easy to guess on its own."""
    rest = rest.strip()
    return not rest or _score(rest, personal)["score"] < MIN_SCORE


def _score(password, personal):
    """zxcvbn's estimate for a password, with the user's own words as its user inputs."""
    with _zxcvbn_lock:
        return zxcvbn(password[:CHECKED_LENGTH], user_inputs=list(personal))
