"""dead letters keep their raw payload's length and SHA-256 (the payload itself is cut short); retention
settings carry a row cap

Revision ID: 0004_dead_letter_caps
Revises: 0003_schedule
"""

import sqlalchemy as sa
from alembic import op

revision = "0004_dead_letter_caps"
down_revision = "0003_schedule"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("dead_letters", schema=None) as batch_op:
        batch_op.add_column(sa.Column("raw_length", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("raw_sha256", sa.String(length=64), nullable=True))
    with op.batch_alter_table("retention_settings", schema=None) as batch_op:
        batch_op.add_column(sa.Column("max_rows", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("retention_settings", schema=None) as batch_op:
        batch_op.drop_column("max_rows")
    with op.batch_alter_table("dead_letters", schema=None) as batch_op:
        batch_op.drop_column("raw_sha256")
        batch_op.drop_column("raw_length")
