"""Experiments: replications of a scenario, run in parallel, summarised with confidence intervals.

A replication is a pure function of an `Experiment` (plant file text, scenario, days...) and a seed returning plain
data, so it runs
the same in this process, in a local process pool, or on a Dask cluster (`dask_address`).
"""

from __future__ import annotations

import gc
import math
import os
import resource
import statistics
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from typing import Any, Protocol

from scipy import stats

from factoryos.model.bus import EventBus
from factoryos.model.errors import FactoryosError
from factoryos.model.estimate import Estimate
from factoryos.model.plant import Plant
from factoryos.model.validate import PlantFileError, check_plant_text
from factoryos.twin.calendar import DAY
from factoryos.twin.event_log import RollingEventStore
from factoryos.twin.metrics import RunMetrics
from factoryos.twin.scenarios import SCENARIOS, ScenarioRun, prepare


class BusTap(Protocol):
    """Sends a replication's event stream somewhere else (a broker, say): attaches to the bus, given a name
    for the connection, and returns what to call once the run is over. It must pickle, as replications run
    in other processes."""

    def __call__(self, bus: EventBus, name: str) -> Callable[[], None]: ...


# The figures an experiment reports, each with a confidence interval over replications.
FIGURES = (
    "completed",
    "throughput_per_day",
    "avg_wip",
    "avg_lead_time_days",
    "on_time_rate",
    "labour_hours",
    "output_per_labour_hour",
    "shipped_per_labour_hour",
    "fg_inventory_avg",
    "avg_order_lead_time_days",
    "material_shortage_hours",
)


def interval_figures(estimate: Estimate) -> dict[str, float]:
    """An interval as an experiment's figures give it (`ci95`): its mean, low and high ends."""
    return {"mean": estimate.value, "low": estimate.lower, "high": estimate.upper}


MAX_REPLICATIONS = 1_000
"""More replications narrow the interval by less than a thousandth of the spread, at the cost of hours."""
SHARES = frozenset({"on_time_rate"})
"""The figures that are shares (0 to 1); the others are counts, rates and times (0 or more)."""


def confidence_interval(
    samples: list[float], level: float = 0.95, bounds: tuple[float, float] = (-math.inf, math.inf)
) -> Estimate:
    """The mean with its Student-t interval, kept within the figure's `bounds` (a few replications of a skewed
    figure, such as hours starved for material, would otherwise reach below zero); a single replication gives
    a zero-width interval."""
    mean = statistics.fmean(samples)
    if len(samples) < 2:
        return Estimate(mean, mean, mean)
    half = float(stats.t.ppf((1 + level) / 2, len(samples) - 1)) * statistics.stdev(samples) / math.sqrt(len(samples))
    low, high = bounds
    return Estimate(mean, max(low, mean - half), min(high, mean + half))


def summary(metrics: RunMetrics, run: ScenarioRun) -> dict[str, Any]:
    """The plain figures of one replication (what `factoryos simulate --json` reports)."""
    days = metrics.horizon / DAY
    labour = metrics.labour_hours
    lines = {line: round(oee, 4) for line, oee in metrics.line_oee.items()}
    return {
        "scenario": run.scenario,
        "days": days,
        "completed": metrics.completed,
        "throughput_per_day": metrics.completed / days,
        "avg_wip": metrics.avg_wip,
        "avg_lead_time_days": metrics.avg_lead_time / DAY if metrics.completed else None,
        "on_time_rate": metrics.on_time_rate,
        "labour_hours": labour,
        "output_per_labour_hour": metrics.completed / labour if labour else None,
        "shipped_per_labour_hour": metrics.units_shipped / labour if labour else None,
        "fg_inventory_avg": metrics.fg_inventory_avg,
        "avg_order_lead_time_days": (
            metrics.avg_order_lead_time / DAY if metrics.avg_order_lead_time is not None else None
        ),
        "units_shipped": metrics.units_shipped,
        "open_backorders": metrics.open_backorders,
        "material_shortage_hours": metrics.material_shortage_hours,
        "purchasing": run.purchasing,
        "oee": lines,
        "bottleneck": metrics.bottleneck,
        "events": metrics.events_published,
    }


def load_plant_text(text: str, file: str = "<plant>") -> Plant:
    plant, issues = check_plant_text(text, file)
    if issues or plant is None:
        raise PlantFileError(issues)
    return plant


