"""The authenticator secret kept encrypted (tracker.two_factor.seal): second_factor.secret
widened from 64 to 255 characters for the Fernet token. Secrets kept before are read as they
are, and sealed by the scheduler's sweep (tracker.two_factor.seal_plain_secrets) or at
their user's next sign-in, whichever comes first: the upgrade does not seal them, as a
migration run with another key than the app's (TWO_FACTOR_KEY missing from its environment)
would make every secret unreadable without a word.

The downgrade unseals every secret back to the plain text the old code reads, with this
copy of the app's key derivation (HKDF-SHA256 of TWO_FACTOR_KEY, else SECRET_KEY, from the
app the migration runs in, as `flask db` always does), before narrowing the column: a
sealed value is longer than 64 characters, which PostgreSQL refuses, and the old code could
not read it anyway. A secret the key cannot read stops the downgrade with a message, and
nothing is changed.

Revision ID: 0043_two_factor_sealed
Revises: 0038_agency_chasing
Create Date: 2026-12-07 05:40:00

"""
import base64

import sqlalchemy as sa
from alembic import op
from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app

# revision identifiers, used by Alembic.
revision = '0043_two_factor_sealed'
down_revision = '0038_agency_chasing'
branch_labels = None
depends_on = None

# A Fernet token begins so; a base32 secret (upper case) never does.
SEALED_PREFIX = 'gAAAA'


def upgrade():
    # second_factor has no triggers, so SQLite's batch rebuild of it loses nothing.
    with op.batch_alter_table('second_factor', schema=None) as batch_op:
        batch_op.alter_column('secret', existing_type=sa.String(length=64),
                              type_=sa.String(length=255), existing_nullable=False)


def _fernet():
    """The key the app seals secrets with (tracker.two_factor._fernet as of this revision)."""
    material = (current_app.config.get('TWO_FACTOR_KEY')
                or current_app.config['SECRET_KEY']).encode('utf-8')
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
               info=b'tracker two-factor secret').derive(material)
    return Fernet(base64.urlsafe_b64encode(key))


def _unsealed(user_id, stored, fernet):
    try:
        secret = fernet.decrypt(stored.encode('ascii')).decode('ascii')
    except (InvalidToken, UnicodeError):
        secret = None
    if secret is None or len(secret) > 64:
        raise RuntimeError(
            f'Cannot downgrade: the two-factor secret of user {user_id} cannot be read with '
            'this environment\'s TWO_FACTOR_KEY (or SECRET_KEY). Run the downgrade with the '
            'key the app uses, or reset that user\'s two-factor sign-in first '
            '(flask users reset-two-factor). Nothing was changed.')
    return secret


def downgrade():
    conn = op.get_bind()
    stored = conn.execute(sa.text(
        'SELECT user_id, secret FROM second_factor ORDER BY user_id')).all()
    sealed = [(user_id, secret) for user_id, secret in stored
              if secret.startswith(SEALED_PREFIX)]
    if sealed:
        fernet = _fernet()
        plain = [{'user_id': user_id, 'secret': _unsealed(user_id, secret, fernet)}
                 for user_id, secret in sealed]  # every one read before any is written
        conn.execute(sa.text('UPDATE second_factor SET secret = :secret '
                             'WHERE user_id = :user_id'), plain)
    with op.batch_alter_table('second_factor', schema=None) as batch_op:
        batch_op.alter_column('secret', existing_type=sa.String(length=255),
                              type_=sa.String(length=64), existing_nullable=False)
