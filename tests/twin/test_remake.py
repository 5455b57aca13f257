"""A unit scrapped on the way is made again for its customer order, so that every order gets all its units (the
order desk counts an order built only then): on a plant of widgets whose check scraps about a unit in three,
run from a schedule and without one. A remade unit reports its operations under the work orders of the unit it
replaces, so the schedule's work orders complete as the floor follows them. A kit scrapped on the way (a
gadget's bracket, bent beside it) is made again for the same gadget, which else waits at its join for ever."""

from __future__ import annotations

from collections import Counter

import pytest

from factoryos.c2m.demand import generate_orders
from factoryos.model.bus import EventBus
from factoryos.model.events import Event, EventKind
from factoryos.scheduling.plant_schedule import schedule_plant
from factoryos.twin.finished_goods import FinishedUnit
from factoryos.twin.part import order_of
from factoryos.twin.scenarios import epoch_for, prepare

from .small_plants import BASE, small_plant

YIELD = 0.65
ORDER_DAYS = 1
RUN_DAYS = 4  # the day's orders take well under a day of the check cell: the rest is room for remakes


def scrapping_plant():
    """Widgets only, checked in one operation that passes `YIELD` of them and has no way back: the rest are
    scrapped. Screws are in stock for every remake (the material plan buys for the units ordered)."""
    check = {"id": "check", "capability": "check", "run_minutes": 1.0, "quality": {"first_pass_yield": YIELD}}
    widget = {**BASE["products"]["widget"], "demand": {"units_per_day": 200, "units_per_order": [5, 20]}}
    stock = [{"material": "screw", "location": "store", "lot": "SC-1", "quantity": 10_000}]
    dealer = {"tenant": "ally", "segment": "dealer"}  # orders of several units
    return small_plant(
        routings__widget={"operations": [check]},
        products={"widget": widget},
        inventory=stock,
        **{"customers__ally-shop": dealer},
    )


def kit_scrapping_plant():
    """Gadgets only, each built on its plate (the spine) and a bracket made per gadget beside it, whose bend
    passes `YIELD` of them and has no way back: the rest are scrapped. The gadgets themselves always pass."""
    bend = {"id": "bend", "capability": "coat", "run_minutes": 1.0, "quality": {"first_pass_yield": YIELD}}
    bracket = {"kind": "sub-assembly", "source": "make"}
    gadget_bom = [*BASE["boms"]["gadget"], {"component": "bracket", "quantity": 1}]
    gadget = {**BASE["products"]["gadget"], "demand": {"units_per_day": 100, "units_per_order": [5, 20]}}
    stock = [{"material": "screw", "location": "store", "lot": "SC-1", "quantity": 10_000}]
    dealer = {"tenant": "acme", "segment": "dealer"}  # orders of several units
    return small_plant(
        materials__bracket=bracket,
        boms__gadget=gadget_bom,
        boms__bracket=[{"component": "screw", "quantity": 1}],
        routings__bracket={"operations": [bend]},
        products={"gadget": gadget},
        inventory=stock,
        customers__shop=dealer,
    )


def run(scheduled: bool, plant=None):
    """The orders of a day on `plant` (else the widgets' `scrapping_plant`) run for `RUN_DAYS`: the orders, the
    metrics, the finished units and the operation events."""
    plant = plant or scrapping_plant()
    epoch = epoch_for(plant)
    orders = generate_orders(plant, epoch.date(), ORDER_DAYS, seed=2)
    schedule = None
    if scheduled:
        options = {"horizon_days": RUN_DAYS, "start": epoch, "compare": False, "time_limit": 2, "workers": 1}
        schedule = schedule_plant(plant, orders, **options).operations
    bus = EventBus()
    prepared = prepare(plant, "smart", RUN_DAYS, 1, bus=bus, warmup_days=0, orders=orders, schedule=schedule)
    ledger: dict[str, FinishedUnit] = {}
    prepared.floor.finished_goods.ledger = ledger
    metrics = prepared.floor.run(prepared.horizon)
    return orders, metrics, ledger, list(bus.store.read(EventKind.OPERATION))


def work_orders(events: list[Event]) -> tuple[dict[str, set[str]], dict[str, str]]:
    """The work orders each serial's operations were reported under, and each serial made again -> the serial
    first made."""
    work: dict[str, set[str]] = {}
    for event in events:
        work.setdefault(event.payload["serial"], set()).add(event.payload["work_order"])
    return work, {serial: serial.split("-remade-")[0] for serial in work if "-remade-" in serial}


@pytest.mark.parametrize("scheduled", [True, False], ids=["scheduled", "dispatched"])
def test_every_order_gets_all_its_units_though_some_are_scrapped(scheduled: bool) -> None:
    orders, metrics, ledger, _ = run(scheduled)
    units = sum(o.quantity for o in orders)
    assert metrics.scrapped > 0.2 * units  # about a unit in three fails its check
    built = Counter(order_of(u.order) for u in ledger.values())
    assert built == {o.id: o.quantity for o in orders}
    assert len(ledger) == units  # no order got more than its units


def test_a_remade_unit_works_under_the_work_orders_of_the_unit_it_replaces() -> None:
    orders, _, ledger, events = run(scheduled=True)
    work, remade = work_orders(events)
    assert remade
    assert set(remade) & set(ledger)  # some of them were built
    for serial, first in remade.items():
        assert work[serial] == work[first]
    scheduled = {w for serial, ws in work.items() if serial not in remade for w in ws}
    assert all(ws <= scheduled for ws in work.values())


@pytest.mark.parametrize("scheduled", [True, False], ids=["scheduled", "dispatched"])
def test_a_scrapped_kit_is_made_again_for_its_unit(scheduled: bool) -> None:
    orders, metrics, ledger, events = run(scheduled, kit_scrapping_plant())
    units = sum(o.quantity for o in orders)
    assert metrics.scrapped > 0.2 * units  # about a bracket in three fails its bend; no gadget fails
    built = Counter(order_of(u.order) for u in ledger.values())
    assert built == {o.id: o.quantity for o in orders}
    assert len(ledger) == units
    work, remade = work_orders(events)
    assert remade
    for serial, first in remade.items():  # under the work orders of the bracket it replaces
        assert work[serial] == work[first]


def test_the_floor_says_which_units_it_scrapped_and_works_on_none_of_them_after() -> None:
    """The completion that scraps a unit says so (the genealogy's only word of it: its order ships all the same,
    with the unit made again): as many as the twin scrapped, each made again once, none finished or worked on
    after."""
    _, metrics, ledger, events = run(scheduled=False)
    scrapped = {e.payload["serial"]: e.ts for e in events if e.payload.get("scrapped")}
    assert len(scrapped) == metrics.scrapped > 0
    assert all(e.payload["phase"] == "completed" for e in events if e.payload.get("scrapped"))
    assert not set(scrapped) & {unit.serial for unit in ledger.values()}
    assert all(e.ts <= scrapped[e.payload["serial"]] for e in events if e.payload["serial"] in scrapped)
    _, remade = work_orders(events)
    assert len(remade) == len(scrapped)
