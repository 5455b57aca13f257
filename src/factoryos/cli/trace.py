"""`factoryos trace` and `factoryos hold`: genealogy, recall scope and containment from the stored floor events."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated, Any
from zoneinfo import ZoneInfo

import typer
from rich.markup import escape

from factoryos.cli.common import (
    DbOption,
    JsonOption,
    LimitOption,
    console,
    listing_size,
    on_clock,
    open_store,
    parse_time,
    print_items,
)
from factoryos.model.errors import FactoryosError
from factoryos.quality.genealogy import STATUSES
from factoryos.quality.holds import HoldScope
from factoryos.report.wording import by_status, counted, listed

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from factoryos.quality.holds import Hold

hold_app = typer.Typer(help="Holds: contain suspect lots, serials or an equipment's output until dispositioned.")

FromOption = Annotated[
    str | None, typer.Option("--from", help="Window start, ISO 8601 (the site's clock unless it says).")
]
ToOption = Annotated[str | None, typer.Option("--to", help="Window end, ISO 8601 (the site's clock unless it says).")]


def trace(
    serial: Annotated[
        str | None, typer.Argument(help="A serial to trace back to its parts, machines and tests.")
    ] = None,
    lot: Annotated[
        str | None, typer.Option(help="A supplier lot or component serial to trace forward to the units containing it.")
    ] = None,
    equipment: Annotated[
        str | None, typer.Option(help="An equipment path whose output over --from/--to to trace forward.")
    ] = None,
    from_: FromOption = None,
    to: ToOption = None,
    limit: LimitOption = None,
    as_json: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Trace a serial back (its components, lots, operations, tests), or a lot or an equipment's window forward
    to every unit containing it, with the recall scope: shipped, in stock, in process, scrapped, and the orders."""
    from factoryos.services.plants import floor_clock
    from factoryos.services.trace import trace_equipment, trace_lot, trace_serial

    given = [name for name, value in (("SERIAL", serial), ("--lot", lot), ("--equipment", equipment)) if value]
    if len(given) != 1:
        raise FactoryosError("give one of SERIAL, --lot LOT or --equipment PATH --from T --to T")
    if (from_ or to) and not equipment:
        raise FactoryosError("--from and --to are the window of an --equipment trace")
    engine = open_store(db, create=False)
    clock = floor_clock(engine)
    if serial:
        document = trace_serial(engine, serial)
    elif lot:
        document = trace_lot(engine, lot)
    else:
        if from_ is None or to is None:
            raise FactoryosError("--equipment needs its window: --from T --to T")
        assert equipment is not None
        document = trace_equipment(engine, equipment, parse_time(from_, "--from", clock), parse_time(to, "--to", clock))
    if as_json:
        typer.echo(json.dumps(document))
    elif serial:
        _print_backward(document, clock)
    else:
        _print_forward(document, listing_size(limit, as_json))


def _print_backward(document: dict[str, Any], clock: ZoneInfo) -> None:
    """A serial's trace, its times on the site's clock."""
    when = functools.partial(_when, clock=clock)
    order, scrap = document["order"], document["scrapped"]
    status = (
        f"scrapped on {escape(scrap['equipment'])} {when(scrap['at'])}" if scrap is not None else document["status"]
    )
    _say(
        f"[bold]{escape(document['serial'])}[/] ({status}): order {order['customer_order'] or '-'} "
        f"({order['state'] or '-'}), production order {order['production_order'] or '-'}"
    )
    _print_section(
        "components",
        document["components"],
        lambda item: (
            f"{item['kind']:6} {escape(item['id'])} in {escape(item['in'])} at {escape(item['equipment'])} "
            f"{when(item['at'])}"
        ),
    )
    _print_section(
        "operations",
        document["operations"],
        lambda op: (
            f"{escape(op['serial'])} {escape(op['operation'])} on {escape(op['equipment'])} "
            f"{when(op['start'])} - {when(op['end']) if op['end'] else 'running'}"
            + (f", {counted(len(op['measurements']), 'reading')}" if op["measurements"] else "")
        ),
    )
    _print_section(
        "tests",
        document["tests"],
        lambda test: _test_line(test, when),
    )
    for hold in document["holds"]:
        if hold["released_at"] is None:
            _say(f"[bold red]held[/] by hold {hold['id']}: {escape(hold['reason'])}")
        else:
            _say(
                f"hold {hold['id']} ({escape(hold['reason'])}) released {when(hold['released_at'])} by "
                f"{escape(hold['released_by'] or '')}: [bold]{hold['disposition']}[/]"
            )


