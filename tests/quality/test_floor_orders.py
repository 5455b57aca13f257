"""The order lifecycle follows the floor (`order_desk.follow_floor`), and holds and their dispositions stop or
send back what it would move, on a hand-built history of its own, on SQLite and PostgreSQL:

    LOT-9 (a supplier lot of cells) --> PACK-1 --> U-1 (CO-A, 2 units)
                                   \\-> PACK-3 --> U-3 (CO-B)
                                   \\-> PACK-5 --> U-5 (CO-D, shipped before the hold)
                                   \\-> PACK-6 --> U-6 (CO-E, still in assembly)
    LOT-8 ---------------------------> PACK-2 --> U-2 (CO-A)
                                   \\-> PACK-4 --> U-4 (CO-C)

Packs are built on pack-1 at hours 1..6, the units assembled on station-1 from hour 8 on. The lot split
across two packs of different orders' units is what a hold on it must follow up to the finished serials.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import update

from factoryos.model.orders import CustomerOrder
from factoryos.model.validate import load_plant
from factoryos.services.demo import known_by
from factoryos.services.holds import held_scope, held_serials, place_hold, release_hold
from factoryos.services.order_desk import (
    FLOOR,
    FloorUnit,
    follow_floor,
    follow_starts,
    follow_stream,
    get_order,
    history,
)
from factoryos.services.tenants import Caller
from factoryos.store.db import transaction
from factoryos.store.orders import save_orders
from factoryos.store.plants import store_plant
from factoryos.store.tables import CustomerOrderRecord
from factoryos.store.timeseries import TelemetryStore

from .history import MINI, SITE, History, at, set_states, statements

PACK, ASSY = f"{SITE}/pack-shop/cell/pack-1", f"{SITE}/assembly/line/station-1"
PLANNER = Caller("test", SITE, "owner", "planner", True)
UNITS = {  # unit: (order's unit, pack, lot, assembly start hour, assembly end hour or None)
    "U-1": ("CO-A#0", "PACK-1", "LOT-9", 8, 9),
    "U-2": ("CO-A#1", "PACK-2", "LOT-8", 9, 10),
    "U-3": ("CO-B#0", "PACK-3", "LOT-9", 10, 11),
    "U-4": ("CO-C#0", "PACK-4", "LOT-8", 11, 12),
    "U-5": ("CO-D#0", "PACK-5", "LOT-9", 12, 13),
    "U-6": ("CO-E#0", "PACK-6", "LOT-9", 13, None),
}
QUANTITIES = {"CO-A": 2, "CO-B": 1, "CO-C": 1, "CO-D": 1, "CO-E": 1}
HOLD_AT = at(30)


def floor_events():
    """The history's events: each pack, then each unit assembled from it."""
    h = History()
    for k, (unit, (work, pack, lot, start, end)) in enumerate(sorted(UNITS.items())):
        h.operation(pack, PACK, 1 + k, 1.5 + k, (lot,), work, operation="pack")
        h.operation(unit, ASSY, start, end, (pack,), work, operation="assemble")
    return h.events


@pytest.fixture
def floor(engine):
    store_plant(engine, load_plant(MINI), "mini.yaml")
    placed = datetime(2027, 1, 1, tzinfo=UTC)
    save_orders(
        engine,
        [
            CustomerOrder(o, SITE, "owner", "shop", "cart", {}, q, placed, date(2027, 2, 1))
            for o, q in QUANTITIES.items()
        ],
    )
    set_states(engine, dict.fromkeys(QUANTITIES, "promised"))
    TelemetryStore(engine).append(floor_events())
    return engine


def built(*units: str, shipped: float | None = None, hours: float = 20) -> list[FloorUnit]:
    """The floor's report: `units` built at `hours`, and shipped at `shipped` hours if given."""
    return [FloorUnit(u, UNITS[u][0].split("#")[0], at(hours), None if shipped is None else at(shipped)) for u in units]


def states(engine) -> dict[str, str]:
    return {order: get_order(engine, PLANNER, order).state.value for order in QUANTITIES}


def test_an_order_is_built_when_all_its_units_are_and_shipped_when_all_shipped(floor):
    follow_floor(floor, built("U-1"))
    assert states(floor)["CO-A"] == "in-production"
    follow_floor(floor, built("U-1", "U-2", "U-3", shipped=24) + built("U-4"))
    assert states(floor) == {
        "CO-A": "shipped",
        "CO-B": "shipped",
        "CO-C": "built",
        "CO-D": "promised",
        "CO-E": "promised",
    }
    follow_floor(floor, [*built("U-1", shipped=24), *built("U-2")])  # a unit not shipped yet: no step back
    assert states(floor)["CO-A"] == "shipped"


