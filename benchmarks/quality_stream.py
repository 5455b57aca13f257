"""The live quality stream's cost on the demo's month: what the ingester's live consumers spend on each stored
batch (the SPC charts and the multivariate monitor of `factoryos ingest --spc we --monitor dpca`, the order desk
following the stream with `--orders`), and what the order desk spends following the floor's report with holds in
place (`order_desk.follow_floor`, as the demo calls it).

    python benchmarks/quality_stream.py [--plant PATH] [--days 30] [--seed 7] [--batch 5000] [--cache DIR]

The month is made once as the demo makes it (orders placed at the desk, material planned, the month scheduled
and run on the twin) and kept in --cache (a database and the twin's events); each run works on a copy of that
database:

1. stream: the twin's events in the order published, in batches of --batch as the ingester stores them
   (measurements, states and counts as rows, the rest as events); each batch is stored (not timed), then handed
   to the SPC and monitor consumers and to the order-following one, each timed;
2. floor: the demo's containment with a released hold beside it: a day's output of the first drifting station
   held and released for use, then the floor's report up to each SPC alarm on a drifting station, a hold on its
   output from the alarm's pattern on, and the whole report; each `follow_floor` timed.

Prints one JSON object: CPU and wall seconds of each part, the machine's load, and what came out (alarms stored,
orders moved and held, a digest of the alarm events and of the orders' audit trail), so two versions of the code
can be compared on the same month: their outcomes must be equal.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import pickle
import shutil
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from rich.console import Console
from sqlalchemy import Engine, select

from factoryos.examples import example_plant
from factoryos.model.events import Event, EventKind
from factoryos.model.readings import event_row
from factoryos.model.validate import load_plant
from factoryos.report.html import Report
from factoryos.services import demo
from factoryos.services.holds import place_hold, release_hold
from factoryos.services.ingest import IngestRequest, live_watches
from factoryos.services.order_desk import FloorUnit, follow_floor
from factoryos.services.spc_watch import drifting_units
from factoryos.store.db import make_engine, migrate
from factoryos.store.events import SqlEventStore
from factoryos.store.order_desk import OrderChangeRecord
from factoryos.store.tables import CustomerOrderRecord
from factoryos.store.timeseries import Batch, TelemetryStore

SETUP = (demo.load_plant_stage, demo.orders_stage, demo.material_stage, demo.schedule_stage, demo.twin_stage)


def make_month(plant: Path, days: int, seed: int, cache: Path) -> None:
    """The demo's month up to the twin's run: its database, and the events and finished units of the run."""
    cache.mkdir(parents=True, exist_ok=True)
    engine = make_engine(f"sqlite:///{cache / 'month.db'}")
    migrate(engine)
    ctx = demo.DemoContext(engine, plant, days, seed, Console(stderr=True), Report("setup"))
    for stage in SETUP:
        stage(ctx)
    epoch, end = ctx.results["run"]
    units = demo.floor_units(ctx.results["simulation"].finished.values(), epoch)
    events = list(ctx.bus.store.read())
    with (cache / "month.pickle").open("wb") as file:
        pickle.dump((epoch, end, events, units), file)
    engine.dispose()


def batches(events: list[Event], size: int) -> list[Batch]:
    """The events as the ingester stores them, `size` to a batch."""
    found = []
    for start in range(0, len(events), size):
        batch = Batch()
        for event in events[start : start + size]:
            batch.add(event_row(event))
        found.append(batch)
    return found


class Clock:
    """CPU and wall seconds spent in the calls it times."""

    def __init__(self) -> None:
        self.cpu = self.wall = 0.0

    def time(self, work: Callable[[], Any]) -> Any:
        cpu, wall = time.process_time(), time.perf_counter()
        result = work()
        self.cpu += time.process_time() - cpu
        self.wall += time.perf_counter() - wall
        return result

    def figures(self) -> dict[str, float]:
        return {"cpu_s": round(self.cpu, 3), "wall_s": round(self.wall, 3)}


def stream(engine: Engine, plant: Any, events: list[Event], size: int) -> dict[str, Any]:
    """Store the events batch by batch and time the live consumers on each."""
    quality = live_watches(engine, IngestRequest(spc="we", monitor="dpca", monitor_period=300.0, monitor_train=100))
    orders = live_watches(engine, IngestRequest(follow_orders=True), plant)
    assert quality is not None
    assert orders is not None
    store = TelemetryStore(engine)
    clocks = {"spc_and_monitor": Clock(), "follow_stream": Clock()}
    stored = 0
    for batch in batches(events, size):
        store.write(batch)
        stored += batch.rows()
        clocks["spc_and_monitor"].time(lambda batch=batch: quality(batch))
        clocks["follow_stream"].time(lambda batch=batch: orders(batch))
    return {"stored": stored, **{name: clock.figures() for name, clock in clocks.items()}}


def floor(engine: Engine, plant: Any, epoch: datetime, end: datetime, units: list[FloorUnit]) -> dict[str, Any]:
    """The demo's containment beside a released hold, each `follow_floor` timed; what it moved and held."""
    alarms = list(SqlEventStore(engine).read(EventKind.ALARM))
    drifting = drifting_units(plant, epoch, end)
    clock, final = Clock(), Clock()
    if drifting:
        first = drifting[0][0]
        day = epoch + timedelta(days=1)
        released = place_hold(engine, "equipment", first, "first day's output", "bench", day, start=epoch, end=day)
        release_hold(engine, released.id, "use", "bench", day + timedelta(days=1), "inspected")
    for path, began in drifting:
        caught = (a for a in alarms if a.equipment == path and a.payload["code"].startswith("spc-"))
        alarm = next((a for a in caught if datetime.fromisoformat(a.payload["since"]) >= began), None)
        if alarm is None:
            continue
        clock.time(lambda at=alarm.ts: follow_floor(engine, demo.known_by(units, at)))
        since = datetime.fromisoformat(alarm.payload["since"])
        place_hold(engine, "equipment", path, "SPC alarm", "spc-watch", alarm.ts, start=since, end=end)
    advance = final.time(lambda: follow_floor(engine, units))
    return {
        "follow_floor_before_holds": clock.figures(),
        "follow_floor_all": final.figures(),
        "moved": {state: len(ids) for state, ids in sorted(advance.moved.items())},
        "held": len(advance.held),
    }


