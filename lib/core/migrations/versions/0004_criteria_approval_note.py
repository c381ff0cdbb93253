"""The reason an admin gives when approving a criteria set.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("criteria_sets", sa.Column("approval_note", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("criteria_sets") as batch_op:
        batch_op.drop_column("approval_note")
