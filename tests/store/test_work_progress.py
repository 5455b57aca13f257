"""Work orders and production orders follow what the floor reports: started with a unit's first operation under
them, completed when every unit has finished; an operation no station reports counts what later operations of
the same routing report (a unit that reached them passed it)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from factoryos.model.orders import (
    CustomerOrder,
    ProductionOrder,
    ProductionOrderState,
    WorkOrder,
    WorkOrderState,
    production_progress,
    routing_progress,
    work_progress,
)
from factoryos.model.validate import load_plant
from factoryos.store.db import transaction
from factoryos.store.orders import save_orders
from factoryos.store.plants import store_plant
from factoryos.store.schedule import follow_work, save_production_orders
from factoryos.store.tables import ProductionOrderRecord, WorkOrderRecord
from factoryos.store.timeseries import TelemetryStore
from tests.quality.history import ASSY, MINI, SITE, WELD_1, History

W = WorkOrderState


def test_a_later_operation_reported_counts_for_the_earlier_ones_of_its_routing():
    assert routing_progress([(0, 0), (2, 1), (0, 0), (1, 0)]) == [(2, 2), (2, 1), (1, 1), (1, 0)]
    assert routing_progress([(3, 3), (1, 0)]) == [(3, 3), (1, 0)]
    assert routing_progress([]) == []


@pytest.mark.parametrize(
    ("state", "started", "completed", "expected"),
    [
        (W.CREATED, 0, 0, W.CREATED),
        (W.CREATED, 1, 0, W.STARTED),
        (W.STARTED, 2, 1, W.STARTED),
        (W.CREATED, 2, 2, W.COMPLETED),
        (W.CANCELLED, 2, 2, W.CANCELLED),
        (W.RELEASED, 0, 0, W.RELEASED),
    ],
)
def test_a_work_order_of_two_units_moves_on_with_them(state, started, completed, expected):
    assert work_progress(state, 2, started, completed) is expected


def test_a_production_order_is_completed_with_all_its_work_orders_and_in_progress_with_one():
    P = ProductionOrderState
    assert production_progress(P.PLANNED, [W.COMPLETED, W.COMPLETED]) is P.COMPLETED
    assert production_progress(P.PLANNED, [W.COMPLETED, W.CREATED]) is P.IN_PROGRESS
    assert production_progress(P.RELEASED, [W.CREATED, W.CREATED]) is P.RELEASED
    assert production_progress(P.CANCELLED, [W.COMPLETED]) is P.CANCELLED


def test_the_stored_orders_follow_the_reported_operations(engine):
    """PO-A: two carts, both assembled (their welding not reported: a station without a connection), so both
    its work orders are completed, and it is. PO-B: two carts, one welded and one still being assembled: its
    welding started, its assembly started, it is in progress. PO-C: nothing reported, it stays planned."""
    store_plant(engine, load_plant(MINI), "mini.yaml")
    placed = datetime(2027, 1, 1, tzinfo=UTC)
    save_orders(
        engine,
        [CustomerOrder(f"CO-{n}", SITE, "owner", "shop", "cart", {}, 2, placed, date(2027, 2, 1)) for n in "ABC"],
    )
    orders = []
    for name in "ABC":
        po = ProductionOrder(f"PO-{name}", SITE, "cart", 2, {}, date(2027, 2, 1), f"CO-{name}")
        po.work_orders = [
            WorkOrder(f"WO-{name}-{op}", po.id, k, f"cart/{op}", 2) for k, op in enumerate(("weld", "assemble"))
        ]
        orders.append(po)
    with transaction(engine) as session:
        save_production_orders(session, orders)
    h = History()
    h.operation("CART-A1", ASSY, 1, 2, work_order="WO-A-assemble", operation="cart/assemble")
    h.operation("CART-A2", ASSY, 2, 3, work_order="WO-A-assemble", operation="cart/assemble")
    h.operation("CART-B1", WELD_1, 1, 2, work_order="WO-B-weld", operation="cart/weld")
    h.operation("CART-B1/seat", ASSY, 3, None, work_order="WO-B-assemble", operation="cart/assemble")
    TelemetryStore(engine).append(h.events)

    work, production = follow_work(engine)

    states, orders_now = _states(engine)
    assert states == {
        "WO-A-weld": "completed",
        "WO-A-assemble": "completed",
        "WO-B-weld": "started",
        "WO-B-assemble": "started",
        "WO-C-weld": "created",
        "WO-C-assemble": "created",
    }
    assert orders_now == {"PO-A": "completed", "PO-B": "in-progress", "PO-C": "planned"}
    assert (work, production) == ({"completed": 2, "started": 2}, {"completed": 1, "in-progress": 1})
    assert follow_work(engine) == ({}, {})  # the same report again changes nothing


def test_a_sub_assembly_taken_from_stock_counts_as_done_for_a_unit_that_started_its_product(engine):
    """PO-D: two carts, one body welded for CART-D1 and CART-D2's body from stock (never reported); both carts
    assembled, so the welding is done for both and the order is completed. PO-E: the same, CART-E2 still being
    assembled: its assembly is only started, and nothing reported of CART-E1 completes the order."""
    store_plant(engine, load_plant(MINI), "mini.yaml")
    placed = datetime(2027, 1, 1, tzinfo=UTC)
    save_orders(
        engine, [CustomerOrder(f"CO-{n}", SITE, "owner", "shop", "cart", {}, 2, placed, date(2027, 2, 1)) for n in "DE"]
    )
    orders = []
    for name in "DE":
        po = ProductionOrder(f"PO-{name}", SITE, "cart", 2, {}, date(2027, 2, 1), f"CO-{name}")
        po.work_orders = [WorkOrder(f"WO-{name}-weld", po.id, 1, "body/weld", 1)]
        po.work_orders.append(WorkOrder(f"WO-{name}-assemble", po.id, 2, "cart/assemble", 2))
        orders.append(po)
    with transaction(engine) as session:
        save_production_orders(session, orders)
    h = History()
    for name in "DE":
        h.operation(f"CART-{name}1/body", WELD_1, 1, 2, work_order=f"WO-{name}-weld", operation="body/weld")
        h.operation(f"CART-{name}1", ASSY, 3, 4, work_order=f"WO-{name}-assemble", operation="cart/assemble")
    h.operation("CART-D2", ASSY, 4, 5, work_order="WO-D-assemble", operation="cart/assemble")
    h.operation("CART-E2", ASSY, 4, None, work_order="WO-E-assemble", operation="cart/assemble")
    TelemetryStore(engine).append(h.events)

    follow_work(engine)

    work = {"WO-D-weld": "completed", "WO-D-assemble": "completed", "WO-E-weld": "completed"}
    work["WO-E-assemble"] = "started"
    assert _states(engine) == (work, {"PO-D": "completed", "PO-E": "in-progress"})


def _states(engine) -> tuple[dict[str, str], dict[str, str]]:
    """Each work order's state and each production order's, as stored."""
    with Session(engine) as session:
        work = dict(session.execute(select(WorkOrderRecord.id, WorkOrderRecord.state)).all())
        production = dict(session.execute(select(ProductionOrderRecord.id, ProductionOrderRecord.state)).all())
    return work, production
