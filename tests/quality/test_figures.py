"""Quality figures: first-pass and rolled throughput yield, defect Paretos and the cost of poor quality, on a
hand-computed history, and against theory on a twin run."""

from __future__ import annotations

import math

import pytest

from factoryos.model.bus import EventBus
from factoryos.model.events import EventKind
from factoryos.quality.figures import Outcome, TestResult, quality_costs, quality_figures, rework_minutes
from factoryos.services.quality_figures import figures_as_dict, figures_of_stream, results_of
from factoryos.twin.scenarios import prepare
from tests.twin.small_plants import BASE, small_plant

HISTORY = [
    TestResult("st1", "a", "S1", True),
    TestResult("st1", "a", "S2", False, ("gap",)),
    TestResult("st3", "b", "S1", True),
    TestResult("st3", "b", "S3", False, ("x", "y")),
    TestResult("st2", "a", "S2", True),  # S2 repaired, retested at another stand
    TestResult("st2", "a", "S3", True),
    TestResult("st3", "b", "S2", True),
    TestResult("st3", "b", "S3", False, ("x",)),
    TestResult("st3", "b", "S3", True),
]


def test_yields_and_paretos_of_a_hand_computed_history() -> None:
    figures = quality_figures(small_plant(), HISTORY, [])
    assert {test: (y.units, y.first_pass) for test, y in figures.by_test.items()} == {"a": (3, 2), "b": (3, 2)}
    assert {key: (y.units, y.first_pass) for key, y in figures.by_station.items()} == {
        ("st1", "a"): (2, 1),
        ("st2", "a"): (1, 1),
        ("st3", "b"): (3, 2),
    }
    assert figures.rty == pytest.approx(4 / 9)
    characteristics = [(bar.key, bar.defects, bar.cumulative) for bar in figures.pareto_characteristics]
    assert characteristics == [(("b", "x"), 2, 0.5), (("a", "gap"), 1, 0.75), (("b", "y"), 1, 1.0)]
    assert [(bar.key, bar.defects) for bar in figures.pareto_stations] == [(("st3",), 3), (("st1",), 1)]


def test_nothing_tested_has_no_yield_rather_than_a_perfect_one() -> None:
    from factoryos.report.wording import share

    figures = quality_figures(small_plant(), [], [])
    assert figures.by_test == {}
    assert math.isnan(figures.rty)
    assert share(figures.rty) == "-"
    assert figures_as_dict(figures)["rty"] is None
    assert share(quality_figures(small_plant(), HISTORY, []).rty) == "44.4%"


def test_a_redone_batch_operation_counts_a_units_share_of_its_batch() -> None:
    """Drying again in a rack of 10 takes a tenth of the rack's 5 minutes per unit, not the whole rack's time
    (a walk's cure oven charged each recoated unit the 30 min of a rack of 60: rework hours 3.6 times too high)."""
    operations = BASE["routings"]["plate"]["operations"]
    plant = small_plant(
        routings__plate={
            "operations": [operations[0], {**operations[1], "run_minutes": 5.0, "batch_size": 10}, operations[2]]
        },
        quality={"fire": {"first_pass_yield": 0.9, "redo": ["coat", "dry"]}},
    )
    assert rework_minutes(plant)[plant.equipment_path("kiln-1")] == pytest.approx(1.0 + 5.0 / 10)


def test_scrap_at_rolled_up_material_cost_and_rework_at_the_labour_rate() -> None:
    plant = small_plant(
        materials__screw={"kind": "component", "source": "buy", "unit_cost": 0.5},
        quality={
            "check": {"first_pass_yield": 0.8, "repair_minutes": 5},
            "fire": {"first_pass_yield": 0.9, "redo": ["coat", "dry"]},
        },
        labour_rate=60,
    )
    check, kiln = plant.equipment_path("chk-1"), plant.equipment_path("kiln-1")
    assert rework_minutes(plant)[check] == 5
    assert rework_minutes(plant)[kiln] == 2  # coat and dry again, a minute each
    costs = quality_costs(
        plant,
        [
            Outcome(check, "gadget", scrap=2, rework=3),
            Outcome(kiln, "plate", rework=1),
            Outcome(check, "widget", scrap=1),
        ],
    )
    # a gadget: a plate (one screw) and two screws = 1.50; a widget one screw = 0.50
    assert (costs.scrap_units, costs.scrap_cost) == (3, pytest.approx(2 * 1.5 + 0.5))
    assert (costs.rework_units, costs.rework_hours) == (4, pytest.approx((3 * 5 + 2) / 60))
    assert costs.rework_cost == pytest.approx(17.0)


def _plan(name: str) -> list[dict]:
    return [{"name": name, "characteristics": [{"name": "gap", "unit": "mm", "nominal": 1, "lsl": 0, "usl": 2}]}]


