"""`factoryos ingest`, `factoryos oee` and `factoryos iot stats|dead-letters|retention|prune|rollup`."""

from __future__ import annotations

import json
import signal
import threading
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from factoryos.cli.common import (
    DbOption,
    JsonOption,
    LimitOption,
    console,
    listing_size,
    open_store,
    parse_time,
    print_items,
)
from factoryos.model.errors import FactoryosError
from factoryos.report.wording import counted, hours

if TYPE_CHECKING:
    from factoryos.iot.oee import Losses, Oee
    from factoryos.model.plant import Plant

app = typer.Typer(help="The floor's telemetry: dead letters, retention, rollups.", no_args_is_help=True)

DEFAULT_SHIFTS = "early=06:00-14:00,late=14:00-22:00,night=22:00-06:00"
DAY_SECONDS = 86_400
"""An ideal cycle is at most a day: a unit a day is the slowest rate OEE is worth measuring against."""


def ingest(
    broker: Annotated[str | None, typer.Option(help="MQTT broker, mqtt://host:port.")] = None,
    sparkplug_group: Annotated[
        list[str] | None, typer.Option("--sparkplug-group", help="Sparkplug B group to ingest (repeatable).")
    ] = None,
    json_topic: Annotated[
        list[str] | None,
        typer.Option(
            "--json-topic",
            help="Prefix of the JSON topic layout (repeatable); default factoryos, none with --sparkplug-group.",
        ),
    ] = None,
    opcua: Annotated[str | None, typer.Option(help="OPC UA server, opc.tcp://host:port/path.")] = None,
    opcua_nodes: Annotated[
        Path | None, typer.Option(help="YAML list of {node_id, equipment, name, unit, kind} to subscribe to.")
    ] = None,
    client_id: Annotated[str, typer.Option(help="MQTT client id; keep it across restarts.")] = "factoryos-ingest",
    share: Annotated[
        str,
        typer.Option(
            help="Shared-subscription group splitting the data among several ingesters (default none: one "
            "ingester takes it all and the broker keeps its messages while it is away; see the README)."
        ),
    ] = "",
    session_expiry: Annotated[
        int | None,
        typer.Option(
            min=0, help="Seconds the broker keeps a stopped ingester's session (default a week; 300 with --share)."
        ),
    ] = None,
    plant: Annotated[Path | None, typer.Option(help="Plant file: accept readings of its equipment only.")] = None,
    max_payload: Annotated[int, typer.Option(min=1, help="Largest payload accepted, bytes.")] = 256 * 1024,
    spc: Annotated[
        str | None,
        typer.Option(
            help="Chart every sensor and tested characteristic live (run rules we or nelson); alarms are stored."
        ),
    ] = None,
    monitor: Annotated[
        str | None,
        typer.Option(
            metavar="METHOD",
            help="Run the multivariate monitor live on each equipment's series (pca, dpca or ewma-dpca); alarm "
            "episodes are stored.",
        ),
    ] = None,
    monitor_period: Annotated[float, typer.Option(help="Seconds per sample of the live monitor.")] = 300.0,
    monitor_train: Annotated[int, typer.Option(help="Samples the live monitor learns normal operation from.")] = 200,
    orders: Annotated[
        bool,
        typer.Option(
            "--orders",
            help="Move customer orders into production as work for them begins, and to built as their units "
            "finish their routing (needs --plant).",
        ),
    ] = False,
    clock_ahead: Annotated[
        float,
        typer.Option(min=0, help="Refuse readings stamped more than this many seconds after they arrive (inf: never)."),
    ] = 600.0,
    backlog_days: Annotated[
        float,
        typer.Option(
            min=0,
            help="Refuse readings stamped more than this many days before they arrive (an edge node's "
            "store-and-forward backlog; raise it, or inf, to replay old data).",
        ),
    ] = 30.0,
    duration: Annotated[float | None, typer.Option(help="Stop after this many seconds.")] = None,
    db: DbOption = None,
) -> None:
    """Run an ingester: MQTT (Sparkplug B, JSON) and/or OPC UA into the telemetry store, until stopped."""
    from factoryos.iot.validate import Clock
    from factoryos.services.ingest import IngestRequest
    from factoryos.services.ingest import ingest as run

    request = IngestRequest(
        broker=broker,
        sparkplug_groups=tuple(sparkplug_group or ()),
        json_prefixes=tuple(json_topic or ()),
        opcua=opcua,
        opcua_nodes=opcua_nodes,
        client_id=client_id,
        share=share or None,
        session_expiry_s=session_expiry,
        plant=plant,
        max_payload_bytes=max_payload,
        spc=spc,
        monitor=monitor,
        monitor_period=monitor_period,
        monitor_train=monitor_train,
        follow_orders=orders,
        clock=Clock(ahead_s=clock_ahead, behind_s=backlog_days * 86_400),
    )
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())

    def started(connectors: list[str]) -> None:
        console.print(f"ingesting ({', '.join(connectors)}); Ctrl-C stops")

    done = run(open_store(db), request, stop, duration, on_started=started)
    s = done.stats
    console.print(
        f"{counted(s.received, 'message')}, {counted(s.stored_rows, 'reading')} stored, {s.duplicates:,} skipped "
        f"as already stored, {counted(s.dead_letters, 'dead letter')}"
    )
    if orders:
        moved = ", ".join(f"{n:,} {state}" for state, n in sorted(done.orders_moved.items()))
        console.print(
            f"orders moved: {moved}" if moved else "no order moved: no work for a stored order began or finished"
        )