def outcome(engine: Engine) -> dict[str, Any]:
    """What the month came to: the alarm events and the orders' states and audit trail, counted and digested."""
    alarms = sorted(
        (e.ts.isoformat(), e.equipment, json.dumps(e.payload, sort_keys=True))
        for e in SqlEventStore(engine).read(EventKind.ALARM)
    )
    with engine.connect() as connection:
        states = sorted(connection.execute(select(CustomerOrderRecord.id, CustomerOrderRecord.state)).all())
        table = OrderChangeRecord
        trail = sorted(
            connection.execute(
                select(table.order_id, table.at, table.actor, table.from_state, table.to_state, table.reason)
            ).all()
        )
    spc = sum(1 for a in alarms if '"code": "spc-' in a[2])
    return {
        "spc_alarms": spc,
        "monitor_alarms": len(alarms) - spc,
        "order_states": dict(sorted(Counter(state for _, state in states).items())),
        "alarm_digest": _digest(alarms),
        "order_digest": _digest([*states, *trail]),
    }


def _digest(rows: list[Any]) -> str:
    return hashlib.sha256(repr(rows).encode()).hexdigest()[:16]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--plant", type=Path, default=example_plant("ev-plant"))
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--batch", type=int, default=5000)
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "factoryos-quality-stream")
    args = parser.parse_args()
    digest = hashlib.sha256(args.plant.read_bytes()).hexdigest()[:12]
    cache = args.cache / f"{args.plant.stem}-{digest}-{args.days}d-{args.seed}"
    if not (cache / "month.pickle").exists():
        print(f"making the month in {cache}...", file=sys.stderr, flush=True)
        make_month(args.plant, args.days, args.seed, cache)
    with (cache / "month.pickle").open("rb") as file:
        epoch, end, events, units = pickle.load(file)
    plant = load_plant(args.plant)
    load = os.getloadavg()
    with tempfile.TemporaryDirectory() as work:
        shutil.copy(cache / "month.db", Path(work) / "run.db")
        engine = make_engine(f"sqlite:///{Path(work) / 'run.db'}")
        figures = {
            "events": len(events),
            "batch": args.batch,
            "units": len(units),
            **stream(engine, plant, events, args.batch),
            **floor(engine, plant, epoch, end, units),
            **outcome(engine),
        }
        engine.dispose()
    figures["load"] = [round(x, 2) for x in (*load, *os.getloadavg())]
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
