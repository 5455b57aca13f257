"""rollup counts in 64 bits: a minute's or an hour's units (and readings) are the sum of many rows of up to
2^31-1 each, which a 32-bit column could not hold (PostgreSQL refused the bucket, and with it every rollup
of the window and of each window after it)

Revision ID: 0014_rollup_counts_64_bit
Revises: 0013_pegging_network
"""

import sqlalchemy as sa
from alembic import op

revision = "0014_rollup_counts_64_bit"
down_revision = "0013_pegging_network"
branch_labels = None
depends_on = None

COLUMNS = {"count_rollups": ("good", "scrap", "rework"), "measurement_rollups": ("n",)}
INT32_MAX = 2**31 - 1


def upgrade() -> None:
    _retype(sa.Integer(), sa.BigInteger())


def downgrade() -> None:
    """Back to 32 bits: a bucket beyond them is deleted, as the old schema could not hold it (its raw rows are
    kept)."""
    for table, columns in COLUMNS.items():
        op.execute(f"DELETE FROM {table} WHERE " + " OR ".join(f"{column} > {INT32_MAX}" for column in columns))
    _retype(sa.BigInteger(), sa.Integer())


def _retype(old: sa.types.TypeEngine, new: sa.types.TypeEngine) -> None:
    for table, columns in COLUMNS.items():
        with op.batch_alter_table(table) as batch_op:
            for column in columns:
                batch_op.alter_column(column, type_=new, existing_type=old, existing_nullable=False)
