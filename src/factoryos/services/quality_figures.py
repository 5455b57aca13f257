"""Quality figures from the floor's event stream: the demo's bus or the stored events of a real plant.

`test` events give each serial's results (a characteristic failed when its verdict says so or, without one,
when its value is outside its limits); `count` events give scrap and rework, a count of one unit scrapped costed
with the configuration of the unit an operation scrapped on that equipment at that moment (the genealogy's
`Scrap`, from the completion that says so)."""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from typing import Any

from sqlalchemy import Engine

from factoryos.model.bus import EventStore
from factoryos.model.events import Event, EventKind
from factoryos.model.plant import Plant
from factoryos.model.readings import to_us
from factoryos.quality.figures import Outcome, ParetoBar, QualityFigures, TestResult, quality_figures
from factoryos.quality.genealogy import Scrap, genealogy_facts


def _out_of_spec(measurement: dict[str, Any]) -> bool:
    verdict = measurement.get("result")
    if verdict is not None:
        return bool(verdict == "fail")
    value = measurement["value"]
    return bool(value < measurement.get("low", -math.inf) or value > measurement.get("high", math.inf))


def results_of(events: Iterable[Event]) -> Iterator[TestResult]:
    """The test results in `test` events."""
    for event in events:
        payload = event.payload
        failed = tuple(m["name"] for m in payload.get("measurements", ()) if _out_of_spec(m))
        passed = payload["result"] == "pass"
        yield TestResult(event.equipment, payload["test"], payload["serial"], passed, failed, payload.get("unit"))


Configured = dict[tuple[str, int], dict[str, str] | None]
"""(equipment, time in microseconds) -> the configuration of the unit scrapped there then."""


def configured(scraps: Iterable[Scrap]) -> Configured:
    """Where and when each unit was scrapped, with its configuration (see the module docstring)."""
    return {(scrap.equipment, scrap.ts_us): scrap.configuration for scrap in scraps}


def outcome(equipment: str, ts_us: int, counted: dict[str, Any], configurations: Configured) -> Outcome | None:
    """The scrap and rework of a count (None when it counts neither); one unit scrapped, with its configuration."""
    scrap, rework = counted.get("scrap", 0), counted.get("rework", 0)
    if not (scrap or rework):
        return None
    configuration = configurations.get((equipment, ts_us)) if scrap == 1 else None
    return Outcome(equipment, counted.get("material"), scrap, rework, configuration)


def outcomes(events: Iterable[Event], scraps: Iterable[Scrap] = ()) -> Iterator[Outcome]:
    """Scrap and rework in `count` events, a unit scrapped costed with its configuration where `scraps` say it."""
    configurations = configured(scraps)
    for event in events:
        found = outcome(event.equipment, to_us(event.ts), event.payload, configurations)
        if found is not None:
            yield found


def figures_of_stream(plant: Plant, store: EventStore) -> QualityFigures:
    """The plant's quality figures over every event of its site in the store."""
    prefix = f"{plant.site.id}/"
    scrapping = (e for e in store.read(EventKind.OPERATION, prefix) if e.payload.get("scrapped"))
    return quality_figures(
        plant,
        results_of(store.read(EventKind.TEST, prefix)),
        outcomes(store.read(EventKind.COUNT, prefix), genealogy_facts(scrapping).scraps),
    )


def stored_figures(engine: Engine, site: str | None = None) -> QualityFigures:
    """The figures of the stored plant (the only one, or `site`): test results from its stored events, scrap
    and rework from its stored counts (ingestion keeps a count in the counts table, not as an event)."""
    from factoryos.store import genealogy
    from factoryos.store.events import SqlEventStore
    from factoryos.store.plants import read_plant
    from factoryos.store.timeseries import TelemetryStore

    plant = read_plant(engine, site)
    prefix = f"{plant.site.id}/"
    counted = TelemetryStore(engine).scrap_and_rework(prefix)
    with engine.connect() as connection:
        configurations = configured(genealogy.scraps_under(connection, prefix))
    found = (outcome(row.equipment, row.ts_us, row._asdict(), configurations) for row in counted)
    return quality_figures(
        plant,
        results_of(SqlEventStore(engine).read(EventKind.TEST, prefix)),
        (o for o in found if o is not None),
    )


def _bars(bars: list[ParetoBar]) -> list[dict[str, Any]]:
    return [{"key": list(bar.key), "defects": bar.defects, "cumulative": round(bar.cumulative, 6)} for bar in bars]


def figures_as_dict(figures: QualityFigures) -> dict[str, Any]:
    """The figures as plain JSON-ready data."""
    costs = figures.costs
    return {
        "rty": None if math.isnan(figures.rty) else round(figures.rty, 6),
        "tests": [
            {"test": test, "units": y.units, "first_pass": y.first_pass, "fpy": round(y.fpy, 6)}
            for test, y in figures.by_test.items()
        ],
        "stations": [
            {"station": station, "test": test, "units": y.units, "first_pass": y.first_pass, "fpy": round(y.fpy, 6)}
            for (station, test), y in figures.by_station.items()
        ],
        "pareto_characteristics": _bars(figures.pareto_characteristics),
        "pareto_stations": _bars(figures.pareto_stations),
        "costs": {
            "scrap_units": costs.scrap_units,
            "scrap_cost": round(costs.scrap_cost, 2),
            "rework_units": costs.rework_units,
            "rework_hours": round(costs.rework_hours, 3),
            "rework_cost": round(costs.rework_cost, 2),
            "total": round(costs.total, 2),
        },
    }
