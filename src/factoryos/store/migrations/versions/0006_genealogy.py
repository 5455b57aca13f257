"""genealogy: links from each unit to what it consumed, its operations and tests; holds and their release

Revision ID: 0006_genealogy
Revises: 0005_order_desk
"""

import sqlalchemy as sa
from alembic import op

revision = "0006_genealogy"
down_revision = "0005_order_desk"
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "genealogy_links",
        sa.Column("parent", sa.String(length=200), nullable=False),
        sa.Column("child", sa.String(length=200), nullable=False),
        sa.Column("ts_us", sa.BigInteger(), nullable=False),
        sa.Column("equipment", sa.String(length=300), nullable=False),
        sa.Column("operation", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("parent", "child", name=op.f("pk_genealogy_links")),
    )
    op.create_index("ix_genealogy_links_child", "genealogy_links", ["child", "parent"])
    op.create_table(
        "genealogy_operations",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("serial", sa.String(length=200), nullable=False),
        sa.Column("operation", sa.String(length=200), nullable=False),
        sa.Column("work_order", sa.String(length=200), nullable=False),
        sa.Column("equipment", sa.String(length=300), nullable=False),
        sa.Column("start_us", sa.BigInteger(), nullable=False),
        sa.Column("end_us", sa.BigInteger(), nullable=True),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_genealogy_operations")),
    )
    op.create_index("ix_genealogy_operations_serial", "genealogy_operations", ["serial", "start_us"])
    op.create_index("ix_genealogy_operations_equipment", "genealogy_operations", ["equipment", "start_us"])
    op.create_table(
        "genealogy_tests",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("serial", sa.String(length=200), nullable=False),
        sa.Column("test", sa.String(length=200), nullable=False),
        sa.Column("result", sa.String(length=8), nullable=False),
        sa.Column("equipment", sa.String(length=300), nullable=False),
        sa.Column("ts_us", sa.BigInteger(), nullable=False),
        sa.Column("measurements", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_genealogy_tests")),
    )
    op.create_index("ix_genealogy_tests_serial", "genealogy_tests", ["serial", "ts_us"])
    op.create_table(
        "holds",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("scope", sa.String(length=16), nullable=False),
        sa.Column("target", sa.String(length=300), nullable=False),
        sa.Column("last", sa.String(length=200), nullable=True),
        sa.Column("start", sa.DateTime(timezone=True), nullable=True),
        sa.Column("end", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("placed_by", sa.String(length=100), nullable=False),
        sa.Column("placed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("released_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("released_by", sa.String(length=100), nullable=True),
        sa.Column("disposition", sa.String(length=16), nullable=True),
        sa.Column("release_note", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_holds")),
    )
    op.create_index("ix_holds_released", "holds", ["released_at", "id"])


def downgrade() -> None:
    op.drop_table("holds")
    op.drop_table("genealogy_tests")
    op.drop_table("genealogy_operations")
    op.drop_table("genealogy_links")
