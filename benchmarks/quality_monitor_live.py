"""Benchmark of the live multivariate monitor (`quality.monitor_watch`): false-alarm rate and episodes on normal
data, and the delay from a drift's onset to the episode that flags it, for each method, fed one reading at a
time as the ingester or the bus feeds it.

Two sources, one sample a period, each sensor's reading a few seconds after the last:
- six sensors on two independent factors (tests/quality/cell.py `correlated`): learn from 400 samples, 3,000
  normal ones judged; a second run with s3 drifting 0.01 of its spread a sample from sample 1,000;
- the simulated machining cell (`simulate_cell`, strongly autocorrelated): learn from 1,000, judge 1,500
  normal, then coolant_temp drifting 0.004 of its spread a sample.

    python benchmarks/quality_monitor_live.py [--seeds 5]
"""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

from factoryos.quality.monitor_watch import MonitorWatch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "quality"))

from cell import NAMES, SENSORS, correlated, simulate_cell  # noqa: E402

METHODS = ("pca", "dpca", "ewma-dpca")
COLUMNS = (
    "method",
    "false alarms on normal data",
    "episodes per 1,000 normal samples",
    "samples from the onset to the first episode",
    "which names the drifting sensor first",
)
T0 = datetime(2027, 3, 1, tzinfo=UTC)


def run(
    method: str, train: int, data: np.ndarray, names: tuple[str, ...], onset: int
) -> tuple[float, int, int | None, str]:
    """Feed the rows; the false-alarm rate and the episodes before `onset`, the samples from the onset to the
    first episode that begins after it, and the sensor that episode blames most."""
    watch = MonitorWatch(method, period=60.0, train=train)
    raised = []
    normal = (0, 0)
    for k, row in enumerate(data):
        for j, name in enumerate(names):
            at = T0 + timedelta(seconds=60 * k + 3 * j)
            raised.extend(episode for episode in watch.add(name, float(row[j]), at) if episode.end is None)
        if k == onset + 1:  # a period closes once a reading two periods newer arrives (late = 1)
            normal = (watch.alarmed, watch.judged)
    drift = T0 + timedelta(seconds=60 * onset)
    first = next((episode for episode in raised if episode.start >= drift), None)
    delay = None if first is None else int((first.start - drift).total_seconds() // 60)
    before = sum(1 for episode in raised if episode.start < drift)
    return normal[0] / normal[1], before, delay, "" if first is None else first.sensors[0][0]


def table(title: str, rows: dict[str, list[tuple[float, int, int | None, str]]], normal: int, culprit: str) -> None:
    print(title)
    print("| " + " | ".join(COLUMNS) + " |")
    print("|---|---|---|---|---|")
    for method, found in rows.items():
        fa = np.array([f[0] for f in found])
        episodes = np.array([f[1] for f in found]) / normal * 1000
        delays = [f[2] for f in found if f[2] is not None]
        named = sum(f[3] == culprit for f in found)
        missed = len(found) - len(delays)
        delay = f"median {np.median(delays):.0f} (max {max(delays)}; {missed} missed)" if delays else "all missed"
        cells = (
            method,
            f"{fa.mean():.1%} (max {fa.max():.1%})",
            f"{episodes.mean():.1f}",
            delay,
            f"{named} of {len(found)}",
        )
        print("| " + " | ".join(cells) + " |")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seeds", type=int, default=5)
    seeds = parser.parse_args().seeds
    factors = {
        m: [run(m, 400, correlated(4000, 100 + s, drift_from=3400), NAMES, 3400) for s in range(seeds)] for m in METHODS
    }
    table(
        f"six sensors on two factors, learnt from 400, 3,000 normal, then s3 drifting 0.01 sd a sample; {seeds} seeds",
        factors,
        3000,
        "s3",
    )
    cell = {
        m: [run(m, 1000, simulate_cell(3200, 200 + s, drift_from=2500), SENSORS, 2500) for s in range(seeds)]
        for m in METHODS
    }
    table(
        f"machining cell, learnt from 1,000, 1,500 normal, then coolant_temp drifting 0.004 sd a sample; {seeds} seeds",
        cell,
        1500,
        "coolant_temp",
    )


if __name__ == "__main__":
    main()
