"""material the promises bought within supplier capacity: per site, material and arrival day, and what it took
of each supplier's weekly capacity

Revision ID: 0009_promised_purchases
Revises: 0008_planning
"""

import sqlalchemy as sa
from alembic import op

revision = "0009_promised_purchases"
down_revision = "0008_planning"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "promised_purchases",
        sa.Column("site", sa.String(length=64), nullable=False),
        sa.Column("material", sa.String(length=64), nullable=False),
        sa.Column("arrives", sa.Date(), nullable=False),
        sa.Column("quantity", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("site", "material", "arrives", name=op.f("pk_promised_purchases")),
    )
    op.create_table(
        "supplier_bookings",
        sa.Column("site", sa.String(length=64), nullable=False),
        sa.Column("supplier", sa.String(length=64), nullable=False),
        sa.Column("week", sa.Date(), nullable=False),
        sa.Column("quantity", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("site", "supplier", "week", name=op.f("pk_supplier_bookings")),
    )


def downgrade() -> None:
    op.drop_table("supplier_bookings")
    op.drop_table("promised_purchases")
