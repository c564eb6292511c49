"""The authenticator secret kept encrypted (tracker.two_factor.seal): second_factor.secret
widened from 64 to 255 characters for the Fernet token. Secrets kept before are read as they
are and sealed at their user's next sign-in.

Revision ID: 0043_two_factor_sealed
Revises: 0038_agency_chasing
Create Date: 2026-12-07 05:40:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0043_two_factor_sealed'
down_revision = '0038_agency_chasing'
branch_labels = None
depends_on = None


def upgrade():
    # second_factor has no triggers, so SQLite's batch rebuild of it loses nothing.
    with op.batch_alter_table('second_factor', schema=None) as batch_op:
        batch_op.alter_column('secret', existing_type=sa.String(length=64),
                              type_=sa.String(length=255), existing_nullable=False)


def downgrade():
    with op.batch_alter_table('second_factor', schema=None) as batch_op:
        batch_op.alter_column('secret', existing_type=sa.String(length=255),
                              type_=sa.String(length=64), existing_nullable=False)
