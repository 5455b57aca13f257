"""`factoryos bench scheduling FILE...`: solve public benchmark instances with the full solver, check
every schedule independently, and print one line per instance (JSON with --json)."""

from __future__ import annotations

import json
import time
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
    from factoryos.scheduling.checker import check
    from factoryos.scheduling.readers import machine_number_offset, read_instance
    from factoryos.scheduling.schedule import makespan
    from factoryos.scheduling.solve import solve

    if solution_dir is not None:
        solution_dir.mkdir(parents=True, exist_ok=True)
    for path in files:
        problem = read_instance(path)
        started = time.monotonic()
        result = solve(problem, time_limit=time_limit, workers=workers)
        seconds = round(time.monotonic() - started, 2)
        feasible = not check(problem, result.schedule)
        line = {"instance": path.stem, "makespan": makespan(result.schedule), "seconds": seconds, "feasible": feasible}
        if as_json:
            typer.echo(json.dumps(line))
        else:
            typer.echo(
                f"{path.stem:<24} makespan {line['makespan']:>7}  {seconds:>7.2f} s  "
                f"{'feasible' if feasible else 'INFEASIBLE'}  ({result.method}{', optimal' if result.optimal else ''})"
            )
        if solution_dir is not None:
            offset = machine_number_offset(path)
            operations = [
                {"job": j, "index": k, "machine": result.schedule[op].machine + offset}
                | {"start": result.schedule[op].start, "end": result.schedule[op].end}
                for j, job in enumerate(problem.jobs)
                for k, op in enumerate(job.operations)
            ]
            document = {"instance": path.stem, "makespan": line["makespan"], "operations": operations}
            (solution_dir / f"{path.stem}.json").write_text(json.dumps(document) + "\n")
