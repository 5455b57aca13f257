"""promised purchases by supplier: a purchase order released from a plan fills the promises' requisitions of its
material, and gives back what each one booked of its own supplier's week

Revision ID: 0012_requisitions_by_supplier
Revises: 0011_measurements_by_equipment
"""

import sqlalchemy as sa
from alembic import op

revision = "0012_requisitions_by_supplier"
down_revision = "0011_measurements_by_equipment"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("promised_purchases", recreate="always") as batch_op:
        batch_op.add_column(sa.Column("supplier", sa.String(length=64), nullable=False, server_default=""))
        batch_op.drop_constraint("pk_promised_purchases", type_="primary")
        batch_op.create_primary_key("pk_promised_purchases", ["site", "material", "supplier", "arrives"])


def downgrade() -> None:
    """Back to one row per material and day: the suppliers' rows of a day are added together."""
    with op.batch_alter_table("promised_purchases", recreate="always") as batch_op:
        batch_op.drop_constraint("pk_promised_purchases", type_="primary")
    op.rename_table("promised_purchases", "promised_purchases_by_supplier")
    op.create_table(
        "promised_purchases",
        sa.Column("site", sa.String(length=64), nullable=False),
        sa.Column("material", sa.String(length=64), nullable=False),
        sa.Column("arrives", sa.Date(), nullable=False),
        sa.Column("quantity", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("site", "material", "arrives", name=op.f("pk_promised_purchases")),
    )
    op.execute(
        "INSERT INTO promised_purchases (site, material, arrives, quantity) SELECT site, material, arrives, "
        "SUM(quantity) FROM promised_purchases_by_supplier GROUP BY site, material, arrives"
    )
    op.drop_table("promised_purchases_by_supplier")
