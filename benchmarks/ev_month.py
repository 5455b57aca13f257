"""A month of the EV plant: 10,000 vehicles with every operation, scheduled, checked, compared.

    python benchmarks/ev_month.py [--rules EDD,ATC] [--out benchmarks/results/ev_month.json]

Prints one JSON object (operations, seconds, violations, weighted tardiness and setup time against the
best dispatching rule, each rule run on the whole month) and writes it to --out, with the machine's load
average before and after: the timings are only as quiet as the machine.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from factoryos.bench.plant import plant_month
from factoryos.model.validate import load_plant
from factoryos.scheduling.dispatch import RULES

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--plant", type=Path, default=ROOT / "examples" / "ev-plant.yaml")
    parser.add_argument("--units", type=int, default=10_000)
    parser.add_argument("--lead-scale", type=float, default=0.15)
    parser.add_argument("--rules", default=",".join(RULES))
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "ev_month.json")
    args = parser.parse_args()
    load_before = os.getloadavg()
    result = plant_month(
        load_plant(args.plant),
        units=args.units,
        lead_scale=args.lead_scale,
        rules=[r for r in args.rules.split(",") if r],
        progress=lambda rule: print(f"dispatching rule {rule}...", file=sys.stderr, flush=True),
    )
    result["load average before, after (1, 5, 15 min)"] = [
        " ".join(f"{x:.2f}" for x in load) for load in (load_before, os.getloadavg())
    ]
    text = json.dumps(result, indent=2)
    print(text)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text + "\n")


if __name__ == "__main__":
    main()
