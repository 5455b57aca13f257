"""foundation: plant definitions, orders, events, dead letters

Revision ID: 0001_foundation
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001_foundation"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "dead_letters",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("raw", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dead_letters")),
    )
    with op.batch_alter_table("dead_letters", schema=None) as batch_op:
        batch_op.create_index("ix_dead_letters_channel", ["channel", "id"], unique=False)

    op.create_table(
        "events",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("ts", sa.DateTime(timezone=True), nullable=False),
        sa.Column("site", sa.String(length=64), nullable=False),
        sa.Column("equipment", sa.String(length=300), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("source", sa.String(length=200), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_events")),
        sa.UniqueConstraint("source", "seq", name=op.f("uq_events_source_seq")),
    )
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.create_index("ix_events_equipment_ts", ["equipment", "ts"], unique=False)
        batch_op.create_index("ix_events_kind_ts", ["kind", "ts"], unique=False)

    op.create_table(
        "plants",
        sa.Column("site", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("enterprise", sa.String(length=64), nullable=False),
        sa.Column("source_file", sa.Text(), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("document", sa.JSON(), nullable=False),
        sa.Column("loaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("site", name=op.f("pk_plants")),
    )
    op.create_table(
        "bom_lines",
        sa.Column("parent", sa.String(length=64), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("component", sa.String(length=64), nullable=False),
        sa.Column("quantity", sa.Float(), nullable=False),
        sa.Column("scrap", sa.Float(), nullable=False),
        sa.Column("condition", sa.JSON(), nullable=True),
        sa.Column("site", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["site"], ["plants.site"], name=op.f("fk_bom_lines_site_plants"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("parent", "position", "site", name=op.f("pk_bom_lines")),
    )
    op.create_table(
        "customers",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("tenant", sa.String(length=64), nullable=False),
        sa.Column("segment", sa.String(length=16), nullable=False),
        sa.Column("site", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["site"], ["plants.site"], name=op.f("fk_customers_site_plants"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", "site", name=op.f("pk_customers")),
    )
    op.create_table(
        "equipment",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("level", sa.String(length=16), nullable=False),
        sa.Column("parent", sa.String(length=64), nullable=True),
        sa.Column("path", sa.String(length=300), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("equipment_class", sa.String(length=64), nullable=True),
        sa.Column("kind", sa.String(length=32), nullable=True),
        sa.Column("site", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["site"], ["plants.site"], name=op.f("fk_equipment_site_plants"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", "site", name=op.f("pk_equipment")),
    )
    op.create_table(
        "inventory",
        sa.Column("material", sa.String(length=64), nullable=False),
        sa.Column("location", sa.String(length=64), nullable=False),
        sa.Column("lot", sa.String(length=64), nullable=False),
        sa.Column("quantity", sa.Float(), nullable=False),
        sa.Column("site", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["site"], ["plants.site"], name=op.f("fk_inventory_site_plants"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("material", "location", "lot", "site", name=op.f("pk_inventory")),
    )
    op.create_table(
        "materials",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("uom", sa.String(length=8), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("source", sa.String(length=8), nullable=False),
        sa.Column("lead_time_days", sa.Float(), nullable=False),
        sa.Column("lot_size_rule", sa.String(length=16), nullable=False),
        sa.Column("lot_size_quantity", sa.Float(), nullable=True),
        sa.Column("safety_stock", sa.Float(), nullable=False),
        sa.Column("unit_cost", sa.Float(), nullable=False),
        sa.Column("site", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["site"], ["plants.site"], name=op.f("fk_materials_site_plants"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", "site", name=op.f("pk_materials")),
    )
    op.create_table(
        "operations",
        sa.Column("material", sa.String(length=64), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("capability", sa.String(length=64), nullable=False),
        sa.Column("equipment", sa.JSON(), nullable=False),
        sa.Column("setup_minutes", sa.Float(), nullable=False),
        sa.Column("run_minutes", sa.Float(), nullable=False),
        sa.Column("batch_size", sa.Integer(), nullable=True),
        sa.Column("changeover_group", sa.String(length=64), nullable=True),
        sa.Column("condition", sa.JSON(), nullable=True),
        sa.Column("site", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["site"], ["plants.site"], name=op.f("fk_operations_site_plants"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("material", "position", "site", name=op.f("pk_operations")),
    )
    op.create_table(
        "products",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("material", sa.String(length=64), nullable=False),
        sa.Column("tenant", sa.String(length=64), nullable=False),
        sa.Column("option_families", sa.JSON(), nullable=False),
        sa.Column("rules", sa.JSON(), nullable=False),
        sa.Column("site", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["site"], ["plants.site"], name=op.f("fk_products_site_plants"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", "site", name=op.f("pk_products")),
    )
    op.create_table(
        "suppliers",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("lead_time_days", sa.Float(), nullable=False),
        sa.Column("min_order", sa.Float(), nullable=False),
        sa.Column("order_multiple", sa.Float(), nullable=False),
        sa.Column("weekly_capacity", sa.Float(), nullable=True),
        sa.Column("materials", sa.JSON(), nullable=False),
        sa.Column("site", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["site"], ["plants.site"], name=op.f("fk_suppliers_site_plants"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", "site", name=op.f("pk_suppliers")),
    )
    op.create_table(
        "tenants",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("site", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["site"], ["plants.site"], name=op.f("fk_tenants_site_plants"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", "site", name=op.f("pk_tenants")),
    )
    op.create_table(
        "customer_orders",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("site", sa.String(length=64), nullable=False),
        sa.Column("tenant", sa.String(length=64), nullable=False),
        sa.Column("customer", sa.String(length=64), nullable=False),
        sa.Column("product", sa.String(length=64), nullable=False),
        sa.Column("configuration", sa.JSON(), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("ordered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("promised_date", sa.Date(), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(
            ["site", "product"],
            ["products.site", "products.id"],
            name=op.f("fk_customer_orders_site_product_products"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customer_orders")),
    )
    with op.batch_alter_table("customer_orders", schema=None) as batch_op:
        batch_op.create_index("ix_customer_orders_site_due", ["site", "due_date"], unique=False)

    op.create_table(
        "production_orders",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("site", sa.String(length=64), nullable=False),
        sa.Column("material", sa.String(length=64), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("configuration", sa.JSON(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("customer_order", sa.String(length=32), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_order"],
            ["customer_orders.id"],
            name=op.f("fk_production_orders_customer_order_customer_orders"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_production_orders")),
    )
    op.create_table(
        "work_orders",
        sa.Column("id", sa.String(length=48), nullable=False),
        sa.Column("production_order", sa.String(length=32), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("operation", sa.String(length=64), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(
            ["production_order"],
            ["production_orders.id"],
            name=op.f("fk_work_orders_production_order_production_orders"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_work_orders")),
    )


def downgrade() -> None:
    op.drop_table("work_orders")
    op.drop_table("production_orders")
    with op.batch_alter_table("customer_orders", schema=None) as batch_op:
        batch_op.drop_index("ix_customer_orders_site_due")

    op.drop_table("customer_orders")
    op.drop_table("tenants")
    op.drop_table("suppliers")
    op.drop_table("products")
    op.drop_table("operations")
    op.drop_table("materials")
    op.drop_table("inventory")
    op.drop_table("equipment")
    op.drop_table("customers")
    op.drop_table("bom_lines")
    op.drop_table("plants")
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.drop_index("ix_events_kind_ts")
        batch_op.drop_index("ix_events_equipment_ts")

    op.drop_table("events")
    with op.batch_alter_table("dead_letters", schema=None) as batch_op:
        batch_op.drop_index("ix_dead_letters_channel")

    op.drop_table("dead_letters")
