"""The units built for customer orders, read for many orders at once, are what the rule says for each order on
its own (its production orders' work orders, its production orders or itself named directly, `NAME#unit` work,
less what is built into another of its units): on order trees and floor histories of any shape, names with
LIKE's wildcards and ids shared across kinds of order included, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, insert

from factoryos.model.orders import CustomerOrder
from factoryos.model.validate import load_plant
from factoryos.store.genealogy import GenealogyLink, GenealogyOperation, serials_of_order, serials_of_orders
from factoryos.store.orders import save_orders
from factoryos.store.plants import store_plant
from factoryos.store.tables import ProductionOrderRecord, WorkOrderRecord
from tests.quality.history import MINI, SITE

ORDERS = ["CO_1", "CO-2", "CO-3"]
PRODUCTIONS = ["PO-1", "PO_2", "CO-3"]  # one id that is also a customer order's
WORK_ORDERS = ["WO-1", "WO-2", "PO-1#w", "CO-2"]
UNIT_WORK = ["CO_1#0", "COx1#0", "CO-2#1", "PO_2#u", "POx2#u", "co-2#1", "Po_2#u"]  # LIKE's wildcards, other cases
NAMES = [*ORDERS, *PRODUCTIONS, *WORK_ORDERS, *UNIT_WORK, "other"]
SERIALS = [f"U-{k}" for k in range(6)]

productions = st.dictionaries(st.sampled_from(PRODUCTIONS), st.sampled_from(ORDERS), max_size=3)
work_orders = st.dictionaries(st.sampled_from(WORK_ORDERS), st.sampled_from(PRODUCTIONS), max_size=4)
operations = st.lists(st.tuples(st.sampled_from(SERIALS), st.sampled_from(NAMES)), max_size=12, unique=True)
links = st.lists(st.tuples(st.sampled_from(SERIALS), st.sampled_from(SERIALS)), max_size=6, unique=True)


@pytest.fixture
def desk(engine):
    store_plant(engine, load_plant(MINI), "mini.yaml")
    placed = datetime(2027, 1, 1, tzinfo=UTC)
    save_orders(
        engine, [CustomerOrder(o, SITE, "owner", "shop", "cart", {}, 1, placed, date(2027, 2, 1)) for o in ORDERS]
    )
    return engine


def store(engine, made_for, worked_under, worked, built_into) -> None:
    with engine.begin() as connection:
        for table in (WorkOrderRecord, ProductionOrderRecord, GenealogyOperation, GenealogyLink):
            connection.execute(delete(table))
        if made_for:
            connection.execute(
                insert(ProductionOrderRecord),
                [
                    {"id": po, "site": SITE, "material": "cart", "quantity": 1, "configuration": {}}
                    | {"due_date": date(2027, 2, 1), "customer_order": co, "state": "released"}
                    for po, co in made_for.items()
                ],
            )
        rows = [(wo, po) for wo, po in worked_under.items() if po in made_for]
        if rows:
            connection.execute(
                insert(WorkOrderRecord),
                [
                    {
                        "id": wo,
                        "production_order": po,
                        "position": 0,
                        "operation": "op",
                        "quantity": 1,
                        "state": "released",
                    }
                    for wo, po in rows
                ],
            )
        if worked:
            connection.execute(
                insert(GenealogyOperation),
                [
                    {"serial": s, "operation": "op", "work_order": w, "equipment": "e", "start_us": 0, "end_us": 1}
                    | {"quantity": 1}
                    for s, w in worked
                ],
            )
        if built_into:
            connection.execute(
                insert(GenealogyLink),
                [{"parent": p, "child": c, "ts_us": 0, "equipment": "e", "operation": "fit"} for p, c in built_into],
            )


def by_the_rule(order, made_for, worked_under, worked, built_into) -> set[str]:
    """The units of one order as the rule says, in plain Python."""
    own = {po for po, co in made_for.items() if co == order}
    names = {order} | own | {wo for wo, po in worked_under.items() if po in own}
    found = {s for s, w in worked if w in names or any(w.startswith(f"{n}#") for n in {order} | own)}
    return found - {c for p, c in built_into if p in found and c in found}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(made_for=productions, worked_under=work_orders, worked=operations, built_into=links)
def test_the_units_of_many_orders_at_once_are_each_orders_units_by_the_rule(
    desk, made_for, worked_under, worked, built_into
):
    store(desk, made_for, worked_under, worked, built_into)
    worked_under = {wo: po for wo, po in worked_under.items() if po in made_for}
    expected = {order: by_the_rule(order, made_for, worked_under, worked, built_into) for order in ORDERS}
    with desk.connect() as connection:
        assert serials_of_orders(connection, ORDERS) == expected
        assert {order: serials_of_order(connection, order) for order in ORDERS} == expected
