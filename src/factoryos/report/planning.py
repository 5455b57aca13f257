"""The material plan in the HTML report: the projected inventory of the critical parts and the exception list."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import timedelta

import plotly.graph_objects as go

from factoryos.planning.plan import Plan
from factoryos.report.html import Section, selector, style
from factoryos.report.wording import counted, listed
from factoryos.store.plans import Filled, StoredPurchaseOrder

CRITICAL_PARTS = 8
LISTED_EXCEPTIONS = 40


def critical_parts(plan: Plan, count: int = CRITICAL_PARTS) -> list[int]:
    """The items short or late for the most customer orders (then the most short), most critical first."""
    hurt: dict[str, set[str]] = {}
    for e in plan.exceptions:
        if e.kind in ("shortage", "late-supply"):
            hurt.setdefault(e.item, set()).update(e.orders)
    index = {item.id: k for k, item in enumerate(plan.problem.items)}
    ranked = sorted(hurt, key=lambda item: (-len(hurt[item]), float(plan.projected[index[item]].min()), item))
    return [index[item] for item in ranked[:count]]


def projected_figure(plan: Plan, items: list[int]) -> go.Figure:
    """Projected on hand per day of each critical part, one at a time, with its safety stock."""
    days = [plan.problem.start + timedelta(days=k) for k in range(plan.projected.shape[1])]
    figure = go.Figure()
    labels = []
    for rank, row in enumerate(items):
        item = plan.problem.items[row]
        figure.add_scatter(
            x=days,
            y=plan.projected[row].tolist(),
            name="projected on hand",
            mode="lines",
            line={"shape": "hv", "color": "#3f7cac"},
            visible=rank == 0,
        )
        figure.add_scatter(
            x=days,
            y=[item.safety_stock] * len(days),
            name="safety stock",
            mode="lines",
            line={"dash": "dot", "color": "#c0392b"},
            visible=rank == 0,
        )
        labels.append(item.id)
    style(figure, "Projected inventory of the critical parts", 360)
    figure.update_layout(xaxis_title="day", yaxis_title="on hand (the part's unit)")
    if labels:
        figure.update_layout(updatemenus=[selector(labels, 2)])
    return figure


def material_plan_section(
    plan: Plan,
    demand: str,
    on_call: Sequence[str] = (),
    released: Sequence[StoredPurchaseOrder] = (),
    filled: Sequence[Filled] = (),
    requisitioned: float = 0.0,
) -> Section:
    """MRP's plan for `demand`: its counts, exceptions and critical parts; `on_call`, the names of the bought
    parts it does not plan because their suppliers keep the line filled; `released`, the purchase orders a buyer
    released from it, the promises' requisitions they `filled`, and how many units stay `requisitioned`."""
    kinds = Counter(e.kind for e in plan.exceptions)
    hurt = {order for e in plan.exceptions if e.kind in ("shortage", "late-supply") for order in e.orders}
    on_expedites = {order for e in plan.exceptions if e.kind == "expedite" for order in e.orders} - hurt
    buys = sum(1 for o in plan.planned_orders if o.kind == "buy")
    critical = critical_parts(plan)
    proposal_due = {o.id: o.due for o in plan.planned_orders}
    proposals = len({o.planned_order for o in released})
    pulled_in = [o for o in released if o.planned_order in proposal_due and o.due < proposal_due[o.planned_order]]
    rows: list[list[object]] = [
        [e.kind, e.material, f"{e.date}", f"{e.quantity:,.6g}", len(e.orders), e.action]
        for e in sorted(plan.exceptions, key=lambda e: (-len(e.orders), e.date))[:LISTED_EXCEPTIONS]
    ]
    by_kind: list[list[object]] = [
        [kind, f"{count:,}", f"{len({o for e in plan.exceptions if e.kind == kind for o in e.orders}):,}"]
        for kind, count in kinds.most_common()
    ]
    return Section(
        title="Material plan",
        text=(
            f"What to make and buy for {demand} from {plan.problem.start:%Y-%m-%d} over "
            f"{plan.problem.horizon_days} days, every planned order pegged to the orders it serves, and what a "
            "planner must act on: a part projected short, or arriving after it is needed, names the customer "
            "orders it holds up. Open purchase orders that the planned demand does not need within the horizon "
            "come back as cancel or defer: planned against the order book alone, the ramp's later months are "
            "not in it (`factoryos plan --demand both` adds the forecast)."
            + (
                f" The plan counts on {counted(kinds['expedite'], 'open order')} pulled in ahead of its due date: "
                f"without {'it' if kinds['expedite'] == 1 else 'them'}, {counted(len(on_expedites), 'more order')} "
                "would wait for a part."
                if on_expedites
                else ""
            )
            + (
                f" A buyer released the {counted(proposals, 'purchase proposal')} to order by "
                f"{max(o.ordered for o in released):%Y-%m-%d} as {counted(len(released), 'purchase order')} "
                f"({sum(o.quantity for o in released):,.0f} units worth {sum(o.value for o in released):,.0f}"
                + (
                    f", {len(pulled_in)} of them pulled in ahead of their proposal to the day a promise counted on"
                    if pulled_in
                    else ""
                )
                + "); "
                f"{sum(f.quantity for f in filled):,.0f} of those units buy what promises had bought on "
                "requisitions, which the promise now counts as on order instead"
                + (
                    f", and {requisitioned:,.0f} units that promises bought stay on requisitions for the plan's "
                    "later proposals to order."
                    if requisitioned > 0
                    else "."
                )
                if released
                else ""
            )
            + (
                f" {counted(len(on_call), 'bought part')} supplied on call "
                f"({listed(on_call)}) {'is' if len(on_call) == 1 else 'are'} taken as there and not planned."
                if on_call
                else ""
            )
        ),
        facts={
            "planned orders": len(plan.planned_orders),
            "purchase proposals": buys,
            "exceptions": len(plan.exceptions),
            "shortages": kinds.get("shortage", 0),
            "late supplies": kinds.get("late-supply", 0),
            "orders held up": len(hurt),
            "orders waiting on an expedite": len(on_expedites),
            "parts on call": len(on_call),
            "purchase orders released": len(released),
        },
        figures=[projected_figure(plan, critical)] if critical else [],
        tables=[
            (["exception kind", "exceptions", "customer orders hurt"], by_kind),
            (["kind", "material", "from", "quantity", "orders hurt", "action"], rows),
        ],
        note="factoryos.planning (MRP); the critical parts are those short or late for the most orders.",
    )
