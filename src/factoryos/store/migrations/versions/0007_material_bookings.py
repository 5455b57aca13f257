"""material promised from stock: per site and bought material, and per order (given back on cancel)

Revision ID: 0007_material_bookings
Revises: 0006_genealogy
"""

import sqlalchemy as sa
from alembic import op

revision = "0007_material_bookings"
down_revision = "0006_genealogy"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "material_bookings",
        sa.Column("site", sa.String(length=64), nullable=False),
        sa.Column("material", sa.String(length=64), nullable=False),
        sa.Column("quantity", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("site", "material", name=op.f("pk_material_bookings")),
    )
    op.create_table(
        "material_reservations",
        sa.Column("order_id", sa.String(length=32), nullable=False),
        sa.Column("material", sa.String(length=64), nullable=False),
        sa.Column("quantity", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["customer_orders.id"],
            name=op.f("fk_material_reservations_order_id_customer_orders"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("order_id", "material", name=op.f("pk_material_reservations")),
    )


def downgrade() -> None:
    op.drop_table("material_reservations")
    op.drop_table("material_bookings")