def _work_center_path(line: str, paths: set[str], plant: str) -> str:
    """The full path of the work center `line` names by its path, its end (`area/work-center`, as the demo
    prints it) or its id."""
    wanted = line.strip("/")
    found = {path for path in paths if path == wanted or path.endswith(f"/{wanted}")}
    if len(found) != 1:
        what = "no such work center" if not found else f"several work centers: {', '.join(sorted(found))}"
        raise FactoryosError(f"--line {line!r}: {plant} has {what} (give its path, area/work-center or id)")
    return found.pop()


def _when(text: str | None, default: datetime, option: str) -> datetime:
    return default if text is None else parse_time(text, option)


def _shifts(text: str) -> list[tuple[str, time, time]]:
    """Daily shifts, none overlapping another: a unit made in two shifts at once would count in both."""
    try:
        shifts = []
        for part in text.split(","):
            name, span = part.split("=")
            begins, ends = span.split("-")
            shifts.append((name.strip(), time.fromisoformat(begins.strip()), time.fromisoformat(ends.strip())))
    except ValueError:
        raise FactoryosError(f"shifts {text!r}: expected name=HH:MM-HH:MM[,...]") from None
    spans = sorted((begin, end, name) for name, a, b in shifts for begin, end in _minutes_of_day(a, b))
    for (_, first_end, first), (second_begin, _, second) in zip(spans, spans[1:], strict=False):
        if second_begin < first_end:
            raise FactoryosError(f"shifts {text!r}: {first} and {second} overlap")
    return shifts


def _minutes_of_day(begins: time, ends: time) -> list[tuple[int, int]]:
    """A daily shift as spans of minutes within the day: one crossing midnight is two; equal ends are 24 h."""
    a, b = begins.hour * 60 + begins.minute, ends.hour * 60 + ends.minute
    return [(a, b)] if a < b else [(a, 24 * 60), (0, b)] if b else [(a, 24 * 60)]


def oee(
    line: Annotated[str | None, typer.Option(help="Work center: its path (site/area/line) or its id.")] = None,
    from_: Annotated[str | None, typer.Option("--from", help="Start, ISO-8601; default 24 h before --to.")] = None,
    to: Annotated[str | None, typer.Option(help="End, ISO-8601; default now.")] = None,
    by: Annotated[str, typer.Option(help="equipment, line, shift or day.")] = "equipment",
    ideal_cycle: Annotated[
        float | None, typer.Option(help="Ideal seconds per unit for all equipment (else from --plant).")
    ] = None,
    plant: Annotated[
        Path | None,
        typer.Option(
            help="Plant file giving ideal cycle times, its site's clock for --by day, and its calendars' shifts."
        ),
    ] = None,
    shifts: Annotated[
        str | None,
        typer.Option(
            help="Shifts for --by shift, name=HH:MM-HH:MM,... every day (the site's clock with --plant); default: "
            f"the plant's calendars with --plant, else {DEFAULT_SHIFTS}."
        ),
    ] = None,
    as_json: JsonOption = False,
    db: DbOption = None,
) -> None:
    """OEE to ISO 22400-2 (availability x performance x quality) with the six big losses, from stored data."""
    from factoryos.services.ingest import state_span, stored_oee
    from factoryos.services.oee import OeeQuery

    end = _when(to, datetime.now(UTC), "--to")
    start = _when(from_, end - timedelta(hours=24), "--from")
    if start >= end:
        raise FactoryosError("--from must be before --to")
    site_plant = _plant(plant)
    if line is not None and site_plant is not None:
        lines = {f"{site_plant.site.id}/{area}/{wc}" for wc, (area, _) in site_plant.work_centers().items()}
        line = _work_center_path(line, lines, f"{plant}")
    fixed_shifts = DEFAULT_SHIFTS if shifts is None and site_plant is None else shifts
    shift_times = _shifts(fixed_shifts) if by == "shift" and fixed_shifts is not None else ()
    query = OeeQuery(start, end, _cycles(ideal_cycle, site_plant), by, shift_times, site_plant)
    engine = open_store(db, create=False)
    figures = stored_oee(engine, query, line)
    if as_json:
        print_items([f.as_dict() for f in figures.values()])
        return
    if not figures:
        of = f" of line {line}" if line else ""
        lo, hi = start.astimezone(UTC), end.astimezone(UTC)
        console.print(
            f"no equipment state{of} known from {lo:%Y-%m-%d %H:%M} to {hi:%Y-%m-%d %H:%M} UTC"
            + ("" if from_ or to else " (the 24 h before now: give --from and --to for another window)")
        )
        stored = state_span(engine)
        if stored is not None and (stored[1] < start or stored[0] >= end):
            console.print(f"the stored states run from {stored[0]:%Y-%m-%d %H:%M} to {stored[1]:%Y-%m-%d %H:%M} UTC")
        return
    units = ("good, all stations", "produced, all stations") if by == "line" else ("good", "produced")
    unstated = [f for f in figures.values() if f.produced_without_state]
    without = ("counted without a known state",) if unstated else ()
    table = Table(by, "availability", "performance", "quality", "OEE", *units, "biggest loss", *without)
    for key, f in figures.items():
        table.add_row(key, *_oee_cells(f), *(_units(f.produced_without_state, f.good_without_state),) * bool(without))
    console.print(table)
    if unstated:
        console.print(
            "[yellow]units counted while their equipment's state was unknown (before its first known state, after "
            "its edge node or session was lost, or none sent) are kept out of the OEE: look into the missing states[/]"
        )
    for f in (f for f in figures.values() if f.overcounted):
        console.print(
            f"[yellow]{f.key}: {f.produced:,.0f} units counted in {hours(f.production_s / 3600)} of run time, "
            f"{f.performance:.0%} of what it makes at their ideal cycle: a count is wrong or the plant file's "
            "ideal cycle is too slow[/]"
        )


