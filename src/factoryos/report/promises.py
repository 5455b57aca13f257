"""Promised dates against the dates customers asked for: how many orders the plant could promise on time,
by how many days the others slip, per tenant (the owner and each partner brand) and per product, and what
held the promises back (a line's capacity, a bought part's supplier lead time)."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from statistics import median

import plotly.graph_objects as go

from factoryos.c2m.promise import REQUESTED, Quote
from factoryos.model.orders import CustomerOrder, CustomerOrderState
from factoryos.model.plant import Plant
from factoryos.report.html import Section, share_axis, style
from factoryos.report.wording import counted


@dataclass(frozen=True)
class PromiseFigures:
    """Of a group of orders: how many, how many got a date, how many of those by the requested date, and the
    days each promise falls after the requested date (negative: earlier)."""

    orders: int
    promised: int
    on_time: int
    days_late: tuple[int, ...]

    @property
    def on_time_share(self) -> float | None:
        """Orders promised by the requested date, of those promised a date."""
        return self.on_time / self.promised if self.promised else None


def promise_figures(orders: Sequence[CustomerOrder]) -> PromiseFigures:
    gaps = tuple((o.promised_date - o.due_date).days for o in orders if o.promised_date is not None)
    return PromiseFigures(len(orders), len(gaps), sum(1 for g in gaps if g <= 0), gaps)


def figures_by(orders: Sequence[CustomerOrder], key: Callable[[CustomerOrder], str]) -> dict[str, PromiseFigures]:
    """The figures of each group of orders, groups in sorted order."""
    groups: dict[str, list[CustomerOrder]] = {}
    for order in orders:
        groups.setdefault(key(order), []).append(order)
    return {name: promise_figures(groups[name]) for name in sorted(groups)}


def promises_section(plant: Plant, placed: Sequence[tuple[CustomerOrder, Quote]]) -> Section:
    """The section for orders as placed, each with the promise it got."""
    orders = [order for order, _ in placed]
    promised = [quote for order, quote in placed if order.promised_date is not None]
    spare = sum(1 for quote in promised if quote.constraint == REQUESTED)
    reasons = Counter(quote.constraint for quote in promised if quote.constraint != REQUESTED)
    binding = Counter[str]()
    for reason, n in reasons.items():
        binding[bound_by(reason)] += n
    whole = promise_figures(orders)
    tenants = figures_by(orders, lambda o: plant.tenants[o.tenant].name or o.tenant)
    products = figures_by(orders, lambda o: plant.products[o.product].name or o.product)
    late = [g for g in whole.days_late if g > 0]
    share = whole.on_time_share
    text = (
        f"{whole.on_time:,} of the {whole.promised:,} orders promised a date ({share:.0%}) were promised by the day "
        f"the customer asked for"
        if share is not None
        else "No order could be promised a date."
    )
    if late:
        text += f"; the other {len(late):,} slip by {median(late):g} days at the median and {max(late)} at most"
    if whole.promised < whole.orders:
        text += f"; {whole.orders - whole.promised:,} got no date (nothing fits within the promise horizon)"
    if spare:
        text += f"; {spare:,} could have been built earlier and were promised for the day asked"
    text += (
        ". A promise is the day the customer asked for when the plant can build the order by then (its minutes "
        "booked as late as they fit before it), else the earliest day it can, given the orders promised before it: "
        "the capacity left on the work centers it loads and the bought parts in stock, on order, or a supplier lead "
        "time away within the supplier's weekly capacity."
    )
    tables: list[tuple[list[str], list[list[object]]]] = [
        (["", "orders", "promised", "by the requested date", "median days after the request"], _rows(tenants, products))
    ]
    if binding:  # orders the plant could build by the day asked for have nothing to list
        for title, counts in (("what set the date of the others", binding), ("why, in detail", reasons)):
            tables.append(([title, "orders"], [[c, f"{n:,}"] for c, n in counts.most_common()]))
    return Section(
        title="Promised against requested dates",
        text=text,
        facts={
            "orders promised": whole.promised,
            "promised by the requested date": "-" if share is None else f"{share:.0%}",
            "with time to spare": spare,
            "median slip of late promises": counted(median(late), "day") if late else "-",
            "not promised": whole.orders - whole.promised,
            "binding most often": binding.most_common(1)[0][0] if binding else "-",
        },
        figures=[_earliest_histogram(_earliest_gaps(placed)), _on_time_bars(tenants, products)],
        tables=tables,
        note=(
            "From the orders as the order desk stored them and the promises they got: promised (and earliest) date "
            "minus requested date, in calendar days."
        ),
    )


def bound_by(constraint: str) -> str:
    """What a promise's binding constraint is about: the bought part it names first ("Wheelset (wheelset)" of
    "Wheelset (wheelset): open purchase order PO-7 due 2027-09-20 (rims-co)", "chip" of "chip: supplier lead
    time 40 days"), or the whole constraint (a work center's capacity)."""
    part = _NAMED_PART.match(constraint)
    return part.group(1) if part else constraint


