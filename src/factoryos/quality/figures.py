"""Quality figures from test results and counts: first-pass yield per station and test, rolled throughput
yield, defect Paretos per characteristic and per station, and the cost of scrap and rework.

First-pass yield (FPY) of a test is the share of units whose first result of that test passed (a serial, or one
unit of a lot); a station's FPY counts the units first tested there. Rolled throughput yield (RTY) is the chance
that a unit passes every test of its route the first time, the product of the tests' FPYs (independent steps). A
scrapped unit costs its material (its own unit cost, else its bill of materials rolled up: the bill of its own
configuration where the floor said which, else the lines every configuration uses); a rework costs the
minutes the plant file gives for it (a repair's, or the run minutes of the operations redone) at the plant's
labour rate."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass
from functools import cache

from factoryos.model.configuration import bom_lines
from factoryos.model.plant import Plant


@dataclass(frozen=True)
class TestResult:
    """One test of one serial at a station (its equipment path), with the characteristics found out of
    specification; of one unit of a lot, the `unit`-th, when the serial names a lot."""

    __test__ = False  # not a pytest class
    station: str
    test: str
    serial: str
    passed: bool
    failed: tuple[str, ...] = ()
    unit: int | None = None


@dataclass(frozen=True)
class Outcome:
    """Units of a material scrapped and reworked at a station (a count event's); `configuration`, the options of
    the one unit scrapped, where the floor said which unit it was."""

    station: str
    material: str | None
    scrap: int = 0
    rework: int = 0
    configuration: Mapping[str, str] | None = None


@dataclass(frozen=True)
class Yield:
    """First-pass yield: of `units` first tested, `first_pass` passed."""

    units: int
    first_pass: int

    @property
    def fpy(self) -> float:
        return self.first_pass / self.units if self.units else math.nan


@dataclass(frozen=True)
class ParetoBar:
    """One bar of a Pareto chart: what, how many defects, and the cumulative share up to it."""

    key: tuple[str, ...]
    defects: int
    cumulative: float


@dataclass(frozen=True)
class Costs:
    """Scrap and rework in units, hours and money."""

    scrap_units: int
    scrap_cost: float
    rework_units: int
    rework_hours: float
    rework_cost: float

    @property
    def total(self) -> float:
        return self.scrap_cost + self.rework_cost


@dataclass(frozen=True)
class QualityFigures:
    """The plant's quality figures over a stretch of results and counts."""

    by_test: dict[str, Yield]
    by_station: dict[tuple[str, str], Yield]
    rty: float
    pareto_characteristics: list[ParetoBar]
    pareto_stations: list[ParetoBar]
    costs: Costs


def first_pass_yields(results: Iterable[TestResult]) -> tuple[dict[str, Yield], dict[tuple[str, str], Yield]]:
    """FPY per test and per (station, test): each unit (a serial, or a lot's unit) counts once per test, by its
    first result (in the order given, time order)."""
    first: dict[tuple[str, str, int | None], TestResult] = {}
    for result in results:
        first.setdefault((result.test, result.serial, result.unit), result)
    tested: Counter[Hashable] = Counter()
    passed: Counter[Hashable] = Counter()
    for result in first.values():
        for key in (result.test, (result.station, result.test)):
            tested[key] += 1
            passed[key] += result.passed
    by_test = {k: Yield(n, passed[k]) for k, n in sorted(tested.items(), key=str) if isinstance(k, str)}
    by_station = {k: Yield(n, passed[k]) for k, n in sorted(tested.items(), key=str) if isinstance(k, tuple)}
    return by_test, by_station


def rolled_throughput_yield(yields: Iterable[Yield]) -> float:
    """The product of the steps' first-pass yields; NaN with no step, as nothing tested has no yield."""
    fpys = [step.fpy for step in yields]
    return math.prod(fpys) if fpys else math.nan


def pareto(defects: Mapping[tuple[str, ...], int]) -> list[ParetoBar]:
    """Bars from the most frequent defect down (ties by key), with cumulative shares."""
    total = sum(defects.values())
    bars, running = [], 0
    for key, count in sorted(defects.items(), key=lambda item: (-item[1], item[0])):
        if count <= 0:
            continue
        running += count
        bars.append(ParetoBar(key, count, running / total))
    return bars


def defect_paretos(results: Iterable[TestResult]) -> tuple[list[ParetoBar], list[ParetoBar]]:
    """Paretos of every out-of-specification finding (retests included): per (test, characteristic) and per
    station."""
    by_characteristic: Counter[tuple[str, ...]] = Counter()
    by_station: Counter[tuple[str, ...]] = Counter()
    for result in results:
        for name in result.failed:
            by_characteristic[result.test, name] += 1
            by_station[(result.station,)] += 1
    return pareto(by_characteristic), pareto(by_station)


def material_cost(plant: Plant, material: str, configuration: Mapping[str, str] | None = None) -> float:
    """A unit's cost: its own unit_cost, else its bill of materials rolled up: the lines `configuration` takes at
    every level (those without a `when`, and those whose `when` its options meet), or with none the lines every
    configuration uses; a product id stands for its finished material; unknown materials cost nothing."""
    options = dict(configuration or {})

    @cache
    def cost(item: str) -> float:
        own = plant.materials.get(item)
        if own is None:
            return 0.0
        if own.unit_cost > 0:
            return own.unit_cost
        return sum(line.issued * cost(line.component) for line in bom_lines(plant, item, options))

    product = plant.products.get(material)
    return cost(product.material if product is not None and material not in plant.materials else material)


def rework_minutes(plant: Plant) -> dict[str, float]:
    """Equipment path -> minutes of one rework of what fails there: the repair's minutes, or the run minutes
    of the earlier operations redone, a batch operation's shared by the units of its batch (a redone unit
    rides in a batch with others); the longest where a station does several operations. Work centers (paced
    lines count as one) get the longest of their units."""
    minutes: dict[str, float] = {}
    for routing in plant.routings.values():
        for i, op in enumerate(routing.operations):
            quality = plant.quality_of(op)
            redone = [
                next(
                    (
                        o.run_minutes / (o.batch_size or 1)
                        for o in reversed(routing.operations[:i])
                        if o.capability == c
                    ),
                    0.0,
                )
                for c in quality.redo
            ]
            each = quality.repair_minutes if quality.repair_minutes is not None else sum(redone)
            for unit in plant.eligible_units(op):
                path = plant.equipment_path(unit)
                for where in (path, path.rsplit("/", 1)[0]):
                    minutes[where] = max(minutes.get(where, 0.0), each)
    return minutes


def quality_costs(plant: Plant, outcomes: Iterable[Outcome]) -> Costs:
    """Scrap at material cost (a configured unit's at its own bill) and rework at the plant's labour rate."""
    per_rework = rework_minutes(plant)
    unit_costs: dict[tuple[str, frozenset[tuple[str, str]]], float] = {}
    scrap = rework = 0
    scrap_cost = rework_hours = 0.0
    for outcome in outcomes:
        scrap += outcome.scrap
        rework += outcome.rework
        if outcome.scrap and outcome.material is not None:
            key = (outcome.material, frozenset((outcome.configuration or {}).items()))
            if key not in unit_costs:
                unit_costs[key] = material_cost(plant, outcome.material, outcome.configuration)
            scrap_cost += outcome.scrap * unit_costs[key]
        rework_hours += outcome.rework * per_rework.get(outcome.station, 0.0) / 60
    return Costs(scrap, scrap_cost, rework, rework_hours, rework_hours * plant.labour_rate)


def quality_figures(plant: Plant, results: Iterable[TestResult], outcomes: Iterable[Outcome]) -> QualityFigures:
    """Every figure at once."""
    results = list(results)
    by_test, by_station = first_pass_yields(results)
    characteristics, stations = defect_paretos(results)
    return QualityFigures(
        by_test,
        by_station,
        rolled_throughput_yield(by_test.values()),
        characteristics,
        stations,
        quality_costs(plant, outcomes),
    )
