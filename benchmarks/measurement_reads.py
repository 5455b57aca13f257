"""What an index on measurements (equipment, ts_us) is worth: the trace's read of an operation's sensor readings
(`services.trace._readings`: one equipment over an operation's minutes) on a realistic table, and what the index
costs the ingester's inserts.

    python benchmarks/measurement_reads.py --db URL [--equipment 50] [--sensors 10] [--hours 48] [--period 10]

An empty database gets `--equipment` x `--sensors` series, a reading every `--period` seconds for `--hours`,
stored through the telemetry store in batches of 50,000 rows as the ingester stores them (timed: rows a
second); a database holding them already is read as it is. Then `--traces` traces of two random operations of
five minutes each are timed (p50, p99) with the schema as migrated; the plan of the statement is printed on
stderr. Run it on a database migrated before the index and again after `factoryos` migrated it.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time

from sqlalchemy import Engine, func, inspect, select, text

from factoryos.model.readings import MeasurementRow
from factoryos.quality.genealogy import OperationSpan
from factoryos.services.trace import _readings, _readings_during
from factoryos.store.db import make_engine, migrate
from factoryos.store.telemetry import MeasurementRecord
from factoryos.store.timeseries import Batch, TelemetryStore

START_US = 1_798_761_600_000_000  # 2027-01-01 UTC
CHUNK = 50_000


def paths(equipment: int) -> list[str]:
    return [f"bench-plant/area-{k % 5}/line-{k % 10}/cell-{k:03d}" for k in range(equipment)]


def load(engine: Engine, equipment: int, sensors: int, hours: float, period: int) -> float:
    """Store the series; rows a second."""
    store = TelemetryStore(engine)
    rows: list[tuple] = []
    stored, seconds = 0, 0.0
    names = [f"sensor-{j:02d}" for j in range(sensors)]
    where = paths(equipment)
    for step in range(int(hours * 3600 / period)):
        ts_us = START_US + step * period * 1_000_000
        for path in where:
            for j, name in enumerate(names):
                rows.append(MeasurementRow(ts_us, "bench-plant", path, name, (step + j) % 97 / 7, "bar", path, step))
        if len(rows) >= CHUNK:
            seconds += _write(store, rows)
            stored += len(rows)
            rows = []
    if rows:
        seconds += _write(store, rows)
        stored += len(rows)
    return stored / seconds


def _write(store: TelemetryStore, rows: list[tuple]) -> float:
    started = time.perf_counter()
    store.write(Batch(measurements=rows))
    return time.perf_counter() - started


def traces(engine: Engine, equipment: int, hours: float, count: int, seed: int) -> list[float]:
    """Milliseconds for each trace's readings of two random five-minute operations."""
    rng = random.Random(seed)
    spent = []
    span_us = int(hours * 3600e6) - 300_000_000
    where = paths(equipment)
    with engine.connect() as connection:
        for _ in range(count):
            spans = []
            for _ in range(2):
                start = START_US + rng.randrange(span_us)
                path = rng.choice(where)
                spans.append(OperationSpan("U", "op", "WO", path, start, start + 300_000_000))
            started = time.perf_counter()
            _readings(connection, spans)
            spent.append((time.perf_counter() - started) * 1000)
    return spent


def plan(engine: Engine, equipment: int) -> str:
    """The database's plan of one trace's readings statement."""
    window = {"equipment_0": paths(equipment)[0], "start_0": START_US, "end_0": START_US + 300_000_000}
    sql = str(_readings_during(1).params(window).compile(engine, compile_kwargs={"literal_binds": True}))
    explain = "EXPLAIN QUERY PLAN " if engine.dialect.name == "sqlite" else "EXPLAIN "
    with engine.connect() as connection:
        rows = connection.exec_driver_sql(explain + sql).all()
    return "\n".join(" ".join(str(c) for c in row) for row in rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True)
    parser.add_argument("--equipment", type=int, default=50)
    parser.add_argument("--sensors", type=int, default=10)
    parser.add_argument("--hours", type=float, default=48)
    parser.add_argument("--period", type=int, default=10)
    parser.add_argument("--traces", type=int, default=300)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    engine = make_engine(args.db)
    migrate(engine)
    figures: dict = {"load_before": os.getloadavg()[0]}
    with engine.connect() as connection:
        rows = connection.scalar(select(func.count()).select_from(MeasurementRecord))
    if not rows:
        figures["insert_rows_per_s"] = round(load(engine, args.equipment, args.sensors, args.hours, args.period))
        with engine.connect() as connection:
            rows = connection.scalar(select(func.count()).select_from(MeasurementRecord))
            if engine.dialect.name == "postgresql":
                connection.execute(text("ANALYZE measurements"))
                connection.commit()
    print(plan(engine, args.equipment), file=sys.stderr)
    spent = sorted(traces(engine, args.equipment, args.hours, args.traces, args.seed))
    figures |= {
        "database": engine.dialect.name,
        "rows": rows,
        "indexes": sorted(ix["name"] for ix in inspect(engine).get_indexes("measurements")),
        "trace_readings_ms_p50": round(statistics.median(spent), 2),
        "trace_readings_ms_p99": round(spent[int(0.99 * (len(spent) - 1))], 2),
        "load_after": os.getloadavg()[0],
    }
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