@dataclass(frozen=True)
class Experiment:
    """What every replication of an experiment runs: the plant file's text (so that it can run in another
    process or on a cluster), the scenario and days; whether events are kept, a `tap` that also sends them
    wherever it sends them (MQTT, from the CLI's --broker), and, for the smart scenario, the seconds to schedule
    its orders first (`schedule_seconds`; 0: release and dispatch them)."""

    plant_text: str
    scenario: str
    days: float
    events: bool = True
    tap: BusTap | None = None
    schedule_seconds: float = 0.0


def replicate(experiment: Experiment, seed: int) -> dict[str, Any]:
    """One replication of `experiment` with `seed`: its figures, seed, wall time and peak memory."""
    started = time.perf_counter()
    plant = load_plant_text(experiment.plant_text)
    tap = experiment.tap
    bus = EventBus(RollingEventStore(keep=10_000)) if experiment.events or tap else None
    close_tap = tap(bus, f"twin-{experiment.scenario}-{seed}") if tap is not None and bus is not None else None
    run = prepare(
        plant, experiment.scenario, experiment.days, seed, bus=bus, schedule_seconds=experiment.schedule_seconds
    )
    metrics = _without_gc_pressure(lambda: run.floor.run(run.horizon))
    if close_tap is not None:
        close_tap()
    result = summary(metrics, run)
    result["seed"] = seed
    result["wall_seconds"] = time.perf_counter() - started
    result["peak_rss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return result


def _without_gc_pressure(work: Any) -> Any:
    """Run with the model built so far frozen out of garbage collection and rarer young collections: a
    month's run allocates millions of short-lived events, and full collections over the whole model
    otherwise cost a third of the time."""
    threshold = gc.get_threshold()
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 20, 100)
    try:
        return work()
    finally:
        gc.set_threshold(*threshold)
        gc.unfreeze()


def run_experiment(
    experiment: Experiment,
    replications: int,
    seed: int,
    *,
    workers: int | None = None,
    dask_address: str | None = None,
) -> dict[str, Any]:
    """K replications with seeds seed, seed+1, ...; the result has each figure's mean and 95 % interval."""
    scenario, schedule_seconds = experiment.scenario, experiment.schedule_seconds
    if scenario not in SCENARIOS:
        raise FactoryosError(f"scenario {scenario!r}: expected one of {', '.join(SCENARIOS)}")
    if not 1 <= replications <= MAX_REPLICATIONS:
        raise FactoryosError(f"replications must be 1 to {MAX_REPLICATIONS:,}, got {replications:,}")
    if schedule_seconds < 0 or (schedule_seconds > 0 and scenario != "smart"):
        raise FactoryosError(
            f"--schedule {schedule_seconds:g}: seconds >= 0, and only the smart scenario runs a schedule"
        )
    load_plant_text(experiment.plant_text)  # fail here, once, on a bad plant file
    seeds = [seed + k for k in range(replications)]
    same = [experiment] * replications
    if dask_address:
        from dask.distributed import Client

        with Client(dask_address) as client:
            runs = client.gather(client.map(replicate, same, seeds, pure=False))
    elif replications == 1 or workers == 1:
        runs = [replicate(experiment, s) for s in seeds]
    else:
        with ProcessPoolExecutor(max_workers=min(replications, workers or os.cpu_count() or 1)) as pool:
            runs = list(pool.map(replicate, same, seeds))
    return aggregate(runs)


def aggregate(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Means (the top-level figures, as one run reports them) and confidence intervals across runs."""
    result: dict[str, Any] = {"scenario": runs[0]["scenario"], "days": runs[0]["days"], "replications": len(runs)}
    intervals = {}
    for figure in FIGURES:
        values = [r[figure] for r in runs if r[figure] is not None]
        if values:
            bounds = (0.0, 1.0) if figure in SHARES else (0.0, math.inf)
            estimate = confidence_interval([float(v) for v in values], bounds=bounds)
            result[figure] = estimate.value
            intervals[figure] = interval_figures(estimate)
        else:
            result[figure] = None
    lines = sorted({line for r in runs for line in r["oee"]})
    result["oee"] = {line: statistics.fmean(r["oee"].get(line, 0.0) for r in runs) for line in lines}
    result["ci95"] = intervals
    result["bottleneck"] = statistics.mode(r["bottleneck"] for r in runs)
    result["purchasing"] = runs[0]["purchasing"]
    result["events"] = sum(r["events"] for r in runs)
    result["wall_seconds_per_replication"] = statistics.fmean(r["wall_seconds"] for r in runs)
    result["peak_rss_mib"] = max(r["peak_rss_mib"] for r in runs)
    result["seeds"] = [r["seed"] for r in runs]
    return result
