"""units promised in batches: per site, work center, day and batch kind (with the kind's batch size and cycle), and
per order (given back on cancel), so that a later promise fills the open batch before it opens another

Revision ID: 0016_batch_bookings
Revises: 0015_made_lead_time_unset
"""

import sqlalchemy as sa
from alembic import op

revision = "0016_batch_bookings"
down_revision = "0015_made_lead_time_unset"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "batch_bookings",
        sa.Column("site", sa.String(length=64), nullable=False),
        sa.Column("work_center", sa.String(length=64), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(length=200), nullable=False),
        sa.Column("units", sa.Integer(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("cycle", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("site", "work_center", "day", "kind", name=op.f("pk_batch_bookings")),
    )
    op.create_table(
        "batch_reservations",
        sa.Column("order_id", sa.String(length=32), nullable=False),
        sa.Column("work_center", sa.String(length=64), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(length=200), nullable=False),
        sa.Column("units", sa.Integer(), nullable=False),
        sa.Column("minutes", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["customer_orders.id"],
            name=op.f("fk_batch_reservations_order_id_customer_orders"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("order_id", "work_center", "day", "kind", name=op.f("pk_batch_reservations")),
    )


def downgrade() -> None:
    """The batches' minutes stay in the capacity bookings; a cancel then gives back what the order opened."""
    op.drop_table("batch_reservations")
    op.drop_table("batch_bookings")
