"""a planned order's component need is kept per demand it serves: one requirement of each demand (and one of its
surplus, with no demand), where there was one for all of them, shared in proportion up the levels

A run stored before keeps its answers: each component need is split over the demands its planned order served, in
proportion as they were read, and each peg of it likewise, so `plan peg` and `plan compare` read it as they did.
A downgrade pegs each planned order straight to the demands it serves, as revision 0013 took a run stored before
it: how much of it serves which demand is kept, which planned order it goes into is not.

Revision ID: 0018_pegging_per_demand
Revises: 0017_genealogy_scrap
"""

import functools
from collections import defaultdict
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0018_pegging_per_demand"
down_revision = "0017_genealogy_scrap"
branch_labels = None
depends_on = None

SURPLUS = 1e-9

_REQUIREMENTS = sa.table(
    "plan_requirements",
    sa.column("plan"),
    sa.column("position"),
    sa.column("demand"),
    sa.column("customer_order"),
    sa.column("parent"),
)
_PEGS = sa.table(
    "plan_pegs", sa.column("plan"), sa.column("requirement"), sa.column("planned_order"), sa.column("quantity")
)


def _read(bind: Any) -> tuple[dict, dict, dict]:
    """Per plan its requirements (position -> demand, customer order, parent), pegs (planned order -> [(position,
    quantity)]) and planned orders' quantities."""
    needs: dict[int, dict[int, tuple]] = defaultdict(dict)
    for p, r, d, c, parent in bind.execute(
        sa.text("SELECT plan, position, demand, customer_order, parent FROM plan_requirements")
    ):
        needs[p][r] = (d, c, parent)
    covers: dict[int, dict[str, list[tuple[int, float]]]] = defaultdict(lambda: defaultdict(list))
    for p, r, o, q in bind.execute(sa.text("SELECT plan, requirement, planned_order, quantity FROM plan_pegs")):
        covers[p][o].append((r, q))
    orders: dict[int, dict[str, float]] = defaultdict(dict)
    for p, o, q in bind.execute(sa.text("SELECT plan, id, quantity FROM planned_orders")):
        orders[p][o] = q
    return needs, covers, orders


def _rewrite(bind: Any, plan: int, requirements: list[dict], pegs: list[dict]) -> None:
    bind.execute(_PEGS.delete().where(_PEGS.c.plan == plan))
    bind.execute(_REQUIREMENTS.delete().where(_REQUIREMENTS.c.plan == plan))
    if requirements:
        op.bulk_insert(_REQUIREMENTS, [row | {"plan": plan} for row in requirements])
    if pegs:
        op.bulk_insert(_PEGS, [row | {"plan": plan} for row in pegs])


def _served(need: dict, covers: dict, quantity: dict) -> Any:
    """(demand, customer order) -> how much of a planned order serves it, in proportion up the levels (as a run
    stored before this revision was read)."""

    @functools.cache
    def served(order: str) -> dict[tuple, float]:
        into: dict[tuple, float] = defaultdict(float)
        for r, q in covers[order]:
            demand, customer_order, parent = need[r]
            if parent is None:
                into[demand, customer_order] += q
            else:
                for key, share in served(parent).items():
                    into[key] += q * share / quantity[parent]
        return dict(into)

    return served


def _split(need: dict, covers: dict, quantity: dict) -> tuple[list[dict], list[dict]]:
    """A plan's requirements and pegs with each component need split over the demands its planned order serves, in
    proportion, and its surplus (no demand)."""
    served = _served(need, covers, quantity)
    rows = [
        {"position": r, "demand": d, "customer_order": c, "parent": None} for r, (d, c, p) in need.items() if p is None
    ]
    pegs: list[dict] = []
    split: dict[tuple[int, str | None], int] = {}
    numbered = max(need) + 1
    for order, pegged in covers.items():
        for r, q in pegged:
            parent = need[r][2]
            if parent is None:
                pegs.append({"requirement": r, "planned_order": order, "quantity": q})
                continue
            shares = {key: share / quantity[parent] for key, share in served(parent).items()}
            shares[None, None] = 1.0 - sum(shares.values())
            for (demand, customer_order), share in shares.items():
                if q * share <= SURPLUS:
                    continue
                if (r, demand) not in split:
                    split[r, demand] = numbered + len(split)
                    rows.append(
                        {
                            "position": split[r, demand],
                            "demand": demand,
                            "customer_order": customer_order,
                            "parent": parent,
                        }
                    )
                pegs.append({"requirement": split[r, demand], "planned_order": order, "quantity": q * share})
    return rows, pegs


def upgrade() -> None:
    bind = op.get_bind()
    needs, covers, orders = _read(bind)
    for plan, need in needs.items():
        _rewrite(bind, plan, *_split(need, covers[plan], orders[plan]))


def downgrade() -> None:
    """Each planned order pegged straight to the demands it serves, as revision 0013 took a run stored before it."""
    bind = op.get_bind()
    needs, covers, _ = _read(bind)
    for plan, need in needs.items():
        own = {r: (d, c) for r, (d, c, parent) in sorted(need.items()) if parent is None}
        first: dict[str, int] = {}
        for r, (d, _) in own.items():
            first.setdefault(d, r)
        pegs: dict[tuple[int, str], float] = defaultdict(float)
        for order, pegged in covers[plan].items():
            for r, q in pegged:
                if need[r][0] is not None:
                    pegs[r if r in own else first[need[r][0]], order] += q
        rows = [{"position": r, "demand": d, "customer_order": c, "parent": None} for r, (d, c) in own.items()]
        _rewrite(
            bind, plan, rows, [{"requirement": r, "planned_order": o, "quantity": q} for (r, o), q in pegs.items()]
        )
