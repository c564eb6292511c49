"""Saved searches (a search's text kept server-side behind a short-lived, user-bound id); panel
items of cases transferred before transfers took them off agendas go back to their meeting's
partnership

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06 10:00:00

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

# A transfer used to move its case's panel items to the new partnership while their meetings
# stayed with the old one. An item belongs to its meeting's partnership: it then counts only
# while its case does too (cdr.models.panel.PanelItem.of_its_case).
_ITEMS_BACK_TO_THEIR_MEETINGS = sa.text(
    "UPDATE cdr_panel_item SET partnership_id = (SELECT m.partnership_id "
    "FROM cdr_panel_meeting m WHERE m.id = cdr_panel_item.meeting_id) "
    "WHERE partnership_id <> (SELECT m.partnership_id FROM cdr_panel_meeting m "
    "WHERE m.id = cdr_panel_item.meeting_id)")


# Plain create (not batch): no existing table is rebuilt, so no trigger is lost on SQLite.
def upgrade():
    op.create_table('saved_search',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token', sa.String(length=43), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('text', sa.String(length=200), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_saved_search_user_id_user'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_saved_search')),
    sa.UniqueConstraint('token', name=op.f('uq_saved_search_token'))
    )
    op.create_index(op.f('ix_saved_search_expires_at'), 'saved_search', ['expires_at'],
                    unique=False)
    op.create_index(op.f('ix_saved_search_user_id'), 'saved_search', ['user_id'], unique=False)
    op.execute(_ITEMS_BACK_TO_THEIR_MEETINGS)


def downgrade():
    # The items stay with their meetings' partnerships: the old code reads them the same way.
    op.drop_index(op.f('ix_saved_search_user_id'), table_name='saved_search')
    op.drop_index(op.f('ix_saved_search_expires_at'), table_name='saved_search')
    op.drop_table('saved_search')
