"""`factoryos plan`: material requirements of the loaded plant, stored; `plan exceptions`, `plan peg ID`,
`plan release ID...`, `plan compare [A] [B]` and supplier what-ifs with `--disrupt`."""

from __future__ import annotations

import json
from datetime import date
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from factoryos.cli.common import (
    DbOption,
    DemandOption,
    HorizonDaysOption,
    JsonOption,
    LimitOption,
    SiteOption,
    console,
    default_command,
    listing_size,
    open_store,
    parse_day,
    print_items,
)
from factoryos.report.wording import counted, listed

if TYPE_CHECKING:
    from factoryos.c2m.replay import PromiseMove
    from factoryos.planning.disruption import CoverageMove
    from factoryos.services.plan_compare import PlanComparison
    from factoryos.store.plans import StoredException, StoredPlan

app = typer.Typer(
    help="Plan material (MRP); `plan exceptions`, `plan peg ID`, `plan release ID...`, `plan compare [A] [B]`."
)


@app.callback(invoke_without_command=True)
@default_command
def plan(
    horizon_days: HorizonDaysOption = 90,
    demand: DemandOption = "orders",
    start: Annotated[str | None, typer.Option(help="First day (YYYY-MM-DD); default the order book's first.")] = None,
    disrupt: Annotated[
        list[str] | None,
        typer.Option(help="supplier=ID,delay-days=N and/or capacity=SHARE: re-plan and list the orders that move."),
    ] = None,
    site: SiteOption = None,
    as_json: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Plan what to make and buy for the open orders (and forecast) and store the plan."""
    from factoryos.model.errors import FactoryosError
    from factoryos.planning.disruption import parse_disruption
    from factoryos.services.plan import (
        DemandBasis,
        latest_plan,
        plan_material,
        promise_what_if,
        stored_plan_document,
        what_if,
    )

    if demand not in ("orders", "forecast", "both"):
        raise FactoryosError(f"--demand {demand!r}: expected orders, forecast or both")
    first = parse_day(start) if start else None
    engine = open_store(db)
    basis: DemandBasis = "orders" if demand == "orders" else "forecast" if demand == "forecast" else "both"
    if disrupt:
        disruptions = tuple(parse_disruption(text) for text in disrupt)
        run, moves = what_if(engine, disruptions, site, horizon_days, basis, first)
        _print_moves(run.id, moves, promise_what_if(engine, disruptions, site), as_json)
        return
    run = plan_material(engine, site, horizon_days, basis, first)
    stored = latest_plan(engine, site, run.id)
    if as_json:
        typer.echo(json.dumps(stored_plan_document(engine, stored)))
        return
    figures = stored.figures
    console.print(
        f"plan {run.id}: {counted(figures['demands'], 'demand')} over {counted(horizon_days, 'day')} from "
        f"{stored.start}, {counted(figures['planned_orders'], 'planned order')}, "
        f"{counted(len(stored.exceptions), 'exception')} "
        f"({', '.join(f'{k} {v:,}' for k, v in sorted(figures['exceptions'].items())) or 'none'})"
    )
    derived = [f"{material} {counted(days, 'day')}" for material, days in figures.get("derived_lead_times", {}).items()]
    if derived:
        console.print(
            f"lead times from the routings ({counted(len(derived), 'made material')} without lead_time_days in the "
            f"plant file): {listed(derived, 8)}"
        )
    _print_proposals(stored)


def _print_proposals(stored: StoredPlan) -> None:
    from factoryos.services.plan import proposals_by_supplier

    table = Table("supplier", "proposals", "first order", "quantity", title="purchase proposals (plan release ID...)")
    for supplier, orders in proposals_by_supplier(stored).items():
        table.add_row(supplier, f"{len(orders):,}", f"{orders[0].release}", f"{sum(o.quantity for o in orders):,.0f}")
    console.print(table)


def _print_moves(plan_id: int, moves: list[CoverageMove], promised: list[PromiseMove], as_json: bool) -> None:
    rows = [
        {
            "customer_order": m.customer_order,
            "due": m.due.isoformat(),
            "covered_before": m.covered_before.isoformat(),
            "covered_after": m.covered_after.isoformat(),
            "days": m.days,
        }
        for m in moves
    ]
    promises = [
        {
            "customer_order": m.customer_order,
            "due": m.due.isoformat(),
            "promised_before": m.before.isoformat() if m.before else None,
            "promised_after": m.after.isoformat() if m.after else None,
            "days": m.days,
        }
        for m in promised
    ]
    if as_json:
        typer.echo(json.dumps({"plan": plan_id, "moved": rows, "promises_moved": promises}))
        return
    table = Table("customer order", "due", "parts in before", "parts in after", "moves (days)")
    for m in moves:
        table.add_row(m.customer_order, f"{m.due}", f"{m.covered_before}", f"{m.covered_after}", f"{m.days:+d}")
    console.print(f"plan {plan_id} (disrupted): re-planned around the slip, {_orders_of(len(rows))} parts come later")
    console.print(table)
    promise_table = Table("customer order", "due", "promised before", "promised after", "moves (days)")
    for p in promised:
        days = "no date" if p.days is None else f"{p.days:+d}"
        promise_table.add_row(p.customer_order, f"{p.due}", f"{p.before or '-'}", f"{p.after or '-'}", days)
    console.print(
        f"the order book promised again in the desk's order, the supplier's deliveries later: "
        f"{_orders_of(len(promises))} promises move"
    )
    console.print(promise_table)


def _orders_of(n: int) -> str:
    return counted(n, "customer order's", "customer orders'")


@app.command("exceptions")
def exceptions(
    kind: Annotated[str | None, typer.Option(help="Only this kind (shortage, late-supply, ...).")] = None,
    limit: LimitOption = None,
    site: SiteOption = None,
    as_json: JsonOption = False,
    db: DbOption = None,
) -> None:
    """The plan of record's exceptions (the newest run that is not a what-if): what to act on, the orders each
    hurts and the suggested action."""
    from typing import get_args

    from factoryos.model.errors import FactoryosError
    from factoryos.planning.exceptions import ExceptionKind
    from factoryos.services.plan import latest_plan

    kinds = get_args(ExceptionKind)
    if kind is not None and kind not in kinds:
        raise FactoryosError(f"--kind {kind!r}: expected one of {', '.join(kinds)}")
    stored = latest_plan(open_store(db, create=False), site)
    chosen = [e for e in stored.exceptions if kind is None or e.kind == kind][: listing_size(limit, as_json, 50)]
    if as_json:
        print_items(
            [
                {
                    "kind": e.kind,
                    "material": e.material,
                    "date": e.date.isoformat(),
                    "quantity": e.quantity,
                    "orders": e.orders,
                    "action": e.action,
                    "message": e.message,
                }
                for e in chosen
            ]
        )
        return
    table = Table("kind", "material", "date", "quantity", "orders", "action", "message")
    for e in chosen:
        orders = ", ".join(e.orders[:3]) + (f" +{len(e.orders) - 3}" if len(e.orders) > 3 else "")
        table.add_row(e.kind, e.material, f"{e.date}", f"{e.quantity:,.6g}", orders, e.action, e.message)
    console.print(f"plan {stored.id}: {len(chosen):,} of {counted(len(stored.exceptions), 'exception')}")
    console.print(table)


@app.command("peg")
def peg(
    reference: Annotated[str, typer.Argument(help="A planned order (PL...) or a customer order id.")],
    site: SiteOption = None,
    as_json: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Pegging: the demands a planned order serves, or every planned order under a customer order."""
    from factoryos.services.plan import peg as pegging

    found = pegging(open_store(db, create=False), reference, site)
    if as_json:
        typer.echo(json.dumps(found, indent=1))
        return
    if "demands" in found:
        console.print(f"{found['planned_order']}, {found['quantity']:,g} {found['material']}, serves:", highlight=False)
        table = Table("demand", "quantity")
        for row in found["demands"]:
            table.add_row(row["demand"], f"{row['quantity']:,g}")
    elif not found["planned_orders"]:
        start, end = found["plan"]
        console.print(
            f"no planned order under {reference}: what it needs comes from stock and open orders, or it is due "
            f"outside the plan ({start} to {end})",
            highlight=False,
        )
        return
    else:
        console.print(f"the planned orders under {reference}:", highlight=False)
        table = Table("planned order", "material", "kind", "supplier", "due", "quantity")
        for row in found["planned_orders"]:
            cells = (row["planned_order"], row["material"], row["kind"], row["supplier"] or "", row["due"])
            table.add_row(*cells, f"{row['quantity']:,g}")
    console.print(table)


@app.command("release")
def release(
    planned_orders: Annotated[
        list[str] | None, typer.Argument(help="Buy proposals (PL...) of the plan of record.")
    ] = None,
    within_days: Annotated[
        int | None,
        typer.Option(help="Instead of naming them: every proposal to order within this many days of the plan's start."),
    ] = None,
    site: SiteOption = None,
    as_json: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Turn purchase proposals into purchase orders (stored, open). Each fills what promises bought of its
    material and no order has yet bought (their requisitions), earliest first; the rest is there for the next
    promises."""
    from factoryos.model.errors import FactoryosError
    from factoryos.services.plan import release as release_orders
    from factoryos.services.plan import release_due

    if planned_orders and within_days is not None:
        raise FactoryosError("name the proposals to release or give --within-days, not both")
    if not planned_orders and within_days is None:
        raise FactoryosError("name the proposals to release (PL..., see `factoryos plan`) or give --within-days")
    if within_days is not None:
        released = release_due(open_store(db), within_days, site)
    else:
        released = release_orders(open_store(db), planned_orders or [], site)
    filled: dict[str, list[Any]] = {}
    for f in released.filled:
        filled.setdefault(f.purchase_order, []).append(f)
    if as_json:
        print_items(
            [
                o.__dict__
                | {"ordered": o.ordered.isoformat(), "due": o.due.isoformat()}
                | {
                    "filled": [
                        {"arrives": f.arrives.isoformat(), "supplier": f.supplier, "quantity": f.quantity}
                        for f in filled.get(o.id, [])
                    ]
                }
                for o in released.orders
            ]
        )
        return
    if not released.orders:
        console.print(
            f"nothing to release: no buy proposal still to release is to be ordered within {within_days} days"
        )
    for o in released.orders:
        fills = filled.get(o.id, [])
        bought = f", fills {sum(f.quantity for f in fills):,.6g} that promises bought" if fills else ""
        console.print(
            f"{o.id}: {o.quantity:,.6g} {o.material} from {o.supplier}, due {o.due} ({o.planned_order}){bought}"
        )


@app.command("requisitions")
def requisitions(site: SiteOption = None, as_json: JsonOption = False, db: DbOption = None) -> None:
    """What promises bought and no released purchase order has filled yet, by arrival day: releasing a
    proposal of the material fills them."""
    from factoryos.services.plan import requisitions as open_requisitions

    found = open_requisitions(open_store(db, create=False), site)
    if as_json:
        print_items([r.__dict__ | {"arrives": r.arrives.isoformat()} for r in found])
        return
    table = Table("material", "supplier", "arrives", "quantity")
    for r in found:
        table.add_row(r.material, r.supplier or "-", f"{r.arrives}", f"{r.quantity:,.6g}")
    units = counted(sum(r.quantity for r in found), "unit")
    console.print(f"{counted(len(found), 'requisition')}: {units} that promises bought, not yet on order")
    console.print(table)


@app.command("compare")
def compare(
    before: Annotated[int | None, typer.Argument(help="The earlier plan's id (default: the last but one).")] = None,
    after: Annotated[int | None, typer.Argument(help="The later plan's id (default: the newest).")] = None,
    limit: LimitOption = None,
    site: SiteOption = None,
    as_json: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Compare two stored plans: planned orders added, removed, moved or resized; exceptions new and cleared;
    the customer orders whose covering date moved."""
    from factoryos.services.plan_compare import compare_plans

    found = compare_plans(open_store(db, create=False), before, after, site)
    if as_json:
        typer.echo(json.dumps(_comparison_document(found)))
        return
    plans = (
        f"plan {found.after.id} (inputs as of {found.after.inputs_as_of:%Y-%m-%d}) against plan {found.before.id} "
        f"(inputs as of {found.before.inputs_as_of:%Y-%m-%d})"
    )
    if not (found.planned or found.new_exceptions or found.cleared_exceptions or found.orders_moved):
        console.print(f"{plans}: no change")
        return
    console.print(
        f"{plans}: {counted(len(found.planned), 'planned change')}, "
        f"{len(found.new_exceptions):,} new and {counted(len(found.cleared_exceptions), 'cleared exception')}, "
        f"{counted(len(found.orders_moved), 'customer order')} covered on another day"
    )
    if found.caveat:
        console.print(f"[yellow]{found.caveat}[/]")
    if found.released:
        console.print(
            f"{counted(len(found.released), 'purchase order')} released from plan {found.before.id}'s proposals "
            f"({listed([po.id for po in found.released])}) on order in plan {found.after.id}: not proposed again",
            highlight=False,
        )
    _print_comparison(found, listing_size(limit, as_json, 50))


def _print_comparison(found: PlanComparison, limit: int | None) -> None:
    """The tables of what changed, each only when something in it did, at most `limit` rows each (None: all)."""
    planned = [
        (
            c.change,
            c.material,
            f"{c.date_before or '-'}",
            f"{c.date_after or '-'}",
            f"{c.quantity_before:,.6g}",
            f"{c.quantity_after:,.6g}",
            f"{c.delta:+,.6g}",
        )
        for c in found.planned
    ]
    exceptions = [
        (mark, e.kind, e.material, f"{e.date}", f"{e.quantity:,.6g}", e.message)
        for mark, chosen in (("new", found.new_exceptions), ("cleared", found.cleared_exceptions))
        for e in chosen
    ]
    moved = [
        (
            m.customer_order,
            _covered(m.covered_before, m.planned_before),
            _covered(m.covered_after, m.planned_after),
            _days(m.days),
        )
        for m in found.orders_moved
    ]
    for header, rows in (
        (("change", "material", "due before", "due after", "quantity before", "quantity after", "delta"), planned),
        (("", "kind", "material", "date", "quantity", "message"), exceptions),
        (("customer order", "covered before", "covered after", "moves (days)"), moved),
    ):
        if rows:
            more = len(rows) - limit if limit is not None else 0
            table = Table(*header, caption=f"and {more:,} more: --limit 0 or --json for all" if more > 0 else None)
            for row in rows[:limit]:
                table.add_row(*row)
            console.print(table)


def _covered(day: date | None, planned: bool) -> str:
    return f"{day}" if day else "on hand" if planned else "not in the plan"


def _days(moved: int | None) -> str:
    return "-" if moved is None else f"{moved:+d}"


def _comparison_document(found: PlanComparison) -> dict[str, Any]:
    def day(value: date | None) -> str | None:
        return value.isoformat() if value else None

    def exception(e: StoredException) -> dict[str, Any]:
        return {"kind": e.kind, "material": e.material, "date": e.date.isoformat(), "quantity": e.quantity}

    return {
        "before": found.before.id,
        "after": found.after.id,
        "caveat": found.caveat,
        "released": [po.id for po in found.released],
        "planned_orders": [
            {
                "change": c.change,
                "material": c.material,
                "date_before": day(c.date_before),
                "date_after": day(c.date_after),
                "quantity_before": c.quantity_before,
                "quantity_after": c.quantity_after,
                "delta": c.delta,
            }
            for c in found.planned
        ],
        "exceptions": {
            "new": [exception(e) for e in found.new_exceptions],
            "cleared": [exception(e) for e in found.cleared_exceptions],
        },
        "orders_moved": [
            {
                "customer_order": m.customer_order,
                "covered_before": day(m.covered_before),
                "covered_after": day(m.covered_after),
                "days": m.days,
                "planned_before": m.planned_before,
                "planned_after": m.planned_after,
            }
            for m in found.orders_moved
        ],
    }
