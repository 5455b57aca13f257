"""material plans: MRP runs with their inputs' date, planned orders with their pegging, exceptions; purchase
orders

Revision ID: 0008_planning
Revises: 0007_material_bookings
"""

import sqlalchemy as sa
from alembic import op

revision = "0008_planning"
down_revision = "0007_material_bookings"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "material_plans",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("site", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("inputs_as_of", sa.DateTime(timezone=True), nullable=False),
        sa.Column("start", sa.Date(), nullable=False),
        sa.Column("horizon_days", sa.Integer(), nullable=False),
        sa.Column("demand", sa.String(length=16), nullable=False),
        sa.Column("figures", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_material_plans")),
    )
    with op.batch_alter_table("material_plans", schema=None) as batch_op:
        batch_op.create_index("ix_material_plans_site_created", ["site", "created_at"], unique=False)

    op.create_table(
        "purchase_orders",
        sa.Column("id", sa.String(length=16), nullable=False),
        sa.Column("site", sa.String(length=64), nullable=False),
        sa.Column("supplier", sa.String(length=64), nullable=False),
        sa.Column("material", sa.String(length=64), nullable=False),
        sa.Column("quantity", sa.Float(), nullable=False),
        sa.Column("ordered", sa.Date(), nullable=False),
        sa.Column("due", sa.Date(), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("plan", sa.Integer(), nullable=True),
        sa.Column("planned_order", sa.String(length=16), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_purchase_orders")),
    )
    with op.batch_alter_table("purchase_orders", schema=None) as batch_op:
        batch_op.create_index("ix_purchase_orders_site_state", ["site", "state"], unique=False)

    op.create_table(
        "plan_exceptions",
        sa.Column("plan", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("item", sa.String(length=400), nullable=False),
        sa.Column("material", sa.String(length=64), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("until", sa.Date(), nullable=True),
        sa.Column("quantity", sa.Float(), nullable=False),
        sa.Column("orders", sa.JSON(), nullable=False),
        sa.Column("action", sa.Text(), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("reference", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(
            ["plan"], ["material_plans.id"], name=op.f("fk_plan_exceptions_plan_material_plans"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("plan", "position", name=op.f("pk_plan_exceptions")),
    )
    op.create_table(
        "planned_orders",
        sa.Column("plan", sa.Integer(), nullable=False),
        sa.Column("id", sa.String(length=16), nullable=False),
        sa.Column("item", sa.String(length=400), nullable=False),
        sa.Column("material", sa.String(length=64), nullable=False),
        sa.Column("quantity", sa.Float(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("supplier", sa.String(length=64), nullable=True),
        sa.Column("release", sa.Date(), nullable=False),
        sa.Column("due", sa.Date(), nullable=False),
        sa.Column("needed", sa.Date(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("pegging", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["plan"], ["material_plans.id"], name=op.f("fk_planned_orders_plan_material_plans"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("plan", "id", name=op.f("pk_planned_orders")),
    )


def downgrade() -> None:
    op.drop_table("planned_orders")
    op.drop_table("plan_exceptions")
    with op.batch_alter_table("purchase_orders", schema=None) as batch_op:
        batch_op.drop_index("ix_purchase_orders_site_state")

    op.drop_table("purchase_orders")
    with op.batch_alter_table("material_plans", schema=None) as batch_op:
        batch_op.drop_index("ix_material_plans_site_created")

    op.drop_table("material_plans")
