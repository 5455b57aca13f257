"""Traditional against smart on a reference plant: K replications of each, paired by seed.

    .venv/bin/python benchmarks/twin_scenarios.py examples/ev-plant.yaml --days 30 --replications 5 [--schedule 10]

Prints one JSON object: each scenario's figures with 95 % intervals (among them `material_shortage_hours`,
equipment-hours starved for material, and `purchasing`, how it bought its parts), and the smart / traditional
ratio of output per labour hour and of finished-goods inventory, with intervals over the paired replications.
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
from pathlib import Path

from factoryos.twin.experiment import Experiment, aggregate, confidence_interval, interval_figures, replicate


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("plant", type=Path)
    parser.add_argument("--days", type=float, default=30)
    parser.add_argument("--replications", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--events", action="store_true", help="publish the event stream too")
    parser.add_argument("--schedule", type=float, default=0.0, help="smart runs a schedule made in this many s")
    args = parser.parse_args()
    text = args.plant.read_text(encoding="utf-8")
    from concurrent.futures import ProcessPoolExecutor

    seeds = [args.seed + k for k in range(args.replications)]
    experiments = [
        Experiment(text, scenario, args.days, args.events, schedule_seconds=args.schedule if scenario == "smart" else 0)
        for scenario in ("traditional", "smart")
    ]
    jobs = [(experiment, s) for experiment in experiments for s in seeds]
    with ProcessPoolExecutor(max_workers=2) as pool:
        runs = list(pool.map(replicate, *zip(*jobs, strict=True)))
    traditional = [r for r in runs if r["scenario"] == "traditional"]
    smart = [r for r in runs if r["scenario"] == "smart"]
    result = {"plant": str(args.plant), "traditional": aggregate(traditional), "smart": aggregate(smart)}
    for figure in (
        "output_per_labour_hour",
        "shipped_per_labour_hour",
        "fg_inventory_avg",
        "avg_wip",
        "throughput_per_day",
    ):
        ratios = [s[figure] / t[figure] for s, t in zip(smart, traditional, strict=True) if t[figure]]
        if ratios and all(math.isfinite(r) for r in ratios):
            result[f"ratio_{figure}"] = interval_figures(confidence_interval(ratios))
    result["paired_seeds"] = seeds
    result["mean_wall_seconds"] = statistics.fmean(r["wall_seconds"] for r in runs)
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
