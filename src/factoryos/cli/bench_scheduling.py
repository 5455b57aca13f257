"""`factoryos bench scheduling FILE...`: solve public benchmark instances with the full solver, check
every schedule independently, and print one line per instance (JSON with --json)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer


def scheduling(
    files: Annotated[
        list[Path], typer.Argument(metavar="FILE", help="JSSP .txt (OR-Library) or FJSP .fjs (Brandimarte) files.")
    ],
    time_limit: Annotated[float, typer.Option("--time-limit", help="Seconds per instance.")] = 30.0,
    workers: Annotated[int, typer.Option("--workers", help="Solver threads.")] = 2,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per line.")] = False,
    solution_dir: Annotated[
        Path | None, typer.Option("--solution-dir", help="Write NAME.json with every operation's slot here.")
    ] = None,
) -> None:
    """Solve each instance for makespan and report makespan, seconds and feasibility."""
    from factoryos.bench.scheduling import solve_instances

    if solution_dir is not None:
        solution_dir.mkdir(parents=True, exist_ok=True)
    for line, solution in solve_instances(files, time_limit, workers):
        if as_json:
            typer.echo(json.dumps({k: line[k] for k in ("instance", "makespan", "seconds", "feasible")}))
        else:
            typer.echo(
                f"{line['instance']:<24} makespan {line['makespan']:>7}  {line['seconds']:>7.2f} s  "
                f"{'feasible' if line['feasible'] else 'INFEASIBLE'}  "
                f"({line['method']}{', optimal' if line['optimal'] else ''})"
            )
        if solution_dir is not None:
            (solution_dir / f"{line['instance']}.json").write_text(json.dumps(solution) + "\n")
