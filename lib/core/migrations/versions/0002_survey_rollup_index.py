"""An index that covers the survey roll-up per account, quarter and kind.

Revision ID: 0002
Revises: 0001
"""

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_surveys_rollup", "surveys", ["account_id", "quarter", "kind", "score"])


def downgrade() -> None:
    op.drop_index("ix_surveys_rollup", table_name="surveys")
