"""genealogy: the units scrapped (where, when, and their configuration), from the completions that say they
scrapped them, so that a recall tells a scrapped unit from a shipped one and its scrap costs its own bill

Revision ID: 0017_genealogy_scrap
Revises: 0016_batch_bookings
"""

import sqlalchemy as sa
from alembic import op

revision = "0017_genealogy_scrap"
down_revision = "0016_batch_bookings"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "genealogy_scrap",
        sa.Column("serial", sa.String(length=200), nullable=False),
        sa.Column("equipment", sa.String(length=300), nullable=False),
        sa.Column("ts_us", sa.BigInteger(), nullable=False),
        sa.Column("configuration", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("serial", name=op.f("pk_genealogy_scrap")),
    )
    op.create_index("ix_genealogy_scrap_equipment", "genealogy_scrap", ["equipment", "ts_us"])


def downgrade() -> None:
    op.drop_table("genealogy_scrap")