def _oee_cells(f: Oee) -> tuple[str, ...]:
    """A figure's cells; one with no planned busy time (idle or in maintenance throughout) has no factors."""
    units = tuple(_count(n) for n in (f.good, f.produced))
    if not f.planned_busy_s:
        return ("-", "-", "-", "-", *units, "no planned busy time (idle, maintenance, no state known)")
    quality = f"{f.quality:.1%}" if f.produced else "-"  # nothing made: no quality to speak of
    factors = (f"{f.availability:.1%}", f"{f.performance:.1%}", quality, f"[bold]{f.oee:.1%}[/]")
    return (*factors, *units, _biggest_loss(f.losses))


def _biggest_loss(losses: Losses) -> str:
    """The biggest loss; idling and minor stops led by its cause where one makes up most of it ("blocked 329.2 h"),
    else with both: blocked is acted on after the equipment, starved before it."""
    from factoryos.iot.oee import MINOR_STOPS_LOSS

    name, seconds = max(losses.as_dict().items(), key=lambda kv: kv[1])
    biggest = f"{name} {seconds / 3600:.1f} h"
    if name != MINOR_STOPS_LOSS or not seconds:
        return biggest
    causes = losses.minor_stops()
    cause = losses.dominant_minor_stop()
    if cause is not None:
        return f"{cause} {causes[cause] / 3600:.1f} h ({biggest})"
    return f"{biggest} ({', '.join(f'{c} {s / 3600:.1f} h' for c, s in causes.items())})"


def _count(units: float) -> str:
    """Units with their thousands separated."""
    return f"{units:,.0f}"


def _units(produced: float, good: float) -> str:
    return f"{_count(produced)} units ({_count(good)} good)" if produced else "-"


def _plant(path: Path | None) -> Plant | None:
    from factoryos.model.validate import load_plant

    return load_plant(path) if path is not None else None


def _cycles(ideal_cycle: float | None, plant: Plant | None) -> dict[str, float] | float:
    if ideal_cycle is not None:
        if not 0 < ideal_cycle <= DAY_SECONDS:
            raise FactoryosError(f"--ideal-cycle must be more than 0 and at most a day, got {ideal_cycle:g} s")
        return ideal_cycle
    if plant is None:
        raise FactoryosError("give --ideal-cycle SECONDS or --plant FILE for the ideal cycle times")
    from factoryos.iot.oee import ideal_cycle_times

    return ideal_cycle_times(plant)


