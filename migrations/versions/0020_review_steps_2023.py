"""The review's Working Together 2023 steps: serious_incident.decision_ofsted_told_on and decision_dfe_told_on (Ofsted and the Department for Education told of the decision on a local review, each with its own date beside the Panel's decision_informed_on, which until now was the one date for all three: it is copied to both), and Ofsted's copy of a local review report under Working Together 2023 (`cspr_prepublication_ofsted`): every WT2023 local review with a stored `cspr_prepublication_copies` deadline gets the matching Ofsted deadline (same owner, trigger and due date, both fixed rules counted the same way), met on the date the incident holds for Ofsted's copy, if any

Revision ID: 0020_review_steps_2023
Revises: 0019_care_leaver_deaths
Create Date: 2026-12-06 17:20:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0020_review_steps_2023'
down_revision = '0019_care_leaver_deaths'
branch_labels = None
depends_on = None

incident = sa.table(
    'serious_incident',
    sa.column('id', sa.Integer), sa.column('decision', sa.String),
    sa.column('decision_informed_on', sa.Date), sa.column('decision_ofsted_told_on', sa.Date),
    sa.column('decision_dfe_told_on', sa.Date), sa.column('ofsted_copy_sent_on', sa.Date),
)
deadline = sa.table(
    'deadline',
    *(sa.column(name, sa.Integer) for name in ('id', 'partnership_id', 'owner_id',
                                               'rules_version')),
    *(sa.column(name, sa.String) for name in ('owner_type', 'rule_key', 'edition', 'item')),
    *(sa.column(name, sa.Date) for name in ('trigger_date', 'earliest_date', 'due_date',
                                            'met_on')),
    sa.column('updated_at', sa.DateTime),
)
COPIES, OFSTED = 'cspr_prepublication_copies', 'cspr_prepublication_ofsted'


def upgrade():
    op.add_column('serious_incident', sa.Column('decision_ofsted_told_on', sa.Date(),
                                                nullable=True))
    op.add_column('serious_incident', sa.Column('decision_dfe_told_on', sa.Date(),
                                                nullable=True))
    # The one date recorded until now was the day all three were told.
    op.execute(incident.update().where(incident.c.decision_informed_on.is_not(None))
               .values(decision_ofsted_told_on=incident.c.decision_informed_on,
                       decision_dfe_told_on=incident.c.decision_informed_on))

    # Ofsted's copy beside the Panel's and the Secretary of State's, for a local review under
    # WT2023 (a WT2018 case's edition has no such rule). Plain INSERT ... SELECT: the deadline
    # table's tally triggers count the new rows as for any other write.
    copies = deadline.alias('copies')
    already = sa.select(deadline.c.id).where(
        deadline.c.owner_type == copies.c.owner_type, deadline.c.owner_id == copies.c.owner_id,
        deadline.c.rule_key == OFSTED, deadline.c.item == copies.c.item)
    rows = (
        sa.select(copies.c.partnership_id, copies.c.owner_type, copies.c.owner_id,
                  sa.literal(OFSTED), copies.c.edition, copies.c.item, copies.c.trigger_date,
                  copies.c.earliest_date, copies.c.due_date, incident.c.ofsted_copy_sent_on,
                  copies.c.rules_version, sa.func.current_timestamp())
        .select_from(copies.join(incident, incident.c.id == copies.c.owner_id))
        .where(copies.c.owner_type == 'serious_incident', copies.c.rule_key == COPIES,
               copies.c.edition == 'WT2023', incident.c.decision == 'local',
               ~sa.exists(already))
    )
    op.execute(deadline.insert().from_select(
        ['partnership_id', 'owner_type', 'owner_id', 'rule_key', 'edition', 'item',
         'trigger_date', 'earliest_date', 'due_date', 'met_on', 'rules_version', 'updated_at'],
        rows))


def downgrade():
    # The earlier code has no Ofsted deadline (the tally triggers uncount the rows).
    op.execute(deadline.delete().where(deadline.c.rule_key == OFSTED))
    with op.batch_alter_table('serious_incident') as batch:
        batch.drop_column('decision_dfe_told_on')
        batch.drop_column('decision_ofsted_told_on')
