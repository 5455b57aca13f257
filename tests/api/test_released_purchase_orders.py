"""One ledger of what is bought: a purchase order released from a plan is on its way to the promise as to MRP, and
it fills the requisitions that promises made of its material, so nothing is counted as bought twice. On the
tests' plant with its motors planned: 5 big motors on hand, more from a maker 28 days away, one a boost
scooter."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from factoryos.c2m.promise import PlantCapacity, PlantMaterial, promise
from factoryos.cli import app
from factoryos.model.errors import FactoryosError
from factoryos.model.plant import OpenPurchaseOrder
from factoryos.services.order_desk import OrderInput, forget_desk, submit_order
from factoryos.services.plan import latest_plan, plan_material, release, release_due
from factoryos.services.plants import on_order, plant_on_order
from factoryos.services.promise import write_locks
from factoryos.services.tenants import Caller
from factoryos.store.order_desk import PromisedPurchaseRecord, SupplierBookingRecord, commitments
from factoryos.store.plans import (
    PurchaseOrderRecord,
    Requisition,
    StoredPurchaseOrder,
    list_requisitions,
    save_purchase_orders,
)
from factoryos.store.plants import store_plant

from .conftest import AT_ONCE, BOOST, MOTOR_LEAD, NOW, START, planned_motors_plant

SITE = "shared-site"
ACME = Caller("test", SITE, "acme", "partner", owner=False)


@pytest.fixture
def loaded(engine):
    store_plant(engine, planned_motors_plant(), "motors planned")
    return engine


def _order(engine, quantity: int, requested: date = AT_ONCE):
    request = OrderInput("acme-shop", "acme-scooter", BOOST, quantity, requested)
    return submit_order(engine, ACME, request, NOW, lambda o, q: {"promise": q}).result().answer["promise"]


def _requisitions(engine) -> list[tuple[str, str, date, float]]:
    query = select(PromisedPurchaseRecord).where(PromisedPurchaseRecord.site == SITE)
    with Session(engine) as session:
        return [(r.material, r.supplier, r.arrives, r.quantity) for r in session.scalars(query)]


def _booked(engine, supplier: str) -> float:
    query = select(SupplierBookingRecord.quantity).where(SupplierBookingRecord.supplier == supplier)
    with Session(engine) as session:
        return sum(session.scalars(query))


def _motor_order(quantity: float, due: date) -> StoredPurchaseOrder:
    return StoredPurchaseOrder("PO0000001", SITE, "motors", "motor-big", quantity, START, due, 100.0 * quantity, "open")


def _release(engine, order: StoredPurchaseOrder):
    return _release_lines(engine, order).filled


def _release_lines(engine, order: StoredPurchaseOrder):
    released = save_purchase_orders(
        engine, [order], {"motors": MOTOR_LEAD}, write_locks(SITE, (), {"motor-big"}, {"motors"})
    )
    forget_desk(engine, SITE)
    return released


def test_a_released_order_fills_the_promises_requisitions_and_the_rest_serves_the_next_order(loaded):
    arrives = START + timedelta(days=MOTOR_LEAD)
    first = _order(loaded, 8)  # five motors from stock, three bought for it a lead time out
    assert first.promised == arrives
    assert _requisitions(loaded) == [("motor-big", "motors", arrives, 3.0)]
    assert _booked(loaded, "motors") == 3.0

    due = START + timedelta(days=14)  # ordered before this order came: in two weeks
    (filled,) = _release(loaded, _motor_order(10, due))
    assert (filled.material, filled.supplier, filled.arrives, filled.quantity) == ("motor-big", "motors", arrives, 3)
    assert _requisitions(loaded) == []  # bought by the purchase order now
    assert _booked(loaded, "motors") == 0.0  # the order takes the maker's week it is due in instead

    second = _order(loaded, 7)  # 5 + 10 motors, 8 taken: 7 left once the order is in
    assert second.promised == due
    assert "PO0000001" in second.constraint or "PO0000001" in second.explanation
    assert _order(loaded, 1).promised == arrives  # none left: bought again, a lead time out


def test_the_desk_promises_a_released_order_as_one_in_the_plant_file(loaded):
    """The independent check: the same promise on the plant whose file lists the order, from what the orders
    before it hold."""
    _order(loaded, 8)
    order = _motor_order(10, START + timedelta(days=14))
    _release(loaded, order)
    with loaded.connect() as connection:
        held = commitments(connection, SITE, START)
    plant = planned_motors_plant()
    in_file = OpenPurchaseOrder(id=order.id, supplier="motors", material="motor-big", quantity=10, due=order.due)
    plant = plant.model_copy(update={"purchase_orders": [in_file]})
    capacity, material = PlantCapacity(plant), PlantMaterial(plant)
    check = material.check(material.needs("acme-scooter", BOOST), 7, START, held)
    expected = promise(capacity, capacity.load("acme-scooter", BOOST), 7, START, {}, check)
    assert _order(loaded, 7).promised == expected.promised


def test_an_order_smaller_than_the_requisitions_fills_the_earliest_and_leaves_the_rest(loaded):
    _order(loaded, 8)  # three bought
    released = _release_lines(loaded, _motor_order(2, START + timedelta(days=40)))
    (filled,) = released.filled
    assert filled.quantity == 2
    (line,) = released.orders  # all of it comes on the day the promise counted on, not the proposal's
    assert (line.id, line.quantity, line.due) == (filled.purchase_order, 2, filled.arrives)
    assert filled.arrives == START + timedelta(days=MOTOR_LEAD)
    assert line.ordered == START  # a lead time before, when the promise bought it
    ((material, supplier, _, left),) = _requisitions(loaded)
    assert (material, supplier, left) == ("motor-big", "motors", 1.0)
    (requisition,) = list_requisitions(loaded, SITE)
    assert (requisition.material, requisition.supplier, requisition.quantity) == ("motor-big", "motors", 1.0)
    assert _booked(loaded, "motors") == 1.0


def test_mrp_and_the_promise_count_what_is_bought_once(loaded):
    """Conservation: the promise's supply of each material (stock, open orders, requisitions) before a release
    and after it differ by what the released orders bring less what they filled."""
    for quantity in (8, 4, 6):
        _order(loaded, quantity)
    plan_material(loaded, horizon_days=120, start=START)
    buys = [o.id for o in latest_plan(loaded).planned_orders if o.kind == "buy"]
    assert buys

    def supply() -> dict[str, float]:
        plant = plant_on_order(loaded, SITE)
        out = {m: sum(lot.quantity for lot in plant.inventory if lot.material == m) for m in plant.materials}
        for po in plant.purchase_orders:
            out[po.material] += po.quantity
        for material, _, _, quantity in _requisitions(loaded):
            out[material] += quantity
        return out

    before = supply()
    released = release(loaded, buys)
    after = supply()
    for material in before:
        brought = sum(o.quantity for o in released.orders if o.material == material)
        filled = sum(f.quantity for f in released.filled if f.material == material)
        assert after[material] == pytest.approx(before[material] + brought - filled)
    requisitioned = sum(q for m, _, _, q in _requisitions(loaded) if m == "motor-big")
    assert requisitioned == 0.0  # MRP bought the whole book's motors; the promises' requisitions are filled
    again = plan_material(loaded, horizon_days=120, start=START)
    assert not [o for o in again.plan.planned_orders if o.material == "motor-big"]  # and MRP buys none again


def test_an_order_of_a_material_the_plant_no_longer_has_is_left_out(loaded):
    plant = planned_motors_plant()
    gone = StoredPurchaseOrder("PO0000009", SITE, "motors", "flux-capacitor", 4, START, START, 0.0, "open")
    unknown = StoredPurchaseOrder("PO0000010", SITE, "elsewhere", "motor-big", 4, START, START, 0.0, "open")
    kept = _motor_order(3, START)
    assert [o.id for o in on_order(plant, [gone, unknown, kept]).purchase_orders] == [kept.id]
    assert on_order(plant, [gone]) is plant


def test_plan_release_says_what_each_order_fills(loaded):
    _order(loaded, 8)
    plan_material(loaded, horizon_days=120, start=START)
    (buy,) = [o.id for o in latest_plan(loaded).planned_orders if o.kind == "buy" and o.material == "motor-big"]
    url = loaded.url.render_as_string(hide_password=False)
    for neither_or_both, says in (([], "or give --within-days"), ([buy, "--within-days", "7"], "not both")):
        refused = CliRunner().invoke(app, ["plan", "release", *neither_or_both, "--db", url])
        assert isinstance(refused.exception, FactoryosError)  # `factoryos` prints it without a traceback
        assert "name the proposals to release" in str(refused.exception)
        assert str(refused.exception).endswith(says)
    result = CliRunner().invoke(app, ["plan", "release", buy, "--db", url])
    assert result.exit_code == 0, result.output
    assert "fills 3 that promises bought" in result.output
    assert _requisitions(loaded) == []
    _order(loaded, 2)  # bought again, a lead time out
    plan_material(loaded, horizon_days=120, start=START)
    (buy,) = [o.id for o in latest_plan(loaded).planned_orders if o.kind == "buy" and o.material == "motor-big"]
    result = CliRunner().invoke(app, ["plan", "release", "--within-days", "365", "--json", "--db", url])
    assert result.exit_code == 0, result.output
    (item,) = json.loads(result.output)["items"]
    assert item["filled"] == [{"arrives": item["filled"][0]["arrives"], "supplier": "motors", "quantity": 2.0}]
    again = CliRunner().invoke(app, ["plan", "release", "--within-days", "365", "--db", url])
    assert "nothing to release: no buy proposal still to release is to be ordered within 365 days" in again.output


def test_a_buyers_window_releases_the_proposals_to_order_in_it_once(loaded):
    for quantity, requested in ((8, date(2027, 3, 1)), (4, date(2027, 4, 1)), (6, date(2027, 5, 3))):
        _order(loaded, quantity, requested)
    plan_material(loaded, horizon_days=120, start=START)
    stored = latest_plan(loaded)
    buys = [o for o in stored.planned_orders if o.kind == "buy"]
    window = (max(o.release for o in buys) - stored.start).days  # the last one falls just outside
    inside = {o.id for o in buys if (o.release - stored.start).days < window}
    assert inside
    assert inside != {o.id for o in buys}
    first = release_due(loaded, window)
    assert {o.planned_order for o in first.orders} == inside
    assert release_due(loaded, window).orders == []  # released once
    rest = release_due(loaded, window + 1)
    assert {o.planned_order for o in rest.orders} == {o.id for o in buys} - inside
    with pytest.raises(FactoryosError, match="--within-days must be 1-3650"):
        release_due(loaded, 0)


def test_a_plan_made_before_the_plant_lost_its_supplier_is_not_released(loaded):
    _order(loaded, 8)
    plan_material(loaded, horizon_days=120, start=START)
    plant = planned_motors_plant()
    suppliers = {("motor-co" if k == "motors" else k): s for k, s in plant.suppliers.items()}
    store_plant(loaded, plant.model_copy(update={"suppliers": suppliers}), "the motor maker renamed")
    with pytest.raises(FactoryosError, match="made for the plant as it was loaded before"):
        release_due(loaded, 120)
    arrives = START + timedelta(days=MOTOR_LEAD)
    assert list_requisitions(loaded, SITE) == [Requisition("motor-big", "motors", arrives, 3)]  # nothing filled


def test_plan_requisitions_lists_what_no_order_has_filled(loaded):
    _order(loaded, 8)  # three bought
    _release(loaded, _motor_order(2, START + timedelta(days=40)))
    url = loaded.url.render_as_string(hide_password=False)
    listed = CliRunner().invoke(app, ["plan", "requisitions", "--json", "--db", url])
    assert listed.exit_code == 0, listed.output
    arrives = (START + timedelta(days=MOTOR_LEAD)).isoformat()
    assert json.loads(listed.output)["items"] == [
        {"material": "motor-big", "supplier": "motors", "arrives": arrives, "quantity": 1.0}
    ]
    table = CliRunner().invoke(app, ["plan", "requisitions", "--db", url])
    assert "1 requisition: 1 unit that promises bought, not yet on order" in table.output


def test_an_order_fills_several_requisitions_earliest_first(loaded):
    """Three orders a week apart buy motors arriving on three days; one order of 6 fills the first two and part
    of the third."""
    for day, quantity in ((0, 8), (7, 2), (14, 4)):  # five motors in stock: 3, then 2, then 4 bought
        request = OrderInput("acme-shop", "acme-scooter", BOOST, quantity, date(2027, 3, 1))
        submit_order(loaded, ACME, request, NOW + timedelta(days=day), lambda o, q: {}).result()
    before = _requisitions(loaded)
    assert [quantity for *_, quantity in before] == [3.0, 2.0, 4.0]
    assert [arrives for _, _, arrives, _ in before] == sorted({arrives for _, _, arrives, _ in before})
    released = _release_lines(loaded, _motor_order(6, START + timedelta(days=40)))
    filled = released.filled
    assert [(f.arrives, f.quantity) for f in filled] == [(before[0][2], 3), (before[1][2], 2), (before[2][2], 1)]
    lines = sorted((o.due, o.quantity) for o in released.orders)  # the two due before day 40 pulled in
    assert lines == [(before[0][2], 3), (before[1][2], 2), (START + timedelta(days=40), 1)]
    assert sum(o.value for o in released.orders) == pytest.approx(600.0)
    assert _requisitions(loaded) == [("motor-big", "motors", before[2][2], 3.0)]
    assert _booked(loaded, "motors") == 3.0
    assert sorted(o.id for o in released.orders) == ["PO0000001", "PO0000001.1", "PO0000001.2"]
    following = _release_lines(loaded, _motor_order(4, START + timedelta(days=50))).orders
    assert sorted(o.id for o in following) == ["PO0000002", "PO0000002.1"]  # the next number, lines or not


def _supply_by(engine, day: date) -> float:
    """Motors on requisitions or open purchase orders that are in by `day`."""
    with Session(engine) as session:
        wanted = (PromisedPurchaseRecord.material == "motor-big", PromisedPurchaseRecord.arrives <= day)
        bought = session.scalars(select(PromisedPurchaseRecord.quantity).where(*wanted))
        ordered = session.scalars(
            select(PurchaseOrderRecord.quantity).where(
                PurchaseOrderRecord.material == "motor-big", PurchaseOrderRecord.due <= day
            )
        )
        return sum(bought) + sum(ordered)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    requisitions=st.dictionaries(st.integers(0, 60), st.integers(1, 50), max_size=6),
    due=st.integers(0, 60),
    quantity=st.integers(1, 200),
)
def test_a_release_never_brings_later_what_a_promise_counted_on(loaded, requisitions, due, quantity):
    """Whatever the requisitions and the order, what is in by any day is no less after the release than before,
    the order's lines add up to it, and what they filled left the requisitions."""
    with Session(loaded) as session, session.begin():
        for table in (PromisedPurchaseRecord, SupplierBookingRecord, PurchaseOrderRecord):
            session.execute(delete(table))
        session.add_all(
            PromisedPurchaseRecord(
                site=SITE, material="motor-big", supplier="motors", arrives=START + timedelta(d), quantity=q
            )
            for d, q in requisitions.items()
        )
    days = [START + timedelta(d) for d in range(62)]
    before = [_supply_by(loaded, day) for day in days]
    released = _release_lines(loaded, _motor_order(quantity, START + timedelta(due)))
    after = [_supply_by(loaded, day) for day in days]
    assert all(a >= b - 1e-9 for a, b in zip(after, before, strict=True))
    assert sum(o.quantity for o in released.orders) == pytest.approx(quantity)
    assert after[-1] == pytest.approx(before[-1] + quantity - sum(f.quantity for f in released.filled))
    assert sum(f.quantity for f in released.filled) == pytest.approx(min(quantity, sum(requisitions.values())))