def test_each_step_is_audited_at_the_floors_time_and_the_same_report_moves_nothing(floor):
    report = built("U-4", shipped=26, hours=21)
    moved = follow_floor(floor, report)
    assert moved.moved == {s: ["CO-C"] for s in ("released", "in-production", "built", "shipped")}
    taken_in, *changes = history(floor, PLANNER, "CO-C")
    assert (taken_in.from_state, taken_in.actor) == (None, "orders generate")  # how it was stored
    steps = [(c.from_state, c.to_state, c.actor, c.at) for c in changes]
    assert steps == [
        ("promised", "released", FLOOR, at(21)),
        ("released", "in-production", FLOOR, at(21)),
        ("in-production", "built", FLOOR, at(21)),
        ("built", "shipped", FLOOR, at(26)),
    ]
    assert follow_floor(floor, report).moved == {}
    assert len(history(floor, PLANNER, "CO-C")) == 1 + len(steps)


def test_a_hold_on_a_split_lot_covers_exactly_the_units_its_packs_went_into(floor):
    place_hold(floor, "lot", "LOT-9", "supplier notice: cell venting", "qe.smith", HOLD_AT)
    with floor.connect() as connection:
        assert sorted(held_serials(connection, set(UNITS))) == ["U-1", "U-3", "U-5", "U-6"]


def contain(engine):
    """The day as the demo plays it: the floor's report up to the hold, the hold on LOT-9, then the rest."""
    everything = built("U-1", "U-2", "U-3", "U-4", shipped=36) + built("U-5", shipped=24)
    follow_floor(engine, known_by(everything, HOLD_AT))
    hold = place_hold(engine, "lot", "LOT-9", "supplier notice: cell venting", "qe.smith", HOLD_AT)
    return hold, everything, follow_floor(engine, everything)


def test_held_orders_stay_built_and_the_recall_scope_splits_shipped_in_stock_and_in_process(floor):
    hold, _, moved = contain(floor)
    assert sorted(moved.held) == ["CO-A", "CO-B"]
    assert states(floor) == {
        "CO-A": "built",
        "CO-B": "built",
        "CO-C": "shipped",
        "CO-D": "shipped",
        "CO-E": "promised",
    }
    recall = held_scope(floor, hold)["recall"]
    assert (recall["shipped"], recall["in stock"], recall["in process"]) == (["U-5"], ["U-1", "U-3"], ["U-6"])
    assert [(o["order"], o["state"], o["serials"]) for o in recall["orders"]] == [
        ("CO-A", "built", ["U-1"]),
        ("CO-B", "built", ["U-3"]),
        ("CO-D", "shipped", ["U-5"]),
        ("CO-E", "promised", ["U-6"]),
    ]


def test_released_for_use_the_held_orders_ship(floor):
    hold, everything, _ = contain(floor)
    release_hold(floor, hold.id, "use", "mrb.jones", at(40), "cells retested")
    assert follow_floor(floor, everything).moved == {"shipped": ["CO-A", "CO-B"]}


def test_released_for_scrap_the_held_orders_go_back_into_production(floor):
    hold, everything, _ = contain(floor)
    release_hold(floor, hold.id, "scrap", "mrb.jones", at(40), "venting confirmed")
    assert follow_floor(floor, everything).moved == {"in-production": ["CO-A", "CO-B"]}
    last = history(floor, PLANNER, "CO-B")[-1]
    assert (last.to_state, last.at) == ("in-production", at(40))
    assert f"hold #{hold.id} scrap" in last.reason
    assert follow_floor(floor, everything).moved == {}  # a scrapped unit never counts again
    replacement = FloorUnit("U-7", "CO-B", at(50), at(60))
    assert follow_floor(floor, [*everything, replacement]).moved == {"built": ["CO-B"], "shipped": ["CO-B"]}


def test_released_for_rework_a_unit_counts_again_once_rebuilt(floor):
    hold, everything, _ = contain(floor)
    release_hold(floor, hold.id, "rework", "mrb.jones", at(40), "replace the cells")
    assert follow_floor(floor, everything).moved == {"in-production": ["CO-A", "CO-B"]}
    reworked = [u if u.serial != "U-3" else FloorUnit("U-3", "CO-B", at(44), at(48)) for u in everything]
    assert follow_floor(floor, reworked).moved == {"built": ["CO-B"], "shipped": ["CO-B"]}
    assert states(floor)["CO-A"] == "in-production"  # U-1 not rebuilt yet