def _test_line(test: dict[str, Any], when: Callable[[str | None], str]) -> str:
    """A test result, or a lot's results of one test tallied."""
    name = f"{escape(test['serial'])} {escape(test['test'])}"
    if "units" not in test:
        return f"{name}: {test['result']} at {when(test['at'])}"
    return (
        f"{name}: {test['units'] - test['failed']:,} of {test['units']:,} units passed "
        f"({test['failed']:,} failed), {when(test['first'])} to {when(test['last'])}"
    )


def _print_section(title: str, items: list[dict[str, Any]], line: Callable[[dict[str, Any]], str]) -> None:
    """A titled, counted list: the title with how many items, then one indented line an item."""
    _say(f"{title} ({len(items):,}):")
    for item in items:
        _say(f"  {line(item)}")


def _say(text: str) -> None:
    """Print a line of a trace as it is: serials and times are not highlighted as numbers or paths."""
    console.print(text, highlight=False)


def _print_forward(document: dict[str, Any], limit: int | None) -> None:
    """A forward trace: the units by status (the first `limit` serials of each, in number order) and the orders."""
    recall, lots = document["recall"], len(document["lots"])
    _say(
        f"{counted(len(document['units']), 'unit')}: {by_status(recall)}; "
        f"{counted(lots, 'lot')} in stock {'contains' if lots == 1 else 'contain'} it"
    )
    for status in STATUSES:
        if recall[status]:
            _say(f"  {status}: {escape(listed(recall[status], shown=len(recall[status]) if limit is None else limit))}")
    for order in recall["orders"]:
        _say(f"  order {escape(order['order'])} ({order['state'] or '-'}): {counted(len(order['serials']), 'unit')}")


