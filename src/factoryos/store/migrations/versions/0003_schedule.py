"""schedule: schedules and their operations, one row per work-order operation

Revision ID: 0003_schedule
Revises: 0002_telemetry
"""

import sqlalchemy as sa
from alembic import op

revision = "0003_schedule"
down_revision = "0002_telemetry"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "schedules",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("site", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("end", sa.DateTime(timezone=True), nullable=False),
        sa.Column("objective", sa.String(length=64), nullable=False),
        sa.Column("method", sa.String(length=64), nullable=False),
        sa.Column("figures", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_schedules")),
    )
    with op.batch_alter_table("schedules", schema=None) as batch_op:
        batch_op.create_index("ix_schedules_site_created", ["site", "created_at"], unique=False)

    op.create_table(
        "scheduled_operations",
        sa.Column("schedule", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("work_order", sa.String(length=48), nullable=False),
        sa.Column("production_order", sa.String(length=32), nullable=False),
        sa.Column("operation", sa.String(length=64), nullable=False),
        sa.Column("equipment", sa.String(length=64), nullable=False),
        sa.Column("start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("end", sa.DateTime(timezone=True), nullable=False),
        sa.Column("setup_minutes", sa.Float(), nullable=False),
        sa.Column("serial", sa.String(length=48), nullable=True),
        sa.ForeignKeyConstraint(
            ["schedule"],
            ["schedules.id"],
            name=op.f("fk_scheduled_operations_schedule_schedules"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("schedule", "position", name=op.f("pk_scheduled_operations")),
    )
    with op.batch_alter_table("scheduled_operations", schema=None) as batch_op:
        batch_op.create_index("ix_scheduled_operations_equipment", ["schedule", "equipment", "start"], unique=False)
        batch_op.create_index("ix_scheduled_operations_work_order", ["work_order"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("scheduled_operations", schema=None) as batch_op:
        batch_op.drop_index("ix_scheduled_operations_work_order")
        batch_op.drop_index("ix_scheduled_operations_equipment")
    op.drop_table("scheduled_operations")
    with op.batch_alter_table("schedules", schema=None) as batch_op:
        batch_op.drop_index("ix_schedules_site_created")
    op.drop_table("schedules")
