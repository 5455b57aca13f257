"""Run lengths of the live X-bar chart (`factoryos.quality.watch`): subgroups of 5 until the first alarm, on a
process in control and after a step shift, with the Western Electric rules, limits from a phase I baseline
of 25 subgroups; and its throughput in values a second, on a chart long past learning and over charts' first
125 subgroups (the baseline and the 100 in-control subgroups its limits are revised with).

    python benchmarks/quality_spc.py --runs 400
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from datetime import UTC, datetime

import numpy as np

from factoryos.quality.watch import Watch

T0 = datetime(2027, 1, 1, tzinfo=UTC)
N = 5


def run_length(rng: np.random.Generator, shift: float, cap: int = 5000) -> int:
    """Subgroups after the baseline until the first alarm, the mean moved by `shift` sigma of a subgroup mean."""
    watch = Watch(subgroup=N, baseline=25)
    for value in rng.normal(0.0, 1.0, 25 * N):
        watch.add(float(value), T0)
    step = shift / np.sqrt(N)
    for k in range(cap):
        for value in rng.normal(step, 1.0, N):
            if watch.add(float(value), T0) is not None:
                return k + 1
    return cap


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=400)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    rows = {}
    for shift in (0.0, 0.5, 1.0, 1.5, 2.0, 3.0):
        lengths = [run_length(rng, shift) for _ in range(args.runs)]
        rows[f"{shift:g}"] = {"arl": round(statistics.fmean(lengths), 1), "median": statistics.median(lengths)}
    watch = Watch(subgroup=N, baseline=25)
    values = rng.normal(0.0, 1.0, 200_000)
    started = time.perf_counter()
    for value in values:
        watch.add(float(value), T0)
    rate = values.size / (time.perf_counter() - started)
    learning = rng.normal(0.0, 1.0, (400, 125 * N))
    started = time.perf_counter()
    for chart in learning:
        watch = Watch(subgroup=N, baseline=25)
        for value in chart:
            watch.add(float(value), T0)
    learning_rate = learning.size / (time.perf_counter() - started)
    print(
        json.dumps(
            {
                "runs": args.runs,
                "run_lengths": rows,
                "values_per_second": round(rate),
                "learning_values_per_second": round(learning_rate),
            }
        )
    )


if __name__ == "__main__":
    main()
