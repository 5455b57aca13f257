"""OEE by shift over a plant's floor data: how long `iot.oee.by_window` takes for many machines and many shifts.

    python benchmarks/oee_windows.py [--machines 100] [--days 30] [--out benchmarks/results/oee_windows.json]

Draws each machine's states (running twice as often as starved or down, and idle, each for 10 minutes to two
hours; the same seed every run) and a count at the end of each running stretch, then times OEE by three fixed
daily shifts over the span: each machine's counts in each shift with the work carried into it
(`counted_by_window`) and the figures of each shift. Prints the seconds, the rows and the load average (the
figures are only as quiet as the machine). Not a test.
"""

from __future__ import annotations

import argparse
import os
import random
import time
from datetime import UTC, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path

from harness import write_result

from factoryos.iot.oee import Counted, by_window, counted_by_window, shift_windows, state_intervals

ROOT = Path(__file__).resolve().parents[1]
START = datetime(2027, 1, 4, tzinfo=UTC)
SHIFTS = [
    ("a", clock_time(6), clock_time(14)),
    ("b", clock_time(14), clock_time(22)),
    ("c", clock_time(22), clock_time(6)),
]


def floor_data(machines: int, days: int) -> tuple[list[tuple[datetime, str, str]], list[Counted]]:
    rng = random.Random(7)
    changes, counts = [], []
    for m in range(machines):
        equipment, clock = f"site/area/line-{m % 10}/machine-{m}", 0.0
        while clock < days * 86400:
            state = rng.choice(["running", "running", "starved", "down", "idle"])
            seconds = rng.uniform(600, 7200)
            changes.append((START + timedelta(seconds=clock), equipment, state))
            clock += seconds
            if state == "running":
                counts.append(Counted(START + timedelta(seconds=clock), equipment, good=int(seconds // 60)))
    return changes, counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--machines", type=int, default=100)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "oee_windows.json")
    args = parser.parse_args()
    load_before = os.getloadavg()
    end = START + timedelta(days=args.days)
    changes, counts = floor_data(args.machines, args.days)
    intervals = state_intervals(changes, START, end)
    windows = shift_windows(START, end, SHIFTS)
    began = time.perf_counter()
    counted_by_window(intervals, counts, windows, 60.0)
    counted_s = time.perf_counter() - began
    began = time.perf_counter()
    figures = by_window(intervals, counts, 60.0, windows)
    result = {
        "machines": args.machines,
        "days": args.days,
        "state_intervals": len(intervals),
        "counts": len(counts),
        "shifts": len(windows),
        "shifts_with_figures": len(figures),
        "counted_by_window_s": round(counted_s, 3),
        "by_window_s": round(time.perf_counter() - began, 3),
        "load_average_before": [round(x, 2) for x in load_before],
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
    }
    write_result(result, args.out)


if __name__ == "__main__":
    main()