def test_a_twin_runs_yields_converge_to_the_plant_files_and_rty_is_their_product() -> None:
    """FPY of each test within a binomial bound of the plant file's; the share of gadgets (assembled, then
    checked) passing both tests first time within a binomial bound of RTY = 0.9 x 0.8."""
    plant = small_plant(
        quality={
            "join": {"first_pass_yield": 0.9, "repair_minutes": 2, "tests": _plan("join-test")},
            "check": {"first_pass_yield": 0.8, "repair_minutes": 2, "tests": _plan("final-check")},
        }
    )
    bus = EventBus()
    prepared = prepare(plant, "smart", 4, 2, bus=bus)
    prepared.floor.run(prepared.horizon)
    figures = figures_of_stream(plant, bus.store)
    for test, fpy in (("join-test", 0.9), ("final-check", 0.8)):
        n = figures.by_test[test].units
        assert n > 500
        assert abs(figures.by_test[test].fpy - fpy) <= 4 * math.sqrt(fpy * (1 - fpy) / n)
    first: dict[tuple[str, str], bool] = {}
    for result in results_of(bus.store.read(EventKind.TEST)):
        first.setdefault((result.test, result.serial), result.passed)
    gadgets = [s for (test, s) in first if test == "join-test" and ("final-check", s) in first]
    both = sum(first["join-test", s] and first["final-check", s] for s in gadgets) / len(gadgets)
    rty = figures.rty
    assert rty == pytest.approx(figures.by_test["join-test"].fpy * figures.by_test["final-check"].fpy)
    assert abs(both - 0.72) <= 4 * math.sqrt(0.72 * 0.28 / len(gadgets))
    summary = figures_as_dict(figures)
    assert summary["costs"]["rework_units"] > 0
    assert summary["pareto_characteristics"][0]["key"][1] == "gap"


def _stored_run(plant, sqlite_url: str, replications: int):
    """A day of `plant` run by the twin, its events stored as ingestion stores them (counts in the counts table,
    tests as events) and kept as streamed: the database's engine and the stream."""
    from factoryos.model.bus import MemoryEventStore
    from factoryos.store.db import make_engine, migrate
    from factoryos.store.plants import store_plant
    from factoryos.store.timeseries import TelemetryStore

    engine = make_engine(sqlite_url)
    migrate(engine)
    store_plant(engine, plant, "quality test plant")
    bus, streamed_events = EventBus(TelemetryStore(engine)), MemoryEventStore()
    bus.subscribe(lambda event: streamed_events.append([event]))
    prepared = prepare(plant, "smart", 1, replications, bus=bus)
    prepared.floor.run(prepared.horizon)
    prepared.floor.publisher.flush()
    return engine, streamed_events


def test_the_stored_figures_are_the_streams(sqlite_url) -> None:
    """A run stored as ingestion stores it (counts in the counts table, tests as events): `quality figures`
    reads the same yields, scrap and rework from the store as from the run's own stream."""
    from factoryos.services.quality_figures import stored_figures

    plant = small_plant(quality={"check": {"first_pass_yield": 0.8, "repair_minutes": 2, "tests": _plan("final")}})
    engine, streamed_events = _stored_run(plant, sqlite_url, replications=2)
    streamed, stored = figures_of_stream(plant, streamed_events), stored_figures(engine)
    assert streamed.costs.rework_units > 0
    assert (stored.costs.rework_units, stored.costs.scrap_units) == (
        streamed.costs.rework_units,
        streamed.costs.scrap_units,
    )
    assert stored.by_test == streamed.by_test


LOTS_OF_50 = {"kind": "sub-assembly", "source": "make", "lot_size": {"rule": "fixed", "quantity": 50}}
DRY_CHECK = {
    "first_pass_yield": 0.9,
    "tests": [{"name": "dry-check", "characteristics": [{"name": "film", "unit": "um", "nominal": 1, "lsl": 0}]}],
}


def test_each_unit_of_a_lot_counts_once_in_its_tests_first_pass_yield() -> None:
    """Plates are made in lots of 50 and each is checked after drying: the lot's name is every unit's serial, and
    its place in the lot tells them apart, so the yield counts every plate (a walk's press lots of 960 counted as
    one unit each: 80 % first pass where 99.5 % of the panels passed) and lies near the 90 % the file gives."""
    bus = EventBus()
    plant = small_plant(materials__plate=LOTS_OF_50, quality={"dry": DRY_CHECK})
    prepared = prepare(plant, "smart", 2, 1, bus=bus)
    prepared.floor.run(prepared.horizon)
    checks = [e.payload for e in bus.store.read(EventKind.TEST) if e.payload["test"] == "dry-check"]
    units: dict[str, list[int]] = {}
    for check in checks:
        units.setdefault(check["serial"], []).append(check["unit"])
    assert max(len(places) for places in units.values()) == 50
    assert all(sorted(places) == list(range(1, len(places) + 1)) for places in units.values())
    dried = figures_of_stream(plant, bus.store).by_test["dry-check"]
    assert (dried.units, dried.first_pass) == (len(checks), sum(check["result"] == "pass" for check in checks))
    assert abs(dried.fpy - 0.9) <= 4 * math.sqrt(0.9 * 0.1 / dried.units)


