"""indexes on the keys that follow an order down to its work and its floor operations: the order desk's
shipping check and the floor's report read genealogy operations by work order, production orders by customer
order and work orders by production order, and deleting an order checks the rows that refer to it

Revision ID: 0010_foreign_key_indexes
Revises: 0009_promised_purchases
"""

from alembic import op

revision = "0010_foreign_key_indexes"
down_revision = "0009_promised_purchases"
branch_labels = None
depends_on = None

INDEXES = (
    ("production_orders", "ix_production_orders_customer_order", "customer_order"),
    ("work_orders", "ix_work_orders_production_order", "production_order"),
    ("genealogy_operations", "ix_genealogy_operations_work_order", "work_order"),
)


def upgrade() -> None:
    for table, name, column in INDEXES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.create_index(name, [column], unique=False)


def downgrade() -> None:
    for table, name, _ in reversed(INDEXES):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(name)