@app.command("dead-letters")
def dead_letters(
    channel: Annotated[str | None, typer.Option(help="mqtt, opcua, ... (default all).")] = None,
    limit: LimitOption = None,
    as_json: Annotated[
        bool, typer.Option("--json", help='Print JSON (a listing as {"items": [...]}; raw payloads in hex).')
    ] = False,
    db: DbOption = None,
) -> None:
    """What the ingesters rejected, with the reason, the payload's first bytes, its whole length and SHA-256."""
    from factoryos.services.ingest import dead_letters as rejected

    letters = rejected(open_store(db, create=False), channel, listing_size(limit, as_json))
    if as_json:
        print_items([d | {"received_at": d["received_at"].isoformat(), "raw": d["raw"].hex()} for d in letters])
        return
    table = Table(
        "id", "received (UTC)", "channel", "source", "reason", "raw", title=counted(len(letters), "dead letter")
    )
    table.add_column("bytes", justify="right")
    table.add_column("SHA-256", overflow="fold")
    for d in letters:
        raw = repr(d["raw"][:48])[2:-1] + ("..." if len(d["raw"]) > 48 else "")
        received = f"{d['received_at']:%Y-%m-%d %H:%M:%S}"
        length = "" if d["raw_length"] is None else f"{d['raw_length']:,}"
        table.add_row(
            str(d["id"]), received, d["channel"], d["source"], d["reason"], raw, length, d["raw_sha256"] or ""
        )
    console.print(table)


@app.command()
def retention(
    series: Annotated[
        str | None,
        typer.Argument(help="measurements, state_changes, counts, rollups_1m, rollups_1h or dead_letters"),
    ] = None,
    days: Annotated[float | None, typer.Argument(help="Days to keep.")] = None,
    max_rows: Annotated[
        int | None, typer.Option("--max-rows", help="dead_letters: how many to keep per channel at most.")
    ] = None,
    db: DbOption = None,
) -> None:
    """Show the retention settings, or set one series' days to keep (and the dead letters' row cap)."""
    from factoryos.services import ingest as service

    if series is not None and days is None and max_rows is None:
        raise FactoryosError("give the days to keep (a positive number) or --max-rows")
    engine = open_store(db, create=series is not None)  # showing the settings makes no database
    if series is not None:
        service.set_retention(engine, series, days, max_rows)
    settings = service.retention(engine)
    table = Table("series", "days kept", "rows kept at most")
    for name, (keep, cap) in settings.items():
        table.add_row(name, f"{keep:g}", "" if cap is None else f"{cap:,} per channel")
    console.print(table)


@app.command()
def prune(db: DbOption = None) -> None:
    """Delete telemetry older than its retention."""
    from factoryos.services.ingest import prune as run

    deleted = run(open_store(db, create=False), datetime.now(UTC))
    console.print(", ".join(f"{series}: {n:,} deleted" for series, n in deleted.items()))


@app.command()
def rollup(
    from_: Annotated[str, typer.Option("--from", help="Start, ISO-8601.")],
    to: Annotated[str | None, typer.Option(help="End, ISO-8601; default now.")] = None,
    db: DbOption = None,
) -> None:
    """Recompute the 1-minute and 1-hour rollups of a time window (the ingester keeps them current)."""
    from factoryos.services.ingest import rollup as run

    end = _when(to, datetime.now(UTC), "--to")
    start = _when(from_, end, "--from")
    if start >= end:
        raise FactoryosError(f"--from {start:%Y-%m-%d %H:%M} is not before --to {end:%Y-%m-%d %H:%M}")
    refused = run(open_store(db, create=False), start, end)
    console.print(f"rollups recomputed from {start:%Y-%m-%d %H:%M} to {end:%Y-%m-%d %H:%M}")
    for hour in refused:
        console.print(
            f"no {hour.table} for {hour.equipment} in the hour from {hour.hour:%Y-%m-%d %H:%M}: the database "
            f"refused its sum ({hour.reason})",
            markup=False,
        )


@app.command()
def gaps(as_json: JsonOption = False, db: DbOption = None) -> None:
    """Sources whose stored messages leave seqs out: with a publisher that numbers its messages one by one,
    messages lost on the way (a broker's full queue) or kept as dead letters."""
    from factoryos.services.ingest import seq_gaps

    found = seq_gaps(open_store(db, create=False))
    if as_json:
        print_items([{**span.__dict__, "missing": span.missing} for span in found])
        return
    if not found:
        console.print("no source leaves a seq out between its first and last stored message")
        return
    table = Table("source", "first seq", "last seq", "stored", "missing")
    for span in found:
        table.add_row(span.source, f"{span.first:,}", f"{span.last:,}", f"{span.stored:,}", f"{span.missing:,}")
    console.print(table)
    console.print(
        f"{sum(s.missing for s in found):,} seqs missing from {counted(len(found), 'source')}: lost on the way, "
        "or dead letters (`iot dead-letters`), where a source numbers its messages one by one"
    )


@app.command()
def stats(
    as_json: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Rows the store holds per kind of reading, and the dead letters: is the ingester keeping up?"""
    from factoryos.services.ingest import stats as held

    counts = held(open_store(db, create=False))
    if as_json:
        typer.echo(json.dumps(counts))
        return
    table = Table("kind", "rows")
    for kind, n in counts.items():
        table.add_row(kind, f"{n:,}")
    console.print(table)