_NAMED_PART = re.compile(r"(.*?\([A-Za-z0-9._-]+\)|[A-Za-z0-9._-]+): ")


def _earliest_gaps(placed: Sequence[tuple[CustomerOrder, Quote]]) -> list[int]:
    """Days from the requested date to the earliest day the plant could build each promised order: below 0 the
    time it had to spare (the order is promised for the day asked), above 0 how late it is promised."""
    return [
        ((quote.earliest or order.promised_date) - order.due_date).days
        for order, quote in placed
        if order.promised_date is not None
    ]


def _earliest_histogram(gaps: Sequence[int]) -> go.Figure:
    histogram = go.Figure(
        [
            go.Histogram(
                x=[g for g in gaps if g <= 0], name="by the requested date", marker_color="#2e7d32", xbins={"size": 1}
            ),
            go.Histogram(x=[g for g in gaps if g > 0], name="after it", marker_color="#c62828", xbins={"size": 1}),
        ]
    )
    histogram.update_layout(
        barmode="stack",
        xaxis_title="earliest day the plant could build it minus the requested date (days; below 0: time to spare)",
        yaxis_title="orders",
    )
    return style(histogram, "How far the plant could build each order from the day asked for", 320)


def _on_time_bars(tenants: dict[str, PromiseFigures], products: dict[str, PromiseFigures]) -> go.Figure:
    bars = go.Figure(
        [
            go.Bar(name=label, x=list(group), y=[f.on_time_share or 0.0 for f in group.values()])
            for label, group in (("per tenant", tenants), ("per product", products))
        ]
    )
    bars.update_layout(xaxis_title="tenant or product", yaxis=share_axis("orders promised by the requested date"))
    return style(bars, "On-time promises per tenant and per product", 320)


def _rows(tenants: dict[str, PromiseFigures], products: dict[str, PromiseFigures]) -> list[list[object]]:
    rows: list[list[object]] = []
    for kind, group in (("tenant", tenants), ("product", products)):
        for name, f in group.items():
            share = "-" if f.on_time_share is None else f"{f.on_time_share:.0%}"
            slip = f"{median(f.days_late):g}" if f.days_late else "-"
            rows.append([f"{kind} {name}", f"{f.orders:,}", f"{f.promised:,}", share, slip])
    return rows


def fulfilment_section(states: Mapping[CustomerOrderState, int], held: int) -> Section:
    """Where the demo's orders stand after the run, as the order desk followed the floor's report; `held`: the
    built orders a quality hold keeps from shipping."""
    shipped = states.get(CustomerOrderState.SHIPPED, 0)
    total = sum(states.values())
    facts: dict[str, str | int] = {state.value: states[state] for state in CustomerOrderState if states.get(state)}
    facts["held from shipping"] = held
    return Section(
        title="Order fulfilment",
        text=(
            f"The order desk followed what the twin began, built and shipped: {shipped:,} of the "
            f"{counted(total, 'order')} shipped by the end of the run. An order is built when all its units are "
            "and shipped when all have shipped; one is in production from when the floor began work for it, "
            "promised until then (its units are released as the schedule says), and a built order stays in "
            "finished goods "
            "while a quality hold keeps one of its units back"
            + (
                f": {counted(held, 'built order')} {'is' if held == 1 else 'are'} held so, though the twin shipped "
                "their units."
                if held
                else "."
            )
        ),
        facts=facts,
        note=(
            "order_desk.follow_starts over the units the twin began and follow_floor over those it finished; every "
            "move is in each order's history."
        ),
    )
