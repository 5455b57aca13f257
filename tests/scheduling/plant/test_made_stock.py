"""Stock of a sub-assembly made per unit spares the units due first that sub-assembly and everything below it:
its operations, the bought parts it draws, the lots it would take. On tests/data/frame-plant.yaml (a bike is a
welded frame, a fork and two wheels; a frame draws a tube at its weld and four lugs cast in lots of four), with
the frames in stock varied; the expected figures come from the plant's own bill and lot size."""

from __future__ import annotations

import math
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from factoryos.model.configuration import operations
from factoryos.model.orders import CustomerOrder
from factoryos.model.plant import InventoryLot, Plant
from factoryos.model.unit_structure import Node, from_lot_stock, from_stock
from factoryos.model.validate import load_plant
from factoryos.planning.plant_problem import plant_problem as mrp_problem
from factoryos.scheduling.checker import check
from factoryos.scheduling.dispatch import dispatch
from factoryos.scheduling.plant import build_problem, production_orders, scheduled_operations

PLANT_FILE = Path(__file__).parents[2] / "data" / "frame-plant.yaml"
EPOCH = datetime(2027, 1, 4, tzinfo=UTC)
TUBES_IN = EPOCH + timedelta(days=2)
"""When the tubes of every order are in: only an operation that draws one waits for it."""


def _plant(**stock: int) -> Plant:
    plant = load_plant(PLANT_FILE)
    lots = [InventoryLot(material=m, location="store", lot=f"{m}-1", quantity=q) for m, q in stock.items() if q]
    return plant.model_copy(update={"inventory": [*plant.inventory, *lots]})


def _orders(quantities: list[int]) -> list[CustomerOrder]:
    """Orders due a day apart in the order of `quantities`, given latest due first (the scheduler sorts them)."""
    return [
        CustomerOrder(
            id=f"CO-{k}",
            site="frame-site",
            tenant="owner",
            customer="shop",
            product="bike",
            configuration={"suspension": "air" if k % 2 else "rigid"},
            quantity=quantity,
            ordered_at=EPOCH,
            due_date=date(2027, 2, 1) + timedelta(days=k),
        )
        for k, quantity in reversed(list(enumerate(quantities)))
    ]


def _problem(plant: Plant, orders: list[CustomerOrder]):
    productions = production_orders(plant, orders)
    tubes = {p.id: {"tube": TUBES_IN} for p in productions if p.customer_order}
    return build_problem(plant, productions, EPOCH, calendar_days=30, material_in=tubes)


def _units(plant_problem) -> list:
    """The units' jobs, earliest due first (a unit's job weighs 1, a lot's 0)."""
    return sorted((job for job in plant_problem.problem.jobs if job.weight), key=lambda job: (job.due, job.name))


def _names(plant_problem, job, material: str = "") -> list[str]:
    ops = plant_problem.problem.operations
    return [ops[o].name for o in job.operations if ops[o].name.startswith(material)]


def _waits_for_tubes(plant_problem, job) -> bool:
    ops = plant_problem.problem.operations
    return any(ops[o].not_before for o in job.operations)


def _lugs_per_frame(plant: Plant) -> float:
    return next(line.quantity for line in plant.boms["frame"] if line.component == "lug")


def _lots_for(plant: Plant, frames: int) -> int:
    """The lots of lugs that `frames` frames welded need, from the plant's bill and lot size."""
    return math.ceil(frames * _lugs_per_frame(plant) / plant.materials["lug"].lot_size.quantity)


def _route(plant: Plant, material: str) -> list[str]:
    return [f"{material}/{op.id}" for op in operations(plant, material, {})]


def _lot_jobs(plant_problem) -> set[int]:
    return {op for job in plant_problem.problem.jobs if not job.weight for op in job.operations}


def test_frames_in_stock_spare_the_units_due_first_their_welding_tubes_and_lugs():
    plant = _plant(frame=3)
    plant_problem = _problem(plant, _orders([1] * 5))
    units = _units(plant_problem)
    assert len(units) == 5
    for job in units[:3]:
        assert _names(plant_problem, job, "frame/") == []
        assert not _waits_for_tubes(plant_problem, job)
    for job in units[3:]:
        assert _names(plant_problem, job, "frame/") == _route(plant, "frame")
        assert _waits_for_tubes(plant_problem, job)
    lots = [p for p in plant_problem.production_orders if p.material == "lug"]
    assert len(lots) == _lots_for(plant, 2)
    lot_ops, first_three = _lot_jobs(plant_problem), {op for job in units[:3] for op in job.operations}
    fed_by_lots = {after for before, after in plant_problem.problem.precedences if before in lot_ops}
    assert fed_by_lots  # the two units that weld a frame wait for their lugs
    assert not fed_by_lots & first_three


