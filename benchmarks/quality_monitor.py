"""Benchmark of `factoryos quality monitor`: false-alarm rate on normal data and detection rate after a fault,
for each method, through the same CSV path as the command.

Two sources:
- the simulated cell of tests/quality/cell.py (eight correlated sensors, a coolant temperature drifting from
  row 300 of 1,000), over several seeds;
- with `--tep DIR`, the Tennessee Eastman process data of Braatz et al. (d00.dat: 500 normal samples, stored
  transposed; d00_te.dat: 960 normal test samples; dNN_te.dat: fault NN from sample 160 of 960), as shipped in
  the `bibmon` wheel on PyPI.

    python benchmarks/quality_monitor.py [--seeds 10] [--tep /tmp/tep]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import numpy as np

from factoryos.services.quality import monitor_files

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "quality"))

from cell import SENSORS, simulate_cell  # noqa: E402

METHODS = ("pca", "dpca", "ewma-dpca")


def write(path: Path, sensors: tuple[str, ...], rows: np.ndarray) -> Path:
    np.savetxt(path, rows, delimiter=",", header=",".join(sensors), comments="", fmt="%.6g")
    return path


def rates(train: Path, normal: Path, faulty: Path, start: int) -> dict[str, tuple[float, float]]:
    """Per method: false-alarm rate on the normal file, detection rate from row `start` of the faulty one."""
    found = {}
    for method in METHODS:
        false_alarms = np.mean(monitor_files(train, normal, method)["alarms"])
        detected = np.mean(monitor_files(train, faulty, method)["alarms"][start:])
        found[method] = (float(false_alarms), float(detected))
    return found


def cell(seeds: int, folder: Path) -> None:
    print(f"simulated cell: train 2,000 rows, normal 1,000, drift from row 300 of 1,000; {seeds} seeds")
    table = {method: [] for method in METHODS}
    for seed in range(seeds):
        train = write(folder / "train.csv", SENSORS, simulate_cell(2000, seed=100 + seed))
        normal = write(folder / "normal.csv", SENSORS, simulate_cell(1000, seed=200 + seed))
        drift = write(folder / "drift.csv", SENSORS, simulate_cell(1000, seed=300 + seed, drift_from=300))
        for method, pair in rates(train, normal, drift, 300).items():
            table[method].append(pair)
    print("| method | false alarms on normal data | detection after the drift starts |")
    print("|---|---|---|")
    for method, pairs in table.items():
        fa, det = np.array(pairs).T
        print(f"| {method} | {fa.mean():.1%} (max {fa.max():.1%}) | {det.mean():.1%} (min {det.min():.1%}) |")


def tep(source: Path, folder: Path) -> None:
    sensors = tuple(f"x{i}" for i in range(1, 53))
    train = write(folder / "tep_train.csv", sensors, np.loadtxt(source / "d00.dat").T)
    normal = write(folder / "tep_normal.csv", sensors, np.loadtxt(source / "d00_te.dat"))
    print("Tennessee Eastman: train d00.dat (500), normal d00_te.dat (960), faults dNN_te.dat from sample 160")
    print("| fault | " + " | ".join(METHODS) + " |")
    print("|---|" + "---|" * len(METHODS))
    totals = {method: [] for method in METHODS}
    false_alarms = {}
    for fault in range(1, 22):
        faulty = write(folder / "tep_fault.csv", sensors, np.loadtxt(source / f"d{fault:02d}_te.dat"))
        found = rates(train, normal, faulty, 160)
        false_alarms = {method: pair[0] for method, pair in found.items()}
        for method, (_, detected) in found.items():
            totals[method].append(detected)
        print(f"| {fault} | " + " | ".join(f"{found[m][1]:.1%}" for m in METHODS) + " |")
    print("| mean, 21 faults | " + " | ".join(f"{np.mean(totals[m]):.1%}" for m in METHODS) + " |")
    print("| false alarms, d00_te | " + " | ".join(f"{false_alarms[m]:.1%}" for m in METHODS) + " |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--tep", type=Path, help="folder with the Tennessee Eastman .dat files")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        cell(args.seeds, Path(tmp))
        if args.tep:
            print()
            tep(args.tep, Path(tmp))


if __name__ == "__main__":
    main()
