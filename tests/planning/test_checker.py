"""Random problems planned and checked by the independent checker: material balance, lot rules, suppliers,
lead times; and pegging never hands out more than a requirement needs or a supply has."""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from factoryos.planning.checker import check_plan
from factoryos.planning.mrp import plan
from factoryos.planning.problem import BomLine, Demand, Item, Receipt, Stock, Supplier, one_rule_of_each
from tests.planning.records import day, problem

RULES = one_rule_of_each(fixed=40, multiple=25, minimum=30, periods=5, order_cost=80)


@st.composite
def problems(draw):
    levels = draw(st.integers(1, 4))
    sizes = [draw(st.integers(1, 4)) for _ in range(levels)]
    names = [[f"L{level}I{k}" for k in range(size)] for level, size in enumerate(sizes)]
    suppliers = tuple(
        Supplier(
            f"S{k}",
            draw(st.integers(0, 15)),
            draw(st.sampled_from([0, 50, 120])),
            draw(st.sampled_from([1, 10, 25])),
            draw(st.sampled_from([None, 100.0, 400.0])),
        )
        for k in range(2)
    )
    items, bom = [], []
    for level, group in enumerate(names):
        for name in group:
            buy = level == levels - 1 or draw(st.booleans()) and level > 0
            sources = draw(st.sampled_from([(), ("S0",), ("S1",), ("S0", "S1")])) if buy else ()
            items.append(
                Item(
                    name,
                    "buy" if buy else "make",
                    draw(st.integers(0, 6)),
                    draw(st.sampled_from(RULES)),
                    draw(st.sampled_from([0.0, 0.0, 15.0])),
                    unit_cost=5.0,
                    suppliers=sources,
                    final_yield=1.0 if buy else draw(st.sampled_from([1.0, 1.0, 0.8])),
                    whole=draw(st.booleans()),
                )
            )
            if not buy and level + 1 < levels:
                for child in draw(st.lists(st.sampled_from(names[level + 1]), min_size=1, max_size=3, unique=True)):
                    bom.append(
                        BomLine(name, child, draw(st.sampled_from([1.0, 2.0, 0.5])), draw(st.sampled_from([0.0, 0.1])))
                    )
    ids = [i.id for i in items]
    stock = tuple(Stock(i, "s", f"L{k}", draw(st.integers(1, 80))) for k, i in enumerate(ids) if draw(st.booleans()))
    receipts = tuple(
        Receipt(f"R{k}", draw(st.sampled_from(ids)), day(draw(st.integers(0, 30))), draw(st.integers(1, 60)))
        for k in range(draw(st.integers(0, 3)))
    )
    demands = tuple(
        Demand(
            f"D{k}",
            draw(st.sampled_from(names[0])),
            day(draw(st.integers(0, 35))),
            draw(st.integers(1, 90)),
            draw(st.sampled_from(["order", "forecast"])),
            f"CO{k}",
        )
        for k in range(draw(st.integers(1, 8)))
    )
    return problem(
        tuple(items),
        horizon=30,
        every_day=draw(st.booleans()),
        bom=tuple(bom),
        suppliers=suppliers,
        stock=stock,
        receipts=receipts,
        demands=demands,
    )


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems())
def test_every_plan_balances_and_keeps_lot_and_supplier_rules(p):
    result = plan(p)
    assert check_plan(p, result) == []
    needs = np.bincount(result.peg_need, weights=result.peg_qty, minlength=len(result.need_qty))
    assert (needs <= result.need_qty + 1e-6).all()
    supplies = np.bincount(result.peg_supply, weights=result.peg_qty, minlength=result.lots_start + len(result.lot_qty))
    assert (supplies[result.lots_start :] <= result.lot_qty + 1e-6).all()
