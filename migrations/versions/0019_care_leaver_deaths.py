"""The death of a care leaver as a serious incident: serious_incident.care_leaver (never also looked after) and serious_incident.age_at_death_years. Under Working Together 2023 (chapter 5) the local authority notifies the Secretary of State and Ofsted of the death of a care leaver up to and including age 24 within 5 working days, whatever the cause; the notification date is the one already kept for a looked-after child's death (sos_ofsted_notified_on). Existing incidents are not care leavers, so no stored deadline changes

Revision ID: 0019_care_leaver_deaths
Revises: 0018_rules_editions
Create Date: 2026-12-06 17:30:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0019_care_leaver_deaths'
down_revision = '0018_rules_editions'
branch_labels = None
depends_on = None


def upgrade():
    # Added in place on both databases (no batch rebuild of serious_incident): every existing
    # incident is not a care leaver, with no age recorded.
    op.add_column('serious_incident', sa.Column('care_leaver', sa.Boolean(),
                                                server_default=sa.false(), nullable=False))
    op.add_column('serious_incident', sa.Column('age_at_death_years', sa.Integer(),
                                                nullable=True))


def downgrade():
    # The care leaver notification deadlines go with the columns that start them; rebuilding
    # the stored deadlines under the earlier code would not recreate them either.
    care_leavers = ("SELECT id FROM deadline WHERE owner_type = 'serious_incident' "
                    "AND rule_key = 'care_leaver_death_notification'")
    op.execute(sa.text(f"DELETE FROM deadline_correction WHERE deadline_id IN ({care_leavers})"))
    op.execute(sa.text(f"DELETE FROM deadline WHERE id IN ({care_leavers})"))
    # serious_incident has no triggers, so the SQLite batch rebuild loses none (the
    # migrations run with foreign keys off on SQLite: the rebuild cascades to no child row).
    with op.batch_alter_table('serious_incident') as batch:
        batch.drop_column('age_at_death_years')
        batch.drop_column('care_leaver')
