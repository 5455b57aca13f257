"""A week of a plant's orders scheduled end to end: time, peak memory, operations, checker violations.

    /usr/bin/time -v python benchmarks/plant_week.py [--plant electronics-plant] [--volume 1] [--days 7]
        [--out benchmarks/results/plant_week.json]

Generates `--days` of orders at `--volume` times the plant's demand, schedules them as `factoryos schedule`
does (orders to production orders, the mapping, the rolling sequence, the checker, the floor's schedule),
checks the result once more with the independent checker, and prints one JSON object; with --out, it is
added to that file under a key of plant and volume. Peak RSS is the process's high-water mark (ru_maxrss)
once the schedule is made, before the harness's own re-check; `/usr/bin/time -v` reports the whole process.
CPU seconds say what the work costs when other processes share the cores; the machine's load average
before and after says how quiet the wall-clock timing was. The plant is scheduled at full rate, its ramp-up
left out (`factoryos.bench.plant.at_full_rate`): the benchmark measures the scheduler, not the ramp.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
from datetime import date
from pathlib import Path

from factoryos.bench.plant import at_full_rate
from factoryos.c2m.demand import generate_orders
from factoryos.examples import example_plant
from factoryos.model.validate import load_plant
from factoryos.scheduling.checker import check
from factoryos.scheduling.plant_schedule import schedule_plant


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--plant", default="electronics-plant", help="an example plant's name or a plant file")
    parser.add_argument("--volume", type=float, default=1.0, help="times the plant's own demand")
    parser.add_argument("--days", type=int, default=7)
    parser.add_argument("--start", type=date.fromisoformat, default=date(2027, 3, 1))
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    load_before = os.getloadavg()
    path = Path(args.plant) if Path(args.plant).is_file() else example_plant(args.plant)
    plant = at_full_rate(load_plant(path))
    orders = generate_orders(plant, args.start, args.days, seed=1, volume=args.volume)
    began, cpu = time.perf_counter(), time.process_time()
    plan = schedule_plant(plant, orders, horizon_days=args.days, start=None, compare=False)
    seconds, cpu_seconds = time.perf_counter() - began, time.process_time() - cpu
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    problem = plan.plant_problem.problem
    violations = check(problem, plan.schedule)
    batched = [op for op in problem.operations if op.batch is not None]
    result = {
        "plant": plant.site.id,
        "volume": args.volume,
        "days": args.days,
        "units": sum(o.quantity for o in orders),
        "customer orders": len(orders),
        "jobs": len(problem.jobs),
        "operations": len(problem.operations),
        "operations in batches": len(batched),
        "floor schedule lines": len(plan.operations),
        "method": plan.method,
        "seconds": round(seconds, 1),
        "cpu seconds": round(cpu_seconds, 1),
        "peak rss MiB": round(peak),
        "violations": len(violations),
        "makespan h": round(plan.figures.makespan / 3600, 1),
        "late units": plan.figures.late_jobs,
        "setup h": round(plan.figures.setup_time / 3600, 1),
        "load average before, after (1, 5, 15 min)": [
            " ".join(f"{x:.2f}" for x in load) for load in (load_before, os.getloadavg())
        ],
    }
    text = json.dumps(result, indent=2)
    print(text)
    if args.out:
        runs = json.loads(args.out.read_text()) if args.out.exists() else {}
        runs[f"{result['plant']} x{args.volume:g}, {args.days} days"] = result
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(runs, indent=2) + "\n")
    print(f"{result['operations']:,} operations in {result['seconds']} s", file=sys.stderr)


if __name__ == "__main__":
    main()
