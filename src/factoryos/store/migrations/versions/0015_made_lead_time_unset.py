"""a material's lead time may be unset: a made material the plant file gives none takes its routing's, which the
materials table wrote as 0 days

Revision ID: 0015_made_lead_time_unset
Revises: 0014_rollup_counts_64_bit
"""

import sqlalchemy as sa
from alembic import op

revision = "0015_made_lead_time_unset"
down_revision = "0014_rollup_counts_64_bit"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("materials") as batch_op:
        batch_op.alter_column("lead_time_days", existing_type=sa.Float(), nullable=True)


def downgrade() -> None:
    """Back to a lead time on every row: an unset one is 0 days, as the old schema wrote it."""
    op.execute("UPDATE materials SET lead_time_days = 0 WHERE lead_time_days IS NULL")
    with op.batch_alter_table("materials") as batch_op:
        batch_op.alter_column("lead_time_days", existing_type=sa.Float(), nullable=False)
