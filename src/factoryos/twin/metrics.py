"""What a run measured, as plain data: per equipment (state times, counts, OEE), per line, and for the floor.

OEE follows the time model of ISA-95 / ISO 22400: planned time excludes not-scheduled (idle) time and
planned maintenance; availability loses breakdowns, setups and waiting for bought parts that are not at
the line (an unplanned stop that is no neighbour's doing); performance is ideal time over run time, so
starving and blocking show up there; quality is first-pass good over all units. A line's OEE is its
bottleneck's. The bottleneck is found by the average active-period method (Roser et al. 2001): the
equipment whose uninterrupted active periods (working, setup, repair) are longest on average.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from factoryos.twin.calendar import HOUR
from factoryos.twin.states import DOWN, IDLE, MAINTENANCE, NAMES, SETUP, STARVED_MATERIAL


@dataclass(frozen=True)
class EquipmentMetrics:
    """One piece of equipment's results: share of time per state, units by outcome, failures, and OEE with its
    factors."""

    name: str
    path: str
    line: str
    state_fraction: dict[str, float]
    completed: int
    good: int
    scrap: int
    rework: int
    failures: int
    availability: float
    performance: float
    quality: float
    oee: float
    mean_active_period: float


@dataclass(frozen=True)
class RunMetrics:
    """A run's results after the warm-up: output, WIP, lead times, labour, finished goods, units shipped, the
    bottleneck, and per-equipment and per-line figures. Output and shipments are both counted in units: a
    make-to-stock run ships from its opening stock too, so it can ship more than it builds."""

    horizon: float  # seconds measured (after the warm-up)
    completed: int
    scrapped: int
    throughput: float  # units per second
    avg_wip: float
    avg_lead_time: float  # release to completion, seconds
    on_time_rate: float | None
    labour_hours: float
    fg_inventory_avg: float
    units_shipped: int  # units of customer orders shipped, built in the run or taken from stock
    avg_order_lead_time: float | None  # a shipped unit's customer order to its shipment, seconds
    bottleneck: str | None
    equipment: list[EquipmentMetrics] = field(default_factory=list)
    line_oee: dict[str, float] = field(default_factory=dict)
    by_product: dict[str, int] = field(default_factory=dict)
    buffers: dict[str, float] = field(default_factory=dict)  # time-average parts waiting, over the whole run
    open_backorders: int = 0  # units customers ordered still waiting for stock at the end (make-to-stock)
    material_shortage_hours: float = 0.0  # equipment-hours starved for bought material
    events_published: int = 0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def equipment_metrics(
    name: str, path: str, line: str, state_time: list[float], counts: dict[str, Any]
) -> EquipmentMetrics:
    total = sum(state_time)
    planned = total - state_time[IDLE] - state_time[MAINTENANCE]
    running = planned - state_time[DOWN] - state_time[SETUP] - state_time[STARVED_MATERIAL]
    done = counts["completed"]
    availability = running / planned if planned > 0 else 0.0
    performance = min(1.0, counts["ideal_seconds"] / running) if running > 0 else 0.0
    quality = counts["good"] / done if done else 0.0
    return EquipmentMetrics(
        name=name,
        path=path,
        line=line,
        state_fraction={n: (t / total if total > 0 else 0.0) for n, t in zip(NAMES, state_time, strict=True)},
        completed=done,
        good=counts["good"],
        scrap=counts["scrap"],
        rework=counts["rework"],
        failures=counts["failures"],
        availability=availability,
        performance=performance,
        quality=quality,
        oee=availability * performance * quality,
        mean_active_period=counts["active_sum"] / counts["active_count"] if counts["active_count"] else 0.0,
    )


def shortage_hours(equipment: list[EquipmentMetrics], horizon: float) -> float:
    """Equipment-hours starved for bought material over a run of `horizon` seconds."""
    return sum(e.state_fraction["starved-material"] for e in equipment) * horizon / HOUR


def bottleneck(equipment: list[EquipmentMetrics]) -> str | None:
    """The longest average active period among the busiest equipment (active at least 80 % as much of its
    planned time as the busiest): lot-wise equipment such as a press has long active periods without limiting
    the flow, and so has a lights-out cell that works through the breaks and nights of a manned line feeding it."""
    shares = {e.name: _active_share(e) for e in equipment}
    busiest = max(shares.values(), default=0.0)
    candidates = [e for e in equipment if shares[e.name] >= 0.8 * busiest and e.mean_active_period > 0]
    best = max(candidates, key=lambda e: e.mean_active_period, default=None)
    return best.name if best is not None else None


def _active_share(e: EquipmentMetrics) -> float:
    """The share of its planned time (not idle, not in planned maintenance) the equipment is active."""
    planned = 1.0 - e.state_fraction["idle"] - e.state_fraction["maintenance"]
    return sum(e.state_fraction[s] for s in ("working", "setup", "down")) / planned if planned > 1e-9 else 0.0


def line_oee(equipment: list[EquipmentMetrics]) -> dict[str, float]:
    lines: dict[str, list[EquipmentMetrics]] = {}
    for e in equipment:
        lines.setdefault(e.line or e.name, []).append(e)
    result = {}
    for line, members in sorted(lines.items()):
        if all(e.state_fraction["idle"] + e.state_fraction["maintenance"] >= 1.0 - 1e-9 for e in members):
            continue  # a line with no planned time (no work, or off) has no OEE: idle is not a loss
        constraint = max(members, key=lambda e: e.mean_active_period)
        result[line] = constraint.oee
    return result
