"""Two-factor sign-in: time-based one-time codes (RFC 6238, pyotp) and recovery codes.

A user sets it up once on the set-up page (tracker.views.auth): a secret is made and kept
unconfirmed, shown as a QR code (segno, an SVG data URI the strict CSP allows) and as text;
the first right code confirms it and gives ten recovery codes, shown once.

- The secret is shown only to its own user, only until it is confirmed; it is never in the
  audit trail, a log or an e-mail. It is stored sealed (`seal`: Fernet, under a key derived
  from TWO_FACTOR_KEY or SECRET_KEY), in its own table; one stored before encryption is read
  as it is and sealed by the scheduler's frequent job (`seal_plain_secrets`) or at its
  user's next sign-in, whichever comes first.
- Recovery codes are stored as HMAC-SHA256 hashes keyed with SECRET_KEY (each has 50 random
  bits, so a keyed hash is enough and lets a code be found by one indexed read); each works
  once. Changing SECRET_KEY makes the recovery codes unusable (not the authenticator codes).
- A code is accepted one time step (30 s) either side of now, and only for a time step after
  the last one used by that user (`last_step`, moved on by one conditional UPDATE), so a code
  cannot be replayed within its window, even by two requests at once.

Wrong codes count towards the sign-in lockout (tracker.auth).
"""

import base64
import hashlib
import hmac
import secrets
from datetime import UTC, datetime

import pyotp
import segno
import sqlalchemy as sa
import sqlalchemy.orm as so
from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app

from tracker.extensions import db
from tracker.timeutil import utcnow

RECOVERY_CODES = 10
# Codes one time step either side of now are accepted: a phone's clock may be a little off.
DRIFT_STEPS = 1
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i to misread


class SecondFactor(db.Model):
    """A user's authenticator secret: unconfirmed while being set up, then in use."""

    __tablename__ = "second_factor"

    user_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("user.id", ondelete="CASCADE"), primary_key=True)
    # Encrypted (seal/unseal): a copy of the database or a backup alone cannot make codes.
    secret: so.Mapped[str] = so.mapped_column(sa.String(255))
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    confirmed_at: so.Mapped[datetime | None]
    # The time step (Unix time // 30) of the last code accepted: no code of it or before
    # it is accepted again.
    last_step: so.Mapped[int | None] = so.mapped_column(sa.BigInteger)


