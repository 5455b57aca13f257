"""One run of a plant's twin as the demo and the report use it: the figures of merit, the run's metrics, the
sampled output, work in process and finished goods over time, and each finished unit's ledger entry (built,
held, shipped), which is what the floor tells the order desk."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from factoryos.model.bus import EventBus
from factoryos.model.orders import CustomerOrder, ScheduledOperation
from factoryos.model.plant import Plant
from factoryos.twin.experiment import summary
from factoryos.twin.finished_goods import FinishedUnit
from factoryos.twin.metrics import RunMetrics
from factoryos.twin.probe import Probe
from factoryos.twin.scenarios import prepare


@dataclass
class Simulation:
    """A finished run: `samples` are (seconds, units completed, work in process, finished-goods stock);
    `finished` every unit finished goods received, by serial."""

    figures_of_merit: dict[str, Any]
    metrics: RunMetrics
    samples: list[tuple[float, int, int, int]]
    finished: dict[str, FinishedUnit] = field(default_factory=dict)


def simulate_plant(
    plant: Plant,
    days: float = 30,
    scenario: str = "smart",
    seed: int = 0,
    orders: list[CustomerOrder] | None = None,
    schedule: list[ScheduledOperation] | None = None,
    bus: EventBus | None = None,
    start: date | None = None,
) -> Simulation:
    """Run the plant's twin for `days` (from the start when a schedule is given, else after a warm-up), from
    `start` (default: see `factoryos.twin.scenarios.epoch_for`)."""
    warmup = 0.0 if schedule is not None else 2.0
    run = prepare(
        plant, scenario, days, seed, bus=bus, warmup_days=warmup, orders=orders, schedule=schedule, start=start
    )
    ledger = run.floor.finished_goods.ledger = {}
    probe = Probe(run.floor)
    metrics = run.floor.run(run.horizon)
    return Simulation(summary(metrics, run), metrics, probe.samples, ledger)
