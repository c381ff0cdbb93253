"""A stakeholder's stance towards us (supporter, neutral, detractor; NULL = unknown) and a one-line
note on an interaction.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("stakeholders", sa.Column("stance", sa.String(length=20), nullable=True))
    op.add_column("interactions", sa.Column("note", sa.String(length=300), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("interactions") as batch_op:
        batch_op.drop_column("note")
    with op.batch_alter_table("stakeholders") as batch_op:
        batch_op.drop_column("stance")