def test_a_lots_units_are_told_apart_and_a_serial_retested_counts_once() -> None:
    results = [
        TestResult("oven", "cure", "LOT-1", False, ("hardness",), unit=1),
        TestResult("oven", "cure", "LOT-1", True, unit=2),
        TestResult("oven", "cure", "LOT-1", True, unit=3),
        TestResult("eol", "run", "S1", False),
        TestResult("eol", "run", "S1", True),
    ]
    figures = quality_figures(small_plant(), results, [])
    assert {test: (y.units, y.first_pass) for test, y in figures.by_test.items()} == {"cure": (3, 2), "run": (1, 0)}


def motor_plant():
    """Gadgets with a hub or a mid motor: the motor a `when` line of the gadget's bill, and a mid motor's bracket a
    `when` line one level down, in the plate. Only bought parts have a cost; they are at the line on call."""
    bought = {"kind": "component", "source": "buy", "on_call": True}
    motors = {"motor": {"default": "hub", "options": {"hub": {"mix": 0.5}, "mid": {"mix": 0.5}}}}
    gadget = {**BASE["products"]["gadget"], "option_families": motors}
    return small_plant(
        materials__screw={**bought, "unit_cost": 0.5},
        **{f"materials__{name}": {**bought, "unit_cost": cost} for name, cost in MOTOR_PARTS.items()},
        boms__gadget=[
            *BASE["boms"]["gadget"],
            {"component": "hub-motor", "quantity": 1, "when": {"motor": ["hub"]}},
            {"component": "mid-motor", "quantity": 1, "when": {"motor": ["mid"]}},
        ],
        boms__plate=[*BASE["boms"]["plate"], {"component": "bracket", "quantity": 2, "when": {"motor": ["mid"]}}],
        products={"gadget": gadget},
    )


MOTOR_PARTS = {"hub-motor": 120.0, "mid-motor": 310.0, "bracket": 4.0}


@pytest.mark.parametrize("motor", ["hub", "mid"])
def test_a_scrapped_configured_unit_costs_its_own_configurations_bill(motor: str) -> None:
    """At every level, by the configured explosion's bought parts at their cost (`model.configuration.explode`,
    an independent walk); a unit whose configuration the floor did not say costs the lines every one uses."""
    from factoryos.model.configuration import explode

    plant = motor_plant()
    check = plant.equipment_path("chk-1")
    configuration = {"motor": motor}
    bought = explode(plant, "gadget", configuration)
    expected = sum(n * plant.materials[m].unit_cost for m, n in bought.items() if m not in plant.boms)
    assert expected > 100  # a motor in it
    costs = quality_costs(plant, [Outcome(check, "gadget", scrap=1, configuration=configuration)])
    assert costs.scrap_cost == pytest.approx(expected)
    assert quality_costs(plant, [Outcome(check, "gadget", scrap=1)]).scrap_cost == pytest.approx(1.5)


def test_the_stream_and_the_store_cost_each_scrapped_unit_with_its_configuration(sqlite_url) -> None:
    """A run of configured gadgets whose check scraps about one in five, stored as ingestion stores it: each
    completion that scrapped a gadget names its configuration, and the scrap costs the sum of their configured
    bills, read alike from the run's stream and from the store."""
    from factoryos.model.configuration import explode
    from factoryos.services.quality_figures import stored_figures

    plant = motor_plant().model_copy(update={"quality": small_plant(quality=SCRAPPING).quality})
    engine, streamed_events = _stored_run(plant, sqlite_url, replications=1)
    scrapped = [e.payload for e in streamed_events.read(EventKind.OPERATION) if e.payload.get("scrapped")]
    motors = {p["configuration"]["motor"] for p in scrapped}
    assert motors == {"hub", "mid"}
    unit = {
        motor: sum(n * plant.materials[m].unit_cost for m, n in explode(plant, "gadget", {"motor": motor}).items())
        for motor in motors
    }
    expected = sum(unit[p["configuration"]["motor"]] for p in scrapped)
    streamed, stored = figures_of_stream(plant, streamed_events), stored_figures(engine)
    assert streamed.costs.scrap_units == stored.costs.scrap_units == len(scrapped)
    assert streamed.costs.scrap_cost == pytest.approx(expected)
    assert stored.costs.scrap_cost == pytest.approx(expected)


SCRAPPING = {"check": {"first_pass_yield": 0.8}}


def test_the_scrap_figure_reads_as_units_and_their_material_cost_in_the_report_and_the_cli() -> None:
    """ "67 (23,055) units scrapped" read as 23,055 units: the count and the cost each say what they are."""
    from factoryos.report.quality import quality_section
    from factoryos.report.wording import reworked, scrapped

    plant = motor_plant()
    outcomes = [Outcome(plant.equipment_path("chk-1"), "gadget", scrap=2, rework=1, configuration={"motor": "mid"})]
    figures = quality_figures(plant, HISTORY, outcomes)
    facts = quality_section(figures).facts
    assert facts["scrap"] == "2 units scrapped, 639 in material"  # 2 x (1.5 + 310 + 2 x 4)
    assert facts["rework"] == reworked(1, figures.costs.rework_hours, figures.costs.rework_cost)
    assert scrapped(1, 2.5, decimals=2) == "1 unit scrapped, 2.50 in material"
