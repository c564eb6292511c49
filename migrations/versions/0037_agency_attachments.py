"""Files an agency contact attaches to a reporting form sent through a personal link
(agency_attachment: the original name, the type detected from the content, size, SHA-256 and
the random name of the file under ATTACHMENT_DIR)

Revision ID: 0037_agency_attachments
Revises: 0036_two_factor
Create Date: 2026-12-07 04:50:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0037_agency_attachments'
down_revision = '0036_two_factor'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'agency_attachment',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('answer_id', sa.Integer(), nullable=False),
        sa.Column('link_id', sa.Integer(), nullable=False),
        sa.Column('original_name', sa.String(length=255), nullable=False),
        sa.Column('kind', sa.String(length=8), nullable=False),
        sa.Column('size', sa.Integer(), nullable=False),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('stored_name', sa.String(length=64), nullable=False),
        sa.Column('uploaded_at', sa.DateTime(), nullable=False),
        sa.Column('partnership_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['answer_id'], ['agency_answer.id'],
                                name=op.f('fk_agency_attachment_answer_id_agency_answer')),
        sa.ForeignKeyConstraint(['link_id'], ['agency_link.id'],
                                name=op.f('fk_agency_attachment_link_id_agency_link')),
        sa.ForeignKeyConstraint(['partnership_id'], ['partnership.id'],
                                name=op.f('fk_agency_attachment_partnership_id_partnership')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_agency_attachment')),
        sa.UniqueConstraint('stored_name', name=op.f('uq_agency_attachment_stored_name')),
    )
    op.create_index(op.f('ix_agency_attachment_answer_id'), 'agency_attachment', ['answer_id'])
    op.create_index(op.f('ix_agency_attachment_link_id'), 'agency_attachment', ['link_id'])
    op.create_index(op.f('ix_agency_attachment_partnership_id'), 'agency_attachment',
                    ['partnership_id'])


def downgrade():
    op.drop_index(op.f('ix_agency_attachment_partnership_id'), table_name='agency_attachment')
    op.drop_index(op.f('ix_agency_attachment_link_id'), table_name='agency_attachment')
    op.drop_index(op.f('ix_agency_attachment_answer_id'), table_name='agency_attachment')
    op.drop_table('agency_attachment')
