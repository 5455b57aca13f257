"""The supermarket of parts made in lots opens with what the plant file says it holds and nothing else, as the
scheduler and the material plan count it: without a lot of a part on file every unit's part comes from a lot
made in the run out of bought material, and a lot on file is drawn before any the twin makes. The plant is one
of our own: gadgets on plates made in lots of 20, screws bought."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from simpy import Environment

from factoryos.c2m.demand import generate_orders
from factoryos.model.bus import EventBus
from factoryos.model.events import EventKind
from factoryos.model.plant import Plant
from factoryos.twin.assembly import LotPolicy, Supermarket
from factoryos.twin.part import Part
from factoryos.twin.scenarios import ScenarioRun, epoch_for, prepare
from tests.twin.small_plants import small_plant

LOT_SIZE = 20
ON_HAND = "PL-ON-HAND"
SCREWS = "SC-1"
DAYS = 4  # long enough that every unit of two days' orders is finished


def gadget_plant(plates: int, screws: int = 100_000) -> Plant:
    """Gadgets alone, four dozen a day, on plates made in lots; `plates` of them on file in one lot."""
    gadget: dict[str, Any] = {"material": "gadget", "tenant": "acme", "demand": {"units_per_day": 48}}
    plate = {"kind": "sub-assembly", "source": "make", "lot_size": {"rule": "fixed", "quantity": LOT_SIZE}}
    inventory = [{"material": "screw", "location": "store", "lot": SCREWS, "quantity": screws}] if screws else []
    if plates:
        inventory.append({"material": "plate", "location": "store", "lot": ON_HAND, "quantity": plates})
    return small_plant(products={"gadget": gadget}, materials__plate=plate, inventory=inventory)


def run(plant: Plant) -> tuple[ScenarioRun, list[dict[str, Any]]]:
    """Two days of orders run on the twin: the run and its operation events' payloads, in time order."""
    orders = generate_orders(plant, epoch_for(plant).date(), 2, seed=1)
    bus = EventBus()
    prepared = prepare(plant, "smart", DAYS, 1, bus=bus, orders=orders, warmup_days=0)
    prepared.floor.run(prepared.horizon)
    return prepared, [e.payload for e in bus.store.read(EventKind.OPERATION)]


def plate_draws(events: list[dict[str, Any]]) -> tuple[list[tuple[str, str]], dict[str, list[str]]]:
    """(gadget, plate lot) as gadgets drew their plates, in order, and the lots made in the run with the lots of
    bought parts their first operation consumed. A plate lot is one on file or one whose plate operations ran."""
    made = {
        e["serial"]: e["consumed_lots"] for e in events if e["operation"] == "plate/coat" and e["phase"] == "started"
    }
    draws = [
        (e["serial"], lot)
        for e in events
        if e["phase"] == "started" and e["serial"] not in made
        for lot in e["consumed_lots"]
        if lot in made or lot == ON_HAND
    ]
    return draws, made


def test_without_a_lot_on_file_every_plate_comes_from_a_lot_made_of_bought_screws() -> None:
    prepared, events = run(gadget_plant(plates=0))
    draws, made = plate_draws(events)
    gadgets = {e["serial"] for e in events if e["operation"] == "gadget/check" and e["phase"] == "completed"}
    drawn = [serial for serial, _ in draws]
    assert len(gadgets) > LOT_SIZE
    assert sorted(drawn) == sorted(gadgets)  # each gadget drew one plate, from a lot made in the run
    assert all(lots == [SCREWS] for lots in made.values())  # each lot drew its screws
    assert len(drawn) <= LOT_SIZE * len(made)
    line_side = prepared.twin.line_side
    assert line_side is not None
    assert line_side.consumed["screw"] == 2 * len(gadgets) + LOT_SIZE * len(made)


def test_a_lot_on_file_is_drawn_before_any_the_twin_makes() -> None:
    plates = 30
    _, events = run(gadget_plant(plates))
    draws, made = plate_draws(events)
    lots = [lot for _, lot in draws]
    assert len(lots) > plates
    assert lots[:plates] == [ON_HAND] * plates
    assert set(lots[plates:]) <= set(made)


def test_the_material_plan_buys_for_the_plates_not_on_file() -> None:
    """The material plan (MRP over the release plan) buys screws for every plate the twin makes: plates on file
    spare exactly their screws (two lots' worth, so lot rounding cannot hide a difference)."""

    def screws_bought(plates: int) -> float:
        plant = gadget_plant(plates, screws=0)
        orders = generate_orders(plant, epoch_for(plant).date(), 2, seed=1)
        planned = prepare(plant, "smart", DAYS, 1, orders=orders, warmup_days=0).material_plan
        assert planned is not None
        return sum(o.quantity for o in planned.planned_orders if o.material == "screw" and o.kind == "buy")

    assert screws_bought(0) - screws_bought(2 * LOT_SIZE) == 2 * LOT_SIZE


class _Cell:
    """The first step of every lot's route: a cell that notes the lots put to it, in order."""

    def __init__(self) -> None:
        self.lots: list[str] = []

    def put(self, lot: Part) -> None:
        self.lots.append(lot.product)


def test_an_empty_supermarket_releases_its_first_lots_one_component_after_another() -> None:
    """Two components made on one cell, each short three lots at the opening: the cell gets a lot of each in turn
    (casing, cabinet, casing, ...), not three casings before the first cabinet, which starved every unit needing a
    cabinet while the cell made the casings. The stock positions are as before: three lots of each on order."""
    cell = _Cell()
    route = (SimpleNamespace(to=cell),)
    policies = {m: LotPolicy(100, 250.0, lambda _size: route) for m in ("casing", "cabinet")}
    supermarket = Supermarket(Environment(), "supermarket", policies, {})
    supermarket.open()
    assert cell.lots == ["casing", "cabinet"] * 3
    assert supermarket.on_order == {"casing": 300.0, "cabinet": 300.0}
