from collections import Counter
from datetime import date

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from factoryos.c2m.demand import generate_orders
from factoryos.model.errors import FactoryosError
from factoryos.store import plants as plant_store
from factoryos.store.orders import list_orders, save_orders
from factoryos.store.plants import read_plant, store_plant, stored_sites
from factoryos.store.tables import PLANT_TABLES, MaterialRecord, PlantRecord


def snapshot(engine) -> dict[str, list[tuple]]:
    """Every plant row, in key order, to compare the database before and after."""
    result = {}
    with Session(engine) as session:
        for table in (PlantRecord, *PLANT_TABLES):
            rows = session.scalars(select(table)).all()
            columns = [c.key for c in table.__table__.columns if c.key != "loaded_at"]
            result[table.__tablename__] = sorted(tuple(repr(getattr(r, c)) for c in columns) for r in rows)
    return result


def test_load_stores_every_part_and_reads_back_the_same_plant(engine, ev_plant):
    summary = store_plant(engine, ev_plant, "examples/ev-plant.yaml")
    assert summary.added["materials"] == len(ev_plant.materials)
    assert summary.added["equipment"] == (
        len(ev_plant.areas) + len(ev_plant.work_centers()) + len(ev_plant.work_units())
    )
    assert summary.added["bom_lines"] == sum(len(lines) for lines in ev_plant.boms.values())
    assert read_plant(engine) == ev_plant


def test_reloading_changes_nothing(engine, ev_plant):
    store_plant(engine, ev_plant, "examples/ev-plant.yaml")
    before = snapshot(engine)
    summary = store_plant(engine, ev_plant, "examples/ev-plant.yaml")
    assert not summary.changed
    assert snapshot(engine) == before


def test_a_changed_file_updates_in_place_and_removes_what_is_gone(engine, ev_plant):
    store_plant(engine, ev_plant, "ev.yaml")
    changed = ev_plant.model_copy(deep=True)
    uses = Counter(line.component for lines in changed.boms.values() for line in lines)
    gone = next(m for m, n in uses.items() if n == 1 and changed.materials[m].source == "buy")
    kept = next(m for m in changed.materials if m != gone)
    changed.materials[kept].safety_stock += 10
    del changed.materials[gone]
    changed.boms = {parent: [x for x in lines if x.component != gone] for parent, lines in changed.boms.items()}
    for supplier in changed.suppliers.values():
        supplier.materials = [m for m in supplier.materials if m != gone]
    changed.inventory = [lot for lot in changed.inventory if lot.material != gone]
    summary = store_plant(engine, changed, "ev.yaml")
    assert summary.updated["materials"] == 1
    assert summary.removed["materials"] == 1
    assert summary.removed["bom_lines"] >= 1
    with Session(engine) as session:
        assert session.get(MaterialRecord, {"site": ev_plant.site.id, "id": gone}) is None
        assert (
            session.get(MaterialRecord, {"site": ev_plant.site.id, "id": kept}).safety_stock
            == changed.materials[kept].safety_stock
        )
        assert session.scalar(select(func.count()).select_from(MaterialRecord)) == len(changed.materials)
    assert read_plant(engine) == changed


def test_a_load_that_fails_midway_changes_nothing(engine, ev_plant, monkeypatch):
    store_plant(engine, ev_plant, "ev.yaml")
    before = snapshot(engine)
    changed = ev_plant.model_copy(deep=True)
    for material in changed.materials.values():
        material.safety_stock += 1
    real_sync = plant_store._sync_table
    calls = []

    def failing_sync(session, table, site, rows, summary):
        calls.append(table)
        if len(calls) == 3:
            raise RuntimeError("disk full")
        real_sync(session, table, site, rows, summary)

    monkeypatch.setattr(plant_store, "_sync_table", failing_sync)
    with pytest.raises(RuntimeError):
        store_plant(engine, changed, "ev.yaml")
    assert snapshot(engine) == before


def test_removing_a_product_that_has_orders_is_refused_and_changes_nothing(engine, appliance_plant):
    store_plant(engine, appliance_plant, "appliance.yaml")
    orders = generate_orders(appliance_plant, date(2027, 1, 4), 3, seed=1)
    save_orders(engine, orders)
    before = snapshot(engine)
    product = orders[0].product
    shrunk = appliance_plant.model_copy(deep=True)
    del shrunk.products[product]
    ordered = sum(1 for o in orders if o.product == product)
    refused = rf"would remove products that stored orders refer to: '{product}' \({ordered:,} stored orders\)"
    with pytest.raises(FactoryosError, match=refused):
        store_plant(engine, shrunk, "appliance.yaml")
    assert snapshot(engine) == before
    assert len(list_orders(engine)) == len(orders)


def test_two_plants_live_side_by_side(engine, ev_plant, appliance_plant):
    assert stored_sites(engine) == []
    store_plant(engine, ev_plant, "ev.yaml")
    store_plant(engine, appliance_plant, "appliance.yaml")
    assert stored_sites(engine) == sorted([ev_plant.site.id, appliance_plant.site.id])
    assert read_plant(engine, appliance_plant.site.id) == appliance_plant
    with pytest.raises(FactoryosError, match="several plants"):
        read_plant(engine)
    with pytest.raises(FactoryosError, match="no plant 'nowhere'"):
        read_plant(engine, "nowhere")


def test_two_loads_at_once_both_finish_and_store_the_plant_once(engine, ev_plant, at_once):
    """The second load waits for the first, then finds nothing to change (it raced to insert the plant)."""
    outcomes = at_once(lambda: store_plant(engine, ev_plant, "ev.yaml"))
    assert all(not isinstance(o, Exception) for o in outcomes), outcomes
    assert sorted(o.changed for o in outcomes) == [False, True]
    assert read_plant(engine) == ev_plant