class RecoveryCode(db.Model):
    """One single-use recovery code, as its keyed hash."""

    __tablename__ = "recovery_code"
    __table_args__ = (sa.Index("ix_recovery_code_user_hash", "user_id", "code_hash"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"))
    code_hash: so.Mapped[str] = so.mapped_column(sa.String(64))
    used_at: so.Mapped[datetime | None]


# A Fernet token begins so (its version byte, 0x80, in URL-safe base64); a base32 secret,
# upper case, never does: a secret kept before encryption is read as it is.
SEALED_PREFIX = "gAAAA"


def _fernet() -> Fernet:
    """The key the secrets are sealed with: from TWO_FACTOR_KEY if set, else SECRET_KEY,
    through HKDF with a label of its own (never the signing key itself). Changing the key
    leaves every authenticator unreadable: each user must then be reset."""
    material = (current_app.config.get("TWO_FACTOR_KEY")
                or current_app.config["SECRET_KEY"]).encode("utf-8")
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
               info=b"tracker two-factor secret").derive(material)
    return Fernet(base64.urlsafe_b64encode(key))


def seal(secret: str) -> str:
    """A secret as it is stored: encrypted and authenticated."""
    return _fernet().encrypt(secret.encode("ascii")).decode("ascii")


def unseal(stored: str) -> str | None:
    """The secret of a stored value (one kept before encryption as it is); None when it
    cannot be read with the key the app has (the key was changed)."""
    if not stored.startswith(SEALED_PREFIX):
        return stored
    try:
        return _fernet().decrypt(stored.encode("ascii")).decode("ascii")
    except InvalidToken:
        current_app.logger.error("A two-factor secret cannot be read with the current key: "
                                 "reset that user's two-factor sign-in")
        return None


def _row(user_id):
    return db.session.get(SecondFactor, user_id, populate_existing=True)


def is_set_up(user) -> bool:
    """Whether the user has a confirmed second factor."""
    return db.session.scalar(sa.select(SecondFactor.confirmed_at.is_not(None)).where(
        SecondFactor.user_id == user.id)) is True


def pending_secret(user, now=None) -> str:
    """The secret being set up for a user without a confirmed one (made on first call and
    kept, so reloading the page does not change the QR code already scanned)."""
    row = _row(user.id)
    if row is None:
        row = SecondFactor(user_id=user.id, secret=seal(pyotp.random_base32()),
                           created_at=now or utcnow())
        db.session.add(row)
        db.session.flush()
    if row.confirmed_at is not None:
        raise ValueError("the second factor is already set up: its secret is not shown again")
    secret = unseal(row.secret)
    if secret is None:  # sealed under another key: begin again with a new secret
        secret = pyotp.random_base32()
        row.secret = seal(secret)
        db.session.flush()
    return secret


def provisioning_uri(user, secret) -> str:
    """The otpauth:// address an authenticator app reads from the QR code."""
    return pyotp.TOTP(secret).provisioning_uri(
        name=user.email, issuer_name=current_app.config["SERVICE_NAME"])


def qr_data_uri(uri) -> str:
    """The QR code of `uri` as an SVG data URI (allowed by the CSP's img-src data:)."""
    return segno.make(uri, error="m").svg_data_uri(scale=5, border=4, dark="#0b0c0c")


def grouped(text, size=4) -> str:
    """A secret in groups of four characters, easier to type."""
    return " ".join(text[i:i + size] for i in range(0, len(text), size))


def _matching_step(stored, code, now):
    """The time step whose code `code` is (within the drift allowed), or None; `stored` is
    the secret as kept (sealed)."""
    code = "".join(code.split())
    if not (len(code) == 6 and code.isascii() and code.isdigit()):
        return None
    secret = unseal(stored)
    if secret is None:
        return None
    totp = pyotp.TOTP(secret)
    # The app's times are naive UTC; pyotp would read a naive datetime as local time.
    now_step = totp.timecode(now.replace(tzinfo=UTC) if now.tzinfo is None else now)
    for step in range(now_step - DRIFT_STEPS, now_step + DRIFT_STEPS + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def _use_step(user_id, step, *, confirmed) -> bool:
    """Take a time step for the user, only if later than the last one taken (atomic)."""
    row_state = (SecondFactor.confirmed_at.is_not(None) if confirmed
                 else SecondFactor.confirmed_at.is_(None))
    taken = db.session.execute(
        sa.update(SecondFactor)
        .where(SecondFactor.user_id == user_id, row_state,
               sa.or_(SecondFactor.last_step.is_(None), SecondFactor.last_step < step))
        .values(last_step=step)
        .returning(SecondFactor.user_id)
        .execution_options(synchronize_session=False)
    ).first()
    return taken is not None


def check_code(user, code, now=None) -> bool:
    """Whether `code` is the user's current authenticator code, not used before."""
    row = _row(user.id)
    if row is None or row.confirmed_at is None:
        return False
    step = _matching_step(row.secret, code or "", now or utcnow())
    if step is None or not _use_step(user.id, step, confirmed=True):
        return False
    if not row.secret.startswith(SEALED_PREFIX):  # kept before encryption: seal it now
        row.secret = seal(row.secret)
    return True


def confirm(user, code, now=None):
    """Confirm the secret being set up with a first code: the ten new recovery codes (to be
    shown once), or None when the code is wrong or already used."""
    now = now or utcnow()
    row = _row(user.id)
    if row is None or row.confirmed_at is not None:
        return None
    step = _matching_step(row.secret, code or "", now)
    if step is None or not _use_step(user.id, step, confirmed=False):
        return None
    row = _row(user.id)
    row.confirmed_at = now
    return _new_recovery_codes(user)


def _new_recovery_codes(user):
    db.session.execute(sa.delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = []
    for _ in range(RECOVERY_CODES):
        raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(10))
        codes.append(f"{raw[:5]}-{raw[5:]}")
        db.session.add(RecoveryCode(user_id=user.id, code_hash=_recovery_hash(user.id, raw)))
    return codes


def _normalised_recovery(code):
    """A recovery code as typed, without spaces or hyphens, in lower case."""
    return "".join(ch for ch in (code or "").lower() if ch not in " -\t")


def _recovery_hash(user_id, normalised):
    key = current_app.config["SECRET_KEY"].encode("utf-8")
    return hmac.new(key, f"recovery:{user_id}:{normalised}".encode(),
                    hashlib.sha256).hexdigest()


def use_recovery_code(user, code, now=None) -> bool:
    """Spend one of the user's recovery codes (atomic: a code works once, even twice at once)."""
    normalised = _normalised_recovery(code)
    if len(normalised) != 10 or not is_set_up(user):
        return False
    used = db.session.execute(
        sa.update(RecoveryCode)
        .where(RecoveryCode.user_id == user.id,
               RecoveryCode.code_hash == _recovery_hash(user.id, normalised),
               RecoveryCode.used_at.is_(None))
        .values(used_at=now or utcnow())
        .returning(RecoveryCode.id)
        .execution_options(synchronize_session=False)
    ).first()
    return used is not None


def recovery_codes_left(user) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(RecoveryCode).where(
        RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None)))


def seal_plain_secrets() -> int:
    """Seal every secret still kept as it is (stored before encryption, migration 0043),
    without waiting for its user's next sign-in: the scheduler's frequent job runs this, with
    the app's own key (a migration would seal with whatever key its environment had). One
    read of a table of a row a user; each secret by a conditional UPDATE, so a sign-in or a
    new set-up changing it meanwhile wins. How many sealed (no commit)."""
    plain = db.session.execute(sa.select(SecondFactor.user_id, SecondFactor.secret).where(
        # substr and != compare case-sensitively on both databases (SQLite's LIKE does not).
        sa.func.substr(SecondFactor.secret, 1, len(SEALED_PREFIX)) != SEALED_PREFIX)).all()
    sealed = 0
    for user_id, secret in plain:
        sealed += db.session.execute(
            sa.update(SecondFactor)
            .where(SecondFactor.user_id == user_id, SecondFactor.secret == secret)
            .values(secret=seal(secret))
            .execution_options(synchronize_session=False)).rowcount
    return sealed


def remove(user) -> bool:
    """Remove a user's second factor and recovery codes; whether there was one."""
    db.session.execute(sa.delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    removed = db.session.execute(
        sa.delete(SecondFactor).where(SecondFactor.user_id == user.id)
        .returning(SecondFactor.user_id)).first()
    return removed is not None
