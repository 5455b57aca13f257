"""order desk: API keys (hashed), every change of an order's state, idempotency keys, capacity promised per
work center and day

Revision ID: 0005_order_desk
Revises: 0004_dead_letter_caps
"""

import sqlalchemy as sa
from alembic import op

revision = "0005_order_desk"
down_revision = "0004_dead_letter_caps"
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "api_keys",
        sa.Column("id", sa.String(length=24), nullable=False),
        sa.Column("site", sa.String(length=64), nullable=False),
        sa.Column("tenant", sa.String(length=64), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_keys")),
        sa.UniqueConstraint("key_hash", name=op.f("uq_api_keys_key_hash")),
    )
    op.create_table(
        "order_changes",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("order_id", sa.String(length=32), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("from_state", sa.String(length=16), nullable=True),
        sa.Column("to_state", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["customer_orders.id"],
            name=op.f("fk_order_changes_order_id_customer_orders"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_order_changes")),
    )
    with op.batch_alter_table("order_changes", schema=None) as batch_op:
        batch_op.create_index("ix_order_changes_order", ["order_id", "id"], unique=False)
    op.create_table(
        "idempotency_keys",
        sa.Column("site", sa.String(length=64), nullable=False),
        sa.Column("tenant", sa.String(length=64), nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("request_hash", sa.String(length=64), nullable=False),
        sa.Column("order_id", sa.String(length=32), nullable=False),
        sa.Column("status", sa.Integer(), nullable=False),
        sa.Column("response", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["customer_orders.id"],
            name=op.f("fk_idempotency_keys_order_id_customer_orders"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("site", "tenant", "key", name=op.f("pk_idempotency_keys")),
    )
    op.create_table(
        "capacity_bookings",
        sa.Column("site", sa.String(length=64), nullable=False),
        sa.Column("work_center", sa.String(length=64), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("minutes", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("site", "work_center", "day", name=op.f("pk_capacity_bookings")),
    )
    op.create_table(
        "capacity_reservations",
        sa.Column("order_id", sa.String(length=32), nullable=False),
        sa.Column("work_center", sa.String(length=64), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("minutes", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["customer_orders.id"],
            name=op.f("fk_capacity_reservations_order_id_customer_orders"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("order_id", "work_center", "day", name=op.f("pk_capacity_reservations")),
    )


def downgrade() -> None:
    op.drop_table("capacity_reservations")
    op.drop_table("capacity_bookings")
    op.drop_table("idempotency_keys")
    with op.batch_alter_table("order_changes", schema=None) as batch_op:
        batch_op.drop_index("ix_order_changes_order")
    op.drop_table("order_changes")
    op.drop_table("api_keys")
