"""The smart scenario buys what MRP plans; traditional buys with the stand-in. On a plant of our own whose one
supplier is always late, the stand-in (no safety stock) starves the floor and the material plan (the plant
file's safety stock kept) does not, and without the safety stock it starves too: the stock is the reason. The
run's shortage hours are the starved-for-material time of its own state log."""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest

from factoryos.model.bus import EventBus
from factoryos.model.events import EquipmentState, EventKind
from factoryos.model.plant import Plant
from factoryos.twin import plant_defaults as defaults
from factoryos.twin.calendar import DAY
from factoryos.twin.event_log import RollingEventStore
from factoryos.twin.purchasing import TWIN_ORDER, purchase_plan
from factoryos.twin.scenarios import ScenarioRun, epoch_for, prepare
from tests.twin.small_plants import small_plant

DAYS = 5
LATE_DAYS = 3  # every delivery: more than the stand-in's two days' cover
SCREWS_A_DAY = 400 * (2 + 1) + 200 * 1  # gadgets (two screws and a plate of one) and widgets (one)


def late_supplier(safety_days: float = 0.0) -> Plant:
    """The small plant with its screw supplier always `LATE_DAYS` late, and `safety_days` of use as the screws'
    safety stock."""
    supplier = {
        "lead_time_days": 4,
        "min_order": 500,
        "order_multiple": 100,
        "materials": ["screw"],
        "delivery": {"late_share": 1, "late_days": [LATE_DAYS] * 3},
    }
    screw = {"kind": "component", "source": "buy", "safety_stock": safety_days * SCREWS_A_DAY}
    return small_plant(suppliers={"bolts": supplier}, materials__screw=screw)


def shortage(run: ScenarioRun) -> float:
    return run.floor.run(run.horizon).material_shortage_hours


def test_the_smart_scenario_receives_its_material_plans_buy_orders() -> None:
    """Every buy order of the plan, and nothing else, with its material, quantity, supplier and due day; the
    plan's demand is the release plan, unit for unit, each product's due the stand-in's cover before release."""
    plant = late_supplier(safety_days=4)
    run = prepare(plant, "smart", DAYS, 1)
    plan = run.material_plan
    assert plan is not None
    assert run.purchasing == "mrp"
    zone = ZoneInfo(plant.site.timezone)
    bought = sorted(
        (f"{TWIN_ORDER}{o.id}", o.material, o.quantity, o.supplier, o.due)
        for o in plan.planned_orders
        if o.kind == "buy"
    )
    received = sorted((p.id, p.material, p.quantity, p.supplier, p.due.astimezone(zone).date()) for p in run.purchases)
    assert bought
    assert received == bought
    assert all(o.supplier == "bolts" for o in plan.planned_orders if o.kind == "buy")
    released: dict[tuple[str, object], float] = defaultdict(float)
    for unit in run.plan:
        day = (run.epoch + timedelta(seconds=unit.at)).astimezone(zone).date()
        released[plant.products[unit.product].material, day - timedelta(days=defaults.PURCHASE_COVER_DAYS)] += 1
    demanded: dict[tuple[str, object], float] = defaultdict(float)
    for demand in plan.problem.demands:
        demanded[demand.item, demand.due] += demand.quantity
    assert demanded == released
    assert sum(o.quantity for o in plan.planned_orders if o.kind == "buy") >= sum(released.values()) * 2


def test_the_material_plan_is_made_early_enough_to_order_every_part_in_time() -> None:
    """Made a cumulative lead time ahead, every buy order for the run is due by the day it is needed (the
    supplier has no weekly limit here), and the safety stock is on hand before the run starts."""
    run = prepare(late_supplier(safety_days=4), "smart", DAYS, 1)
    plan = run.material_plan
    assert plan is not None
    first = run.epoch.astimezone(ZoneInfo(run.twin.plant.site.timezone)).date()
    buys = [o for o in plan.planned_orders if o.kind == "buy"]
    assert all(o.due <= o.needed for o in buys if o.needed >= first)
    assert all(o.release >= plan.problem.start for o in buys)
    assert sum(o.quantity for o in buys if o.due < first) >= 4 * SCREWS_A_DAY


def test_traditional_keeps_the_stand_in() -> None:
    run = prepare(late_supplier(safety_days=4), "traditional", DAYS, 1)
    assert run.material_plan is None
    assert run.purchasing == "stand-in"
    assert run.purchases == purchase_plan(run.twin.plant, run.plan, run.epoch, run.horizon / DAY)


def test_a_late_supplier_starves_the_stand_in_not_the_material_plan_with_its_safety_stock() -> None:
    """The same release plan bought three ways: the stand-in (parts due two days ahead, three days late)
    starves the floor; MRP with four days' safety stock does not; MRP without it starves too."""
    planned = prepare(late_supplier(safety_days=4), "smart", DAYS, 1)
    total = planned.horizon / DAY
    stand_in = purchase_plan(planned.twin.plant, planned.plan, planned.epoch, total)
    naive = prepare(late_supplier(safety_days=4), "smart", DAYS, 1, purchases=stand_in)
    unsafe = prepare(late_supplier(), "smart", DAYS, 1)
    assert naive.plan == planned.plan == unsafe.plan
    naive_hours = shortage(naive)
    assert naive_hours > 10
    assert shortage(planned) == 0
    assert shortage(unsafe) > 10


@pytest.mark.parametrize("scenario", ["smart", "traditional"])
def test_shortage_hours_are_the_starved_for_material_time_of_the_state_log(scenario: str) -> None:
    """Summed from the state changes the twin publishes (each state lasting until the equipment's next one,
    within the measured window), independently of the twin's own state clocks."""
    plant = late_supplier()
    epoch = epoch_for(plant)
    changes: list[tuple[float, str, str]] = []
    bus = EventBus(RollingEventStore(keep=10))

    def listen(event) -> None:
        if event.kind == EventKind.STATE:
            changes.append(((event.ts - epoch).total_seconds(), event.equipment, event.payload["state"]))

    bus.subscribe(listen)
    run = prepare(plant, scenario, DAYS, 1, bus=bus)
    assert run.epoch == epoch
    metrics = run.floor.run(run.horizon)
    start, end = run.floor.warmup, run.horizon
    by_equipment: dict[str, list[tuple[float, str]]] = defaultdict(list)
    for at, equipment, state in changes:
        by_equipment[equipment].append((at, state))
    starved = 0.0
    for seq in by_equipment.values():
        seq.sort(key=lambda change: change[0])
        for (at, state), (following, _) in zip(seq, [*seq[1:], (end, "")], strict=True):
            if state == EquipmentState.STARVED_MATERIAL.value:
                starved += max(0.0, min(following, end) - max(at, start))
    assert starved > 3600
    assert metrics.material_shortage_hours == pytest.approx(starved / 3600, rel=1e-6)
