"""The foundation's report sections: the plant's structure, the order and option mix, the ramp-up curve."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from zoneinfo import ZoneInfo

import plotly.graph_objects as go

from factoryos.model.orders import CustomerOrder
from factoryos.model.plant import Plant
from factoryos.model.rampup import ramp_curve
from factoryos.report.html import Section, count_axis, selector, share_axis, style, with_selector
from factoryos.report.wording import counted


def bom_depth(plant: Plant, material: str) -> int:
    lines = plant.boms.get(material, [])
    return 1 + max((bom_depth(plant, line.component) for line in lines), default=0)


def structure_figure(plant: Plant) -> go.Figure:
    """Each work center's number of work units, grouped and coloured by area, with how it is manned: bars
    whose labels stay readable however many work centers a plant has (the units are named on hover)."""
    figure = go.Figure()
    for area_id, area in plant.areas.items():
        centers = list(area.work_centers.items())
        figure.add_bar(
            name=area.name or area_id,
            y=[[area.name or area_id] * len(centers), [wc.name or wc_id for wc_id, wc in centers]],
            x=[len(wc.work_units) for _, wc in centers],
            orientation="h",
            text=["lights-out" if wc.lights_out else f"{wc.operators_per_shift} operators/shift" for _, wc in centers],
            textposition="outside",
            cliponaxis=False,
            hovertext=[", ".join(wu.name or wu_id for wu_id, wu in wc.work_units.items()) for _, wc in centers],
            hoverinfo="text",
        )
    rows = len(plant.work_centers())
    widest = max((len(wc.work_units) for _, wc in plant.work_centers().values()), default=1)
    style(figure, "Work units per work center, by area, and how each is manned", 15 * rows + 130)
    figure.update_layout(
        xaxis=count_axis("work units (count)", widest) | {"range": [0, widest * 1.25]},
        yaxis={"title": {"text": "area and work center"}, "autorange": "reversed", "dtick": 1},
        showlegend=False,
        margin={"l": 330},
    )
    return figure


def plant_section(plant: Plant) -> Section:
    kinds = Counter(m.kind for m in plant.materials.values())
    finished = [p.material for p in plant.products.values()]
    depth = max((bom_depth(plant, m) for m in finished), default=0)
    materials = go.Figure(go.Bar(y=list(kinds), x=list(kinds.values()), orientation="h", marker_color="#3f7cac"))
    materials.update_layout(xaxis=count_axis("materials (count)", max(kinds.values(), default=0)), yaxis_title="kind")
    units = plant.work_units()
    lights_out = sum(wc.lights_out for _, wc in plant.work_centers().values())
    names = [p.name or p_id for p_id, p in plant.products.items()]
    built = ", ".join(names) if len(names) <= 5 else f"{len(names)} products"
    return Section(
        title="Plant",
        text=(
            f"{plant.site.name} has {counted(len(units), 'work unit')} (machines, cells and stations) in "
            f"{counted(len(plant.work_centers()), 'work center')} over {counted(len(plant.areas), 'area')}; "
            f"{lights_out} of the work centers run lights-out. It builds {built} from "
            f"{counted(len(plant.materials), 'material')}, {counted(depth, 'bill-of-material level')} deep."
        ),
        facts={
            "site": plant.site.name,
            "areas": len(plant.areas),
            "work centers": len(plant.work_centers()),
            "work units": len(units),
            "lights-out work centers": lights_out,
            "materials": len(plant.materials),
            "BOM levels": depth,
            "suppliers": len(plant.suppliers),
            "tenants": len(plant.tenants),
        },
        figures=[structure_figure(plant), style(materials, "Materials by kind", 180)],
        note=f"Source of the plant's figures: {plant.source}",
    )


def option_mix_figure(plant: Plant, orders: list[CustomerOrder]) -> go.Figure | None:
    """Ordered against planned share of each option, one product at a time (a selector when there are several)."""
    products = [p for p in sorted({o.product for o in orders}) if plant.products[p].option_families]
    if not products:
        return None
    figure = go.Figure()
    for index, product_id in enumerate(products):
        product = plant.products[product_id]
        mine = [o for o in orders if o.product == product_id]
        x, ordered, planned = [], [], []
        for family, options in product.option_families.items():
            counts = Counter(o.configuration[family] for o in mine)
            total = sum(counts.values()) or 1
            for option_id, option in options.options.items():
                x.append([family, option_id])
                ordered.append(counts[option_id] / total)
                planned.append(option.mix)
        categories = [[f for f, _ in x], [o for _, o in x]]
        figure.add_bar(x=categories, y=ordered, name="ordered", marker_color="#3f7cac", visible=index == 0)
        figure.add_scatter(
            x=categories,
            y=planned,
            mode="markers",
            marker={"symbol": "line-ew-open", "size": 18, "color": "#d1495b", "line": {"width": 3}},
            name="planned mix",
            visible=index == 0,
        )
    names = [plant.products[p].name or p for p in products]
    titles = [f"Option mix of {name}: share of its units ordered, against the planned mix" for name in names]
    style(figure, titles[0], 340)
    figure.update_layout(yaxis=share_axis("share of the product's units"), xaxis_title="option family and option")
    if len(products) > 1:
        with_selector(figure, selector(names, 2, titles))
    return figure


def orders_section(
    plant: Plant, orders: list[CustomerOrder], volume: float | None = None, limited: Sequence[str] = ()
) -> Section:
    """`volume`: the share of mature demand the `limited` products' orders were generated at (the ramp-up's
    first month), if any."""
    per_day: dict[str, Counter] = {}
    every_product: Counter = Counter()
    zone = ZoneInfo(plant.site.timezone)  # an order's day is the site's
    for order in orders:
        per_day.setdefault(order.product, Counter())[order.placed_on(zone)] += order.quantity
        every_product[order.placed_on(zone)] += order.quantity
    daily = go.Figure(
        [
            go.Bar(name=plant.products[product].name or product, x=sorted(days), y=[days[d] for d in sorted(days)])
            for product, days in per_day.items()
        ]
    )
    busiest = max(every_product.values(), default=0)
    daily.update_layout(barmode="stack", xaxis_title="order date", yaxis=count_axis("units ordered (per day)", busiest))
    style(daily, "Units ordered per day, by product", 300)
    daily.update_layout(legend={"orientation": "v", "x": 1.02, "xanchor": "left", "y": 1, "yanchor": "top"})
    figures = [daily]
    mix = option_mix_figure(plant, orders)
    if mix is not None:
        figures.append(mix)
    tenants = Counter(o.tenant for o in orders)
    units = sum(o.quantity for o in orders)
    first = min(every_product, default=None)
    last = max(every_product, default=None)
    if first and last:
        days = (last - first).days + 1
        text = (
            f"{len(orders):,} customer orders for {units:,} units arrive from {first:%Y-%m-%d} to {last:%Y-%m-%d}, "
            f"{units / days:,.0f} units a day on average"
        )
        if volume and limited:
            names = ", ".join(plant.products[p].name or p for p in limited)
            text += f"; in the ramp-up's first month {names} sells {volume:.0%} of its mature demand."
        else:
            text += "."
    else:
        text = "No orders."
    return Section(
        title="Orders",
        text=text,
        facts={
            "orders": len(orders),
            "units": units,
            **{f"units of {tenant}": sum(o.quantity for o in orders if o.tenant == tenant) for tenant in tenants},
        },
        figures=figures,
    )


def rampup_section(plant: Plant) -> Section | None:
    ramp = plant.ramp_up
    plans = ramp_curve(plant)
    if ramp is None or not plans:
        return None
    months = [f"month {p.month}" for p in plans]
    fig = go.Figure()
    fig.add_bar(
        x=months,
        y=[p.target_units for p in plans],
        name="target",
        marker_color="#c9d6e3",
        customdata=[p.hours for p in plans],
        hovertemplate="%{x}: target %{y:,.0f} units, %{customdata:,.0f} shift hours<extra></extra>",
    )
    fig.add_scatter(x=months, y=[p.capacity_units for p in plans], name="capacity", mode="lines+markers")
    fig.add_scatter(x=months, y=[p.planned_units for p in plans], name="planned output", mode="lines+markers")
    fig.add_scatter(
        x=months,
        y=[p.efficiency for p in plans],
        name="efficiency (learning curve)",
        mode="lines",
        line={"dash": "dot"},
        yaxis="y2",
    )
    fig.update_layout(
        xaxis_title="month of the ramp-up",
        yaxis_title="units per month",
        yaxis2={**share_axis("efficiency"), "overlaying": "y", "side": "right", "range": [0, 1], "dtick": 0.2},
    )
    first, last = plans[0], plans[-1]
    return Section(
        title="Ramp-up",
        text=(
            f"{ramp.line} starts on {ramp.start:%Y-%m-%d} and ramps from {first.planned_units:,.0f} units in its "
            f"first month to {last.planned_units:,.0f} in month {last.month}. Capacity is the line's rate "
            f"({first.line_rate_per_hour:.0f} units/h) x shift hours x efficiency; efficiency follows a learning "
            f"curve on cumulative output, from {first.efficiency:.0%} to {last.efficiency:.0%}; the plan is the "
            "lower of target and capacity (hover a month for its shift hours)."
        ),
        facts={
            "first month": counted(round(first.planned_units), "unit"),
            "last month": counted(round(last.planned_units), "unit"),
            "cumulative": counted(round(last.cumulative_units), "unit"),
        },
        figures=[style(fig, f"Ramp-up of {ramp.line}: line rate x shifts x learning curve", 340)],
    )
