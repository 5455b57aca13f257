"""pegging kept one level at a time: a run's requirements and the planned orders covering them, in place of
each planned order's list of every demand above it (which grew as planned orders times demands)

A run stored before keeps its answers: each demand a planned order served becomes a requirement of that demand,
covered by the planned order directly, so `plan peg` and `plan compare` read it as they did (which of its
demands are customer orders it did not keep).

Revision ID: 0013_pegging_network
Revises: 0012_requisitions_by_supplier
"""

import json
from collections import defaultdict
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0013_pegging_network"
down_revision = "0012_requisitions_by_supplier"
branch_labels = None
depends_on = None


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def upgrade() -> None:
    requirements = op.create_table(
        "plan_requirements",
        sa.Column("plan", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("demand", sa.String(length=200), nullable=True),
        sa.Column("customer_order", sa.String(length=64), nullable=True),
        sa.Column("parent", sa.String(length=16), nullable=True),
        sa.ForeignKeyConstraint(
            ["plan"], ["material_plans.id"], name=op.f("fk_plan_requirements_plan_material_plans"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("plan", "position", name=op.f("pk_plan_requirements")),
    )
    pegs = op.create_table(
        "plan_pegs",
        sa.Column("plan", sa.Integer(), nullable=False),
        sa.Column("requirement", sa.Integer(), nullable=False),
        sa.Column("planned_order", sa.String(length=16), nullable=False),
        sa.Column("quantity", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["plan"], ["material_plans.id"], name=op.f("fk_plan_pegs_plan_material_plans"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("plan", "requirement", "planned_order", name=op.f("pk_plan_pegs")),
    )
    bind = op.get_bind()
    orders = bind.execute(sa.text("SELECT plan, id, pegging FROM planned_orders ORDER BY plan, id"))
    positions: dict[int, dict[str, int]] = defaultdict(dict)
    peg_rows = []
    for plan, planned_order, pegging in orders:
        known = positions[plan]
        for demand, quantity in (_json(pegging) or {}).items():
            position = known.setdefault(demand, len(known))
            peg_rows.append(dict(plan=plan, requirement=position, planned_order=planned_order, quantity=quantity))
    requirement_rows = [
        {"plan": plan, "position": position, "demand": demand, "customer_order": None, "parent": None}
        for plan, known in positions.items()
        for demand, position in known.items()
    ]
    if requirement_rows:
        op.bulk_insert(requirements, requirement_rows)
        op.bulk_insert(pegs, peg_rows)
    with op.batch_alter_table("planned_orders") as batch_op:
        batch_op.drop_column("pegging")


def downgrade() -> None:
    """Back to each planned order's demands at every level above it, walked up the stored pegging."""
    with op.batch_alter_table("planned_orders") as batch_op:
        batch_op.add_column(sa.Column("pegging", sa.JSON(), nullable=False, server_default="{}"))
    bind = op.get_bind()
    quantity = dict(((p, o), q) for p, o, q in bind.execute(sa.text("SELECT plan, id, quantity FROM planned_orders")))
    need = {
        (p, r): (d, parent)
        for p, r, d, parent in bind.execute(sa.text("SELECT plan, position, demand, parent FROM plan_requirements"))
    }
    covers: dict[tuple[int, str], list[tuple[int, float]]] = defaultdict(list)
    for p, r, o, q in bind.execute(sa.text("SELECT plan, requirement, planned_order, quantity FROM plan_pegs")):
        covers[p, o].append((r, q))

    def served(plan: int, order: str, share: float, into: dict[str, float]) -> None:
        for requirement, q in covers[plan, order]:
            demand, parent = need[plan, requirement]
            if demand is not None:
                into[demand] = into.get(demand, 0.0) + q * share
            else:
                served(plan, parent, q * share / quantity[plan, parent], into)

    table = sa.table("planned_orders", sa.column("plan"), sa.column("id"), sa.column("pegging", sa.JSON()))
    for plan, order in quantity:
        pegging: dict[str, float] = {}
        served(plan, order, 1.0, pegging)
        bind.execute(table.update().where(table.c.plan == plan, table.c.id == order).values(pegging=pegging))
    op.drop_table("plan_pegs")
    op.drop_table("plan_requirements")