def test_the_schedule_of_units_spared_a_frame_passes_the_checker_and_maps_back_to_their_work_orders():
    plant = _plant(frame=3)
    plant_problem = _problem(plant, _orders([5]))
    problem = plant_problem.problem
    schedule = dispatch(problem, "EDD")
    assert check(problem, schedule) == []
    expected = Counter(
        (job.name if job.weight else None, problem.operations[o].name) for job in problem.jobs for o in job.operations
    )
    scheduled = scheduled_operations(plant_problem, schedule)
    assert Counter((op.serial, op.operation) for op in scheduled) == expected
    (order,) = [p for p in plant_problem.production_orders if p.customer_order]
    assert [w.position for w in order.work_orders] == list(range(1, len(order.work_orders) + 1))
    quantities = {w.operation: w.quantity for w in order.work_orders}
    assert quantities == {
        **{name: 5 - 3 for name in _route(plant, "frame")},
        **{name: 5 for name in _route(plant, "fork") + _route(plant, "bike")},
    }
    spared = [f"{order.id}-{unit}" for unit in (1, 2, 3)]
    assert not any(op.serial in spared and op.operation.startswith("frame/") for op in scheduled)


@pytest.mark.parametrize("frames", [0, 10])
def test_no_frames_in_stock_change_nothing_and_more_than_the_orders_need_cover_them_all(frames):
    plant = _plant(frame=frames)
    plant_problem = _problem(plant, _orders([2, 1, 2]))
    built = 5 if not frames else 0
    units = _units(plant_problem)
    assert len(units) == 5
    for job in units:
        frame_ops = _route(plant, "frame") if built else []
        assert sorted(_names(plant_problem, job)) == sorted(frame_ops + _route(plant, "fork") + _route(plant, "bike"))
        assert _waits_for_tubes(plant_problem, job) == bool(built)
    lots = [p for p in plant_problem.production_orders if p.material == "lug"]
    assert len(lots) == _lots_for(plant, built)
    work_orders = [w.operation for p in plant_problem.production_orders if p.customer_order for w in p.work_orders]
    assert any(name.startswith("frame/") for name in work_orders) == bool(built)


def test_stock_of_a_fork_whose_bill_depends_on_the_options_is_left_alone_as_mrp_leaves_it():
    plant = _plant(frame=10, fork=10)
    plant_problem = _problem(plant, _orders([1, 1]))
    for job in _units(plant_problem):
        assert _names(plant_problem, job, "fork/") == _route(plant, "fork")
        assert _names(plant_problem, job, "frame/") == []
    netted_by_mrp = {s.item for s in mrp_problem(plant, EPOCH.date(), 30, []).stock}
    assert "frame" in netted_by_mrp
    assert "fork" not in netted_by_mrp


def test_a_unit_whose_frame_is_in_stock_takes_nothing_below_it_and_a_need_the_stock_cannot_hold_is_built():
    bike = (
        Node("bike", 1.0, None, False),
        Node("frame", 2.0, 0, False),
        Node("lug", 8.0, 1, True),
        Node("fork", 1.0, 0, False),
        Node("fork", 1.0, 3, False),
    )
    left = {"frame": 3.0, "fork": 1.0, "bike": 5.0}
    assert from_stock(bike, left) == {1, 2, 3, 4}
    assert left == {"frame": 1.0, "fork": 0.0, "bike": 5.0}
    assert from_stock(bike, left) == frozenset()  # one frame left, two needed: built, the frame kept
    assert left == {"frame": 1.0, "fork": 0.0, "bike": 5.0}
    assert from_stock(bike[:3], {}) == frozenset()


def test_a_unit_takes_lugs_in_stock_a_piece_at_a_time_and_none_below_a_frame_taken_from_stock():
    bike = (Node("bike", 1.0, None, False), Node("frame", 1.0, 0, False), Node("lug", 4.0, 1, True))
    left = {"lug": 6.0}
    assert from_lot_stock(bike, frozenset({1, 2}), left) == {}
    assert from_lot_stock(bike, frozenset(), left) == {2: 4.0}
    assert from_lot_stock(bike, frozenset(), left) == {2: 2.0}  # the two left; two lugs are cast
    assert from_lot_stock(bike, frozenset(), left) == {}
    assert left == {"lug": 0.0}