@hold_app.command("place")
def place(
    lot: Annotated[str | None, typer.Option(help="Hold every unit containing this lot (or component serial).")] = None,
    serials: Annotated[
        str | None, typer.Option(help="Hold a serial range FIRST..LAST (or one serial), and units containing them.")
    ] = None,
    equipment: Annotated[str | None, typer.Option(help="Hold this equipment's output over --from/--to.")] = None,
    from_: FromOption = None,
    to: ToOption = None,
    reason: Annotated[str, typer.Option(help="Why: the suspect condition.")] = "",
    by: Annotated[str, typer.Option(help="Who places the hold.")] = "",
    as_json: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Place a hold: the units it covers do not ship until it is released with a disposition."""
    from factoryos.services.holds import place_hold
    from factoryos.services.plants import floor_clock
    from factoryos.services.trace import hold_document

    given = [(scope, value) for scope, value in (("lot", lot), ("serials", serials), ("equipment", equipment)) if value]
    if len(given) != 1:
        raise FactoryosError("give one of --lot LOT, --serials FIRST..LAST or --equipment PATH --from T --to T")
    scope, target = given[0]
    first, _, last = target.partition("..")
    engine = open_store(db)
    clock = floor_clock(engine)
    hold = place_hold(
        engine,
        scope,
        first,
        reason,
        by,
        datetime.now(UTC),
        last=(last or first) if scope == "serials" else None,
        start=parse_time(from_, "--from", clock) if from_ else None,
        end=parse_time(to, "--to", clock) if to else None,
    )
    if as_json:
        typer.echo(json.dumps(hold_document(hold)))
    else:
        placed = f"hold {hold.id} placed on {hold.scope.value} {escape(_target(hold_document(hold), clock))}"
        console.print(placed + held_now(engine, hold))


def held_now(engine: Engine, hold: Hold) -> str:
    """What a lot or equipment hold covers as it is placed; none at all may be a mistyped lot or path."""
    from factoryos.quality.genealogy import TraceError
    from factoryos.services.holds import held_scope, serials_in_range

    if hold.scope is HoldScope.SERIALS and not serials_in_range(engine, hold):
        return ": no serial in it is known yet; it holds each one that will be"
    try:
        scope = held_scope(engine, hold)
    except TraceError:
        scope = {"units": []}
    if not scope["units"]:
        return ": no unit is known to contain or pass it yet; it holds each one that will"
    shipped, scrapped = len(scope["recall"]["shipped"]), len(scope["recall"]["scrapped"])
    if not shipped and not scrapped:
        return f": {counted(len(scope['units']), 'unit')} held now"
    kept = len(scope["units"]) - shipped - scrapped
    recall = f", {counted(shipped, 'unit')} already shipped (the hold cannot stop them: recall them, `factoryos trace`)"
    return (
        f": {counted(len(scope['units']), 'unit')} in it{recall if shipped else ''}"
        f"{f', {scrapped:,} scrapped' if scrapped else ''}, {kept:,} held now"
    )


@hold_app.command("list")
def list_(
    all_: Annotated[bool, typer.Option("--all", help="Released holds too.")] = False,
    as_json: JsonOption = False,
    db: DbOption = None,
) -> None:
    """The placed holds (with --all, the released ones too, with their dispositions)."""
    from factoryos.services.holds import list_holds
    from factoryos.services.plants import floor_clock
    from factoryos.services.trace import hold_document

    engine = open_store(db, create=False)
    documents = [hold_document(hold) for hold in list_holds(engine, active_only=not all_)]
    if as_json:
        print_items(documents)
        return
    if not documents:
        console.print("no holds" if all_ else "no holds placed")
    clock = floor_clock(engine)
    for hold in documents:
        _say(
            f"{hold['id']:>4} {hold['scope']:9} {escape(_target(hold, clock))}: {escape(_state(hold, clock))}; "
            f"{escape(hold['reason'])} ({escape(hold['placed_by'])}, {_when(hold['placed_at'], clock)})"
        )


def _state(hold: dict[str, Any], clock: ZoneInfo) -> str:
    """Placed, or released: the disposition, who, when and why."""
    if not hold["released_at"]:
        return "placed"
    why = f": {hold['release_note']}" if hold["release_note"] else ""
    return f"released ({hold['disposition']}) by {hold['released_by']}, {_when(hold['released_at'], clock)}{why}"


@hold_app.command("release")
def release(
    hold_id: Annotated[int, typer.Argument(help="The hold's id (see `factoryos hold list`).")],
    disposition: Annotated[str, typer.Option(help="use, rework or scrap.")],
    by: Annotated[str, typer.Option(help="Who releases the hold.")] = "",
    note: Annotated[str, typer.Option(help="Why this disposition.")] = "",
    as_json: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Release a hold with a disposition: the units may ship again (use), go to rework, or be scrapped."""
    from factoryos.services.holds import release_hold
    from factoryos.services.order_desk import send_back
    from factoryos.services.trace import hold_document

    engine = open_store(db, create=False)
    hold = release_hold(engine, hold_id, disposition, by, datetime.now(UTC), note)
    sent = send_back(engine, hold, f"hold release ({hold.released_by})")
    if as_json:
        typer.echo(json.dumps(hold_document(hold) | {"orders_sent_back": sent}))
    else:
        console.print(f"hold {hold.id} released: {hold.disposition}")
        if sent:
            console.print(
                f"{counted(len(sent), 'built order')} sent back into production, short of the units: "
                + ", ".join(sent[:10])
            )


def _when(moment: str | None, clock: ZoneInfo) -> str:
    """A stored moment to the second on the site's clock; "-" for none."""
    return on_clock(moment, clock, seconds=True) if moment else "-"


def _target(hold: dict[str, Any], clock: ZoneInfo) -> str:
    """What a hold names: a lot, a serial range, or an equipment's window on the site's clock."""
    if hold["scope"] == "serials" and hold["last"] != hold["target"]:
        return f"{hold['target']}..{hold['last']}"
    if hold["scope"] == "equipment":
        return f"{hold['target']} {_when(hold['from'], clock)} - {_when(hold['to'], clock)}"
    return hold["target"]
