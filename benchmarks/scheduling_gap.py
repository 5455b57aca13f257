"""Gap to best known makespans: run `factoryos bench scheduling` on a set of instances and print a table.

    python benchmarks/scheduling_gap.py --set ta01-ta20 --set mk01-mk05 --time-limit 30 --workers 2
    python benchmarks/scheduling_gap.py path/to/ft10.txt --output benchmarks/results/scheduling.md

Instances come from $FACTORYOS_BENCHMARKS/scheduling (default: ../shared/benchmarks next to the repo);
gap = (makespan - upper_bound) / upper_bound with the upper bound from bks.csv.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def benchmarks_dir() -> Path:
    return Path(os.environ.get("FACTORYOS_BENCHMARKS", REPO.parent / "shared" / "benchmarks")) / "scheduling"


def expand(spec: str, root: Path) -> list[Path]:
    """'ta01-ta20' -> the files ta01 ... ta20; 'mk04' -> that one instance."""
    match = re.fullmatch(r"([a-z_]+)(\d+)(?:-\1?(\d+))?", spec)
    if not match:
        raise SystemExit(f"cannot read set {spec!r}; use e.g. ta01-ta20 or mk04")
    prefix, first, last = match.group(1), match.group(2), match.group(3) or match.group(2)
    files = []
    for number in range(int(first), int(last) + 1):
        name = f"{prefix}{number:0{len(first)}d}"
        found = list(root.glob(f"*/{name}.txt")) + list(root.glob(f"*/{name}.fjs"))
        if not found:
            raise SystemExit(f"no instance file for {name} under {root}")
        files.append(found[0])
    return files


def best_known(root: Path) -> dict[str, int]:
    with (root / "bks.csv").open() as handle:
        return {row["name"]: int(row["upper_bound"]) for row in csv.DictReader(handle) if row["upper_bound"]}


def run(files: list[Path], time_limit: float, workers: int) -> list[dict]:
    """One `factoryos bench scheduling` process for the whole set; its JSON lines, as they come."""
    command = [
        sys.executable,
        "-c",
        "import sys; from factoryos.cli.bench import app; app(sys.argv[1:])",
        "scheduling",
        *map(str, files),
        "--time-limit",
        str(time_limit),
        "--workers",
        str(workers),
        "--json",
    ]
    rows = []
    with subprocess.Popen(command, stdout=subprocess.PIPE, text=True) as process:
        assert process.stdout is not None
        for line in process.stdout:
            rows.append(json.loads(line))
            print(line.strip(), file=sys.stderr, flush=True)
    return rows


def table(rows: list[dict], bks: dict[str, int], groups: list[tuple[str, list[str]]]) -> str:
    lines = ["| instance | makespan | best known | gap % | seconds | feasible |", "|---|---:|---:|---:|---:|---|"]
    gaps = {}
    for row in rows:
        bound = bks.get(row["instance"])
        gap = None if bound is None else 100.0 * (row["makespan"] - bound) / bound
        gaps[row["instance"]] = gap
        shown = "n/a" if gap is None else f"{gap:.2f}"
        lines.append(
            f"| {row['instance']} | {row['makespan']} | {bound or 'n/a'} | {shown} | {row['seconds']:.1f} | "
            f"{'yes' if row['feasible'] else 'NO'} |"
        )
    lines.append("")
    lines.append("| set | instances | mean gap % |")
    lines.append("|---|---:|---:|")
    for label, names in groups:
        values = [gaps[name] for name in names if gaps.get(name) is not None]
        if values:
            lines.append(f"| {label} | {len(values)} | {sum(values) / len(values):.2f} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("files", nargs="*", type=Path, help="instance files")
    parser.add_argument("--set", action="append", default=[], help="a range such as ta01-ta20 (repeatable)")
    parser.add_argument("--time-limit", type=float, default=30.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--output", type=Path, help="also write the table (markdown) here")
    args = parser.parse_args()
    root = benchmarks_dir()
    groups = [(spec, [path.stem for path in expand(spec, root)]) for spec in args.set]
    files = [path for spec in args.set for path in expand(spec, root)] + list(args.files)
    if args.files:
        groups.append(("files", [path.stem for path in args.files]))
    if not files:
        parser.error("give instance files or --set")
    rows = run(files, args.time_limit, args.workers)
    report = table(rows, best_known(root), groups)
    print(report)
    if args.output:
        header = f"`{' '.join(['python benchmarks/scheduling_gap.py', *sys.argv[1:]])}`\n\n"
        args.output.write_text(header + report + "\n")


if __name__ == "__main__":
    main()