def test_released_and_placed_holds_at_once_each_do_their_part_in_one_report(floor):
    """The report reads the holds and each unit's makeup once for both: the released hold's fates and the placed
    hold's stop on shipping."""
    scrapped = place_hold(floor, "lot", "LOT-8", "supplier notice: cell venting", "qe.smith", at(30))
    release_hold(floor, scrapped.id, "scrap", "mrb.jones", at(32), "venting confirmed")
    place_hold(floor, "serials", "U-3", "dropped in handling", "qe.smith", at(33))
    report = built("U-1", "U-2", "U-3", "U-4", "U-5", shipped=36)
    moved, sent = statements(floor, lambda: follow_floor(floor, report))
    assert sum(" FROM holds " in " ".join(s.split()) + " " for s in sent) == 1
    assert sum(s.lstrip().startswith("WITH RECURSIVE") for s in sent) == len(report)  # a makeup a unit
    along = ["CO-A", "CO-B", "CO-C", "CO-D"]
    assert moved.moved == {"released": along, "in-production": along, "built": ["CO-B", "CO-D"], "shipped": ["CO-D"]}
    assert moved.held == ["CO-B"]
    assert states(floor) == {
        "CO-A": "in-production",  # U-2 scrapped: one good unit of two
        "CO-B": "built",  # U-3 held
        "CO-C": "in-production",  # U-4 scrapped
        "CO-D": "shipped",
        "CO-E": "promised",
    }


def test_a_built_order_the_floor_reports_part_of_stays_built(floor):
    set_states(floor, {"CO-A": "built"})  # moved by a planner
    assert follow_floor(floor, built("U-1")).moved == {}
    assert states(floor)["CO-A"] == "built"


def test_orders_the_desk_cannot_move_are_left_alone(floor):
    set_states(floor, {"CO-C": "cancelled", "CO-B": "received"})
    moved = follow_floor(floor, [*built("U-3", "U-4"), FloorUnit("U-9", "CO-unknown", at(20))])
    assert moved.moved == {}
    assert moved.skipped == ["CO-B", "CO-C", "CO-unknown"]


def test_an_order_is_in_production_from_when_the_first_part_worked_for_it_began(floor):
    """CO-A's first pack began at hour 1, its units' assembly at 8: it is in production from hour 1, though no
    unit of it is built yet; an order nothing was begun for stays promised, and one moved on is left alone."""
    set_states(floor, {"CO-C": "released", "CO-D": "built"})
    moved = follow_starts(floor, ["CO-A", "CO-C", "CO-D", "CO-unknown"])
    assert moved.moved == {"released": ["CO-A"], "in-production": ["CO-A", "CO-C"]}
    assert moved.skipped == ["CO-D"]
    steps = [(c.from_state, c.to_state, c.at, c.reason) for c in history(floor, PLANNER, "CO-A")[1:]]
    assert steps == [
        ("promised", "released", at(1), f"{FLOOR}: PACK-1 began pack"),
        ("released", "in-production", at(1), f"{FLOOR}: PACK-1 began pack"),
    ]
    assert [c.at for c in history(floor, PLANNER, "CO-C")[1:]] == [at(4)]  # PACK-4 began at hour 4
    assert follow_starts(floor, ["CO-A", "CO-C"]).moved == {}
    assert states(floor)["CO-B"] == "promised"


def test_the_stream_builds_an_order_once_its_units_finish_their_configured_routing(floor):
    events = floor_events()
    packs_only = [e for e in events if e.payload["operation"] == "pack"]
    started = follow_stream(floor, load_plant(MINI), packs_only).moved
    assert started == dict.fromkeys(("released", "in-production"), sorted(QUANTITIES))  # begun, none built
    moved = follow_stream(floor, load_plant(MINI), events)
    assert moved.moved["built"] == ["CO-A", "CO-B", "CO-C", "CO-D"]  # not CO-E: U-6 is still in assembly
    assert "shipped" not in moved.moved  # the stream does not ship: the desk does
    built = history(floor, PLANNER, "CO-A")[-1]
    assert (built.to_state, built.at) == ("built", at(10))  # when U-2, its last unit, was assembled


def test_a_configuration_with_a_later_operation_is_built_only_after_it(floor):
    set_states(floor, {"CO-B": "promised"})
    with transaction(floor) as session:
        session.execute(
            update(CustomerOrderRecord)
            .where(CustomerOrderRecord.id == "CO-B")
            .values(configuration={"size": "big", "colour": "blue"})
        )
    plant = load_plant(MINI)
    follow_stream(floor, plant, floor_events())
    assert states(floor)["CO-B"] == "in-production"  # assembled, but a big cart is load-tested last
    more = History()
    more.events = floor_events()  # the stream goes on: its sequence numbers too
    more.operation("U-3", f"{SITE}/assembly/line/tester", 15, 16, (), "CO-B#0", operation="load-test")
    tested = more.events[len(floor_events()) :]
    TelemetryStore(floor).append(tested)
    assert follow_stream(floor, plant, tested).moved["built"] == ["CO-B"]
