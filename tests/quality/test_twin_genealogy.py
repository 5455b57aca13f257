"""Genealogy built from a real twin run: the twin's events go into the store as the ingester would store
them, and every finished unit's backward trace holds a lot of each component its bill of materials draws
from stock, which in turn traces forward to that unit."""

from __future__ import annotations

import random

from sqlalchemy import select

from factoryos.model.bus import EventBus
from factoryos.quality.genealogy import order_keys
from factoryos.services.trace import trace_lot, trace_serial
from factoryos.store.genealogy import GenealogyOperation
from factoryos.store.timeseries import TelemetryStore
from factoryos.twin.scenarios import prepare

from ..twin.small_plants import small_plant

LOTS_OF_50 = {"kind": "sub-assembly", "source": "make", "lot_size": {"rule": "fixed", "quantity": 50}}


def test_every_finished_unit_traces_back_to_a_lot_of_each_stocked_component(sqlite_url):
    from factoryos.store.db import make_engine

    engine = make_engine(sqlite_url)
    plant = small_plant(materials__plate=LOTS_OF_50)
    prepared = prepare(plant, "smart", 2, 1, bus=EventBus(TelemetryStore(engine)))
    prepared.floor.run(prepared.horizon)
    with engine.connect() as connection:
        finished = sorted(
            connection.execute(
                select(GenealogyOperation.serial)
                .where(GenealogyOperation.operation == "gadget/check", GenealogyOperation.end_us.is_not(None))
                .distinct()
            ).scalars()
        )
    assert len(finished) > 50
    made_plates: set[str] = set()
    for serial in random.Random(1).sample(finished, 25):
        trace = trace_serial(engine, serial)
        lots = [c["id"] for c in trace["components"] if c["kind"] == "lot" and c["in"] == serial]
        plates = [lot for lot in lots if _is_plate_lot(trace, lot)]
        assert len(plates) == 1, (serial, lots)
        made_plates.update(plates)
        operations = [o for o in trace["operations"] if o["serial"] == serial]
        assert [o["operation"] for o in operations][-1] == "gadget/check"
        assert len(operations) == 2  # assembled on a final line, then checked
        assert all(o["end"] is not None for o in operations)
    lot = sorted(made_plates)[0]
    units = trace_lot(engine, lot)["units"]
    assert 0 < len(units) <= 51  # a lot of 50 plates, one a unit; a unit may draw across two lots at each end
    assert all(lot in {c["id"] for c in trace_serial(engine, unit)["components"]} for unit in units)


def _is_plate_lot(trace: dict, lot: str) -> bool:
    """A plate lot: one the twin made as plates (coated, dried, fired)."""
    made_as = {o["operation"].split("/")[0] for o in trace["operations"] if o["serial"] == lot}
    return made_as == {"plate"}


def test_a_scenarios_own_orders_never_name_a_stored_order(sqlite_url):
    """`factoryos simulate` draws orders of its own; published and ingested into a store that holds the order
    desk's (CO0000001, ...), its units must not be traced to those."""
    from factoryos.store.db import make_engine

    engine = make_engine(sqlite_url)
    prepared = prepare(small_plant(), "smart", 1, 1, bus=EventBus(TelemetryStore(engine)))
    prepared.floor.run(prepared.horizon)
    with engine.connect() as connection:
        work = connection.execute(select(GenealogyOperation.work_order).distinct()).scalars().all()
    keys = {key for work_order in work for key in order_keys(work_order)}
    assert keys
    assert not any(key.startswith("CO") for key in keys), sorted(keys)[:5]


def test_the_plant_files_lots_of_a_made_part_are_drawn_first_and_traced(sqlite_url):
    """Plates made in lots of 50, with two lots of them in the plant file's inventory (30 and 40): the twin opens
    its supermarket with those lots, and the first 30 units draw from the first, the next from the second; a recall
    of either finds exactly the units that drew from it."""
    from factoryos.store.db import make_engine

    engine = make_engine(sqlite_url)
    inventory = [
        {"material": "plate", "location": "store", "lot": "PL-A", "quantity": 30},
        {"material": "plate", "location": "store", "lot": "PL-B", "quantity": 40},
    ]
    plant = small_plant(materials__plate=LOTS_OF_50, inventory=inventory)
    prepared = prepare(plant, "smart", 2, 1, bus=EventBus(TelemetryStore(engine)))
    prepared.floor.run(prepared.horizon)
    first, second = trace_lot(engine, "PL-A")["units"], trace_lot(engine, "PL-B")["units"]
    assert len(first) == 30
    assert len(second) == 40
    assert not set(first) & set(second)
