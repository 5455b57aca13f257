"""telemetry: time series, rollups, retention, sparkplug births

Revision ID: 0002_telemetry
Revises: 0001_foundation
"""

import sqlalchemy as sa
from alembic import op

revision = "0002_telemetry"
down_revision = "0001_foundation"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "count_rollups",
        sa.Column("period_s", sa.Integer(), nullable=False),
        sa.Column("equipment", sa.String(length=300), nullable=False),
        sa.Column("bucket_us", sa.BigInteger(), nullable=False),
        sa.Column("good", sa.Integer(), nullable=False),
        sa.Column("scrap", sa.Integer(), nullable=False),
        sa.Column("rework", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("period_s", "equipment", "bucket_us", name=op.f("pk_count_rollups")),
    )
    op.create_table(
        "counts",
        sa.Column("ts_us", sa.BigInteger(), nullable=False),
        sa.Column("site", sa.String(length=64), nullable=False),
        sa.Column("equipment", sa.String(length=300), nullable=False),
        sa.Column("good", sa.Integer(), nullable=False),
        sa.Column("scrap", sa.Integer(), nullable=False),
        sa.Column("rework", sa.Integer(), nullable=False),
        sa.Column("material", sa.String(length=64), nullable=True),
        sa.Column("source", sa.String(length=200), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("equipment", "source", "seq", name=op.f("pk_counts")),
    )
    with op.batch_alter_table("counts", schema=None) as batch_op:
        batch_op.create_index("ix_counts_ts", ["ts_us"], unique=False)

    op.create_table(
        "measurement_rollups",
        sa.Column("period_s", sa.Integer(), nullable=False),
        sa.Column("equipment", sa.String(length=300), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("bucket_us", sa.BigInteger(), nullable=False),
        sa.Column("unit", sa.String(length=32), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.Column("total", sa.Float(), nullable=False),
        sa.Column("minimum", sa.Float(), nullable=False),
        sa.Column("maximum", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("period_s", "equipment", "name", "bucket_us", name=op.f("pk_measurement_rollups")),
    )
    op.create_table(
        "measurements",
        sa.Column("ts_us", sa.BigInteger(), nullable=False),
        sa.Column("site", sa.String(length=64), nullable=False),
        sa.Column("equipment", sa.String(length=300), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("unit", sa.String(length=32), nullable=False),
        sa.Column("source", sa.String(length=200), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("equipment", "name", "source", "seq", name=op.f("pk_measurements")),
    )
    with op.batch_alter_table("measurements", schema=None) as batch_op:
        batch_op.create_index("ix_measurements_ts", ["ts_us"], unique=False)

    op.create_table(
        "retention_settings",
        sa.Column("series", sa.String(length=32), nullable=False),
        sa.Column("keep_days", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("series", name=op.f("pk_retention_settings")),
    )
    op.create_table(
        "sparkplug_births",
        sa.Column("group_id", sa.String(length=200), nullable=False),
        sa.Column("node_id", sa.String(length=200), nullable=False),
        sa.Column("device_id", sa.String(length=200), nullable=False),
        sa.Column("bd_seq", sa.BigInteger(), nullable=False),
        sa.Column("metrics", sa.JSON(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("group_id", "node_id", "device_id", name=op.f("pk_sparkplug_births")),
    )
    op.create_table(
        "state_changes",
        sa.Column("ts_us", sa.BigInteger(), nullable=False),
        sa.Column("site", sa.String(length=64), nullable=False),
        sa.Column("equipment", sa.String(length=300), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("source", sa.String(length=200), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("equipment", "source", "seq", name=op.f("pk_state_changes")),
    )
    with op.batch_alter_table("state_changes", schema=None) as batch_op:
        batch_op.create_index("ix_state_changes_ts", ["ts_us"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("state_changes", schema=None) as batch_op:
        batch_op.drop_index("ix_state_changes_ts")

    op.drop_table("state_changes")
    op.drop_table("sparkplug_births")
    op.drop_table("retention_settings")
    with op.batch_alter_table("measurements", schema=None) as batch_op:
        batch_op.drop_index("ix_measurements_ts")

    op.drop_table("measurements")
    op.drop_table("measurement_rollups")
    with op.batch_alter_table("counts", schema=None) as batch_op:
        batch_op.drop_index("ix_counts_ts")

    op.drop_table("counts")
    op.drop_table("count_rollups")
