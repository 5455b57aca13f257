"""The foundation's report sections: the plant's structure, the order and option mix, the ramp-up curve."""

from __future__ import annotations

from collections import Counter

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from factoryos.model.orders import CustomerOrder
from factoryos.model.plant import Plant
from factoryos.model.rampup import ramp_curve
from factoryos.report.html import Section


def bom_depth(plant: Plant, material: str) -> int:
    lines = plant.boms.get(material, [])
    return 1 + max((bom_depth(plant, line.component) for line in lines), default=0)


def plant_section(plant: Plant) -> Section:
    ids, parents, labels, values = [plant.site.id], [""], [plant.site.name], [0]
    for area_id, area in plant.areas.items():
        (
            ids.append(area_id),
            parents.append(plant.site.id),
            labels.append(area.name or area_id),
            values.append(0),
        )
        for wc_id, wc in area.work_centers.items():
            mode = "lights-out" if wc.lights_out else f"{wc.operators_per_shift} operators/shift"
            ids.append(wc_id), parents.append(area_id), labels.append(f"{wc.name or wc_id}<br>{mode}")
            values.append(0)
            for wu_id, wu in wc.work_units.items():
                ids.append(wu_id), parents.append(wc_id), labels.append(wu.name or wu_id), values.append(1)
    structure = go.Figure(go.Sunburst(ids=ids, parents=parents, labels=labels, values=values, branchvalues="remainder"))
    structure.update_layout(title="Equipment hierarchy (site > area > work center > work unit)", height=560)

    kinds = Counter(m.kind for m in plant.materials.values())
    finished = [p.material for p in plant.products.values()]
    depth = max((bom_depth(plant, m) for m in finished), default=0)
    materials = go.Figure(go.Bar(x=list(kinds), y=list(kinds.values()), marker_color="#3f7cac"))
    materials.update_layout(title="Materials by kind", height=320)
    units = plant.work_units()
    return Section(
        title="Plant",
        text=plant.source,
        facts={
            "site": plant.site.name,
            "areas": str(len(plant.areas)),
            "work centers": str(len(plant.work_centers())),
            "work units": str(len(units)),
            "lights-out work centers": str(sum(wc.lights_out for _, wc in plant.work_centers().values())),
            "materials": str(len(plant.materials)),
            "BOM levels": str(depth),
            "suppliers": str(len(plant.suppliers)),
            "tenants": str(len(plant.tenants)),
        },
        figures=[structure, materials],
    )


def orders_section(plant: Plant, orders: list[CustomerOrder]) -> Section:
    per_day: dict[str, Counter] = {}
    for order in orders:
        per_day.setdefault(order.product, Counter())[order.ordered_at.date()] += order.quantity
    daily = go.Figure(
        [go.Bar(name=product, x=sorted(days), y=[days[d] for d in sorted(days)]) for product, days in per_day.items()]
    )
    daily.update_layout(barmode="stack", title="Units ordered per day, by product", height=360)

    products = sorted({o.product for o in orders})
    figures = [daily]
    for product_id in products:
        product = plant.products[product_id]
        families = list(product.option_families)
        if not families:
            continue
        mix = make_subplots(rows=1, cols=len(families), subplot_titles=families)
        for col, family in enumerate(families, start=1):
            counts = Counter(o.configuration[family] for o in orders if o.product == product_id)
            options = list(product.option_families[family].options)
            total = sum(counts.values()) or 1
            mix.add_bar(
                x=options,
                y=[counts[o] / total for o in options],
                name="ordered",
                marker_color="#3f7cac",
                row=1,
                col=col,
                showlegend=col == 1,
            )
            mix.add_scatter(
                x=options,
                y=[product.option_families[family].options[o].mix for o in options],
                mode="markers",
                marker=dict(symbol="line-ew-open", size=18, color="#d1495b"),
                name="planned mix",
                row=1,
                col=col,
                showlegend=col == 1,
            )
        mix.update_layout(title=f"Option mix of {product.name or product_id}: ordered vs planned", height=340)
        figures.append(mix)
    tenants = Counter(o.tenant for o in orders)
    first = min((o.ordered_at for o in orders), default=None)
    last = max((o.ordered_at for o in orders), default=None)
    return Section(
        title="Orders",
        text=(f"Orders from {first:%Y-%m-%d} to {last:%Y-%m-%d}." if first and last else "No orders."),
        facts={
            "orders": f"{len(orders):,}",
            "units": f"{sum(o.quantity for o in orders):,}",
            **{
                f"units of {tenant}": f"{sum(o.quantity for o in orders if o.tenant == tenant):,}" for tenant in tenants
            },
        },
        figures=figures,
    )


def rampup_section(plant: Plant) -> Section | None:
    plans = ramp_curve(plant)
    if not plans:
        return None
    months = [f"month {p.month}" for p in plans]
    fig = make_subplots(specs=[[{"secondary_y": True}]])
    fig.add_bar(x=months, y=[p.target_units for p in plans], name="target", marker_color="#c9d6e3")
    fig.add_scatter(x=months, y=[p.capacity_units for p in plans], name="capacity", mode="lines+markers")
    fig.add_scatter(x=months, y=[p.planned_units for p in plans], name="planned output", mode="lines+markers")
    fig.add_scatter(
        x=months,
        y=[p.efficiency for p in plans],
        name="efficiency (learning curve)",
        mode="lines",
        line=dict(dash="dot"),
        secondary_y=True,
    )
    fig.update_yaxes(title_text="units per month", secondary_y=False)
    fig.update_yaxes(title_text="efficiency", range=[0, 1], secondary_y=True)
    fig.update_layout(title=f"Ramp-up of {plant.ramp_up.line}: line rate x shifts x learning curve", height=420)
    return Section(
        title="Ramp-up",
        text=(
            f"Capacity = {plans[0].line_rate_per_hour:.0f} units/h x shift hours x efficiency; "
            "efficiency follows a learning curve on cumulative output."
        ),
        facts={
            "first month": f"{plans[0].planned_units:,.0f} units",
            "last month": f"{plans[-1].planned_units:,.0f} units",
            "cumulative": f"{plans[-1].cumulative_units:,.0f} units",
        },
        tables=[
            (
                ["month", "target", "hours", "efficiency", "capacity", "planned"],
                [
                    [
                        p.month,
                        f"{p.target_units:,.0f}",
                        f"{p.hours:,.0f}",
                        f"{p.efficiency:.2f}",
                        f"{p.capacity_units:,.0f}",
                        f"{p.planned_units:,.0f}",
                    ]
                    for p in plans
                ],
            )
        ],
        figures=[fig],
    )
