"""A made material without a lead time in the plant file takes the working days its routing takes a lot.

The plant: a kit is made from a short sub-assembly (2 h a unit, made as needed), a long one (made in fixed lots
of 10: 1 h of setup and 228 min a unit on a unit twice as fast as the bench, 20 h a lot), and a given one (the
long one's routing, but 5 days in the plant file), each of a part on call. The cell works 8 h on weekdays.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from typer.testing import CliRunner

from factoryos.cli import app
from factoryos.model.orders import CustomerOrder
from factoryos.model.plant import Plant
from factoryos.model.validate import check_plant_text
from factoryos.planning.mrp import plan
from factoryos.planning.plant_problem import DemandRow, plant_problem, routing_lead_time
from factoryos.services.plan import derived_lead_times
from factoryos.store.db import make_engine, migrate
from factoryos.store.orders import save_orders
from factoryos.store.plants import read_plant, store_plant

PLANT = """
source: Test fixture; invented figures.
enterprise: {id: kits, name: Kit Co}
site: {id: kit-site, name: Kit site}
tenants: {owner: {name: Kit Co, role: owner}}
customers: {shop: {name: Shop, tenant: owner}}
equipment_classes: {bench: {capabilities: [assemble]}}
calendars:
  day: {shifts: [{name: day, start: "08:00", end: "16:00"}]}
areas:
  shop:
    work_centers:
      cell:
        calendar: day
        work_units: {bench-1: {equipment_class: bench}, fast-1: {equipment_class: bench, speed_factor: 2}}
materials:
  kit: {kind: finished, source: make, lead_time_days: 0}
  short: {kind: sub-assembly, source: make}
  long: {kind: sub-assembly, source: make, lot_size: {rule: fixed, quantity: 10}}
  given: {kind: sub-assembly, source: make, lead_time_days: 5, lot_size: {rule: fixed, quantity: 10}}
  part: {kind: component, source: buy, on_call: true}
boms:
  kit:
    - {component: short, quantity: 1}
    - {component: long, quantity: 1}
    - {component: given, quantity: 1}
  short: [{component: part, quantity: 1}]
  long: [{component: part, quantity: 1}]
  given: [{component: part, quantity: 1}]
routings:
  kit: {operations: [{id: pack, capability: assemble, run_minutes: 10}]}
  short: {operations: [{id: fit, capability: assemble, run_minutes: 120}]}
  long: &long {operations: [{id: build, capability: assemble, setup_minutes: 60, run_minutes: 228}]}
  given: *long
products:
  kit: {material: kit, tenant: owner}
suppliers:
  parts-co: {lead_time_days: 2, materials: [part]}
"""
START = date(2027, 3, 1)  # a Monday
DUE = date(2027, 3, 19)  # a Friday


@pytest.fixture(scope="module")
def kits() -> Plant:
    plant, issues = check_plant_text(PLANT)
    assert plant is not None, issues
    return plant


def _working_days_before(plant: Plant, day: date, days: int) -> date:
    """The day `days` working days of the cell's calendar before `day`."""
    while days:
        day -= timedelta(days=1)
        days -= plant.calendars["day"].works_on(day)
    return day


def test_a_made_materials_lead_time_is_its_routings_working_days_for_a_lot(kits):
    # 2 h over an 8 h day is a quarter of a day: one day. 60 + 10 x 228 / 2 = 1,200 min = 20 h on the fast
    # unit is 2.5 days: three. The plant file's 5 days and 0 days stand.
    assert routing_lead_time(kits, "short", {})[0] == 1
    assert routing_lead_time(kits, "long", {})[0] == 3
    items = {i.id: i for i in plant_problem(kits, START, 30, []).items}
    assert {m: items[m].lead_time_days for m in ("kit", "short", "long", "given")} == {
        "kit": 0,
        "short": 1,
        "long": 3,
        "given": 5,
    }
    assert not items["given"].lead_time_basis
    assert not items["kit"].lead_time_basis
    assert "20.0 h a lot of 10" in items["long"].lead_time_basis


def test_a_planned_order_is_released_its_lead_time_in_working_days_before_it_is_due(kits):
    problem = plant_problem(kits, START, 30, [DemandRow("CO-1", "kit", DUE, 10, "order", "CO-1", {})])
    orders = {o.material: o for o in plan(problem).planned_orders}
    assert orders["kit"].release == orders["kit"].due == DUE
    for material, days in (("short", 1), ("long", 3), ("given", 5)):
        assert orders[material].due == DUE
        assert orders[material].release == _working_days_before(kits, DUE, days)
    assert orders["long"].release == date(2027, 3, 16)
    assert orders["given"].release == date(2027, 3, 12)  # the week before: the weekend does not count
    assert orders["long"].note.startswith("lead time 3 working days from its routing")
    assert orders["given"].note == ""
    assert derived_lead_times(problem) == {"long": 3, "short": 1}


def test_the_stored_plant_still_says_which_lead_times_are_not_given_and_plan_lists_those_derived(sqlite_url):
    """The store keeps the plant as its validated document, defaults filled in: a lead time not given must stay
    not given there (a default of 0 read back would be taken as given)."""
    engine = make_engine(sqlite_url)
    migrate(engine)
    store_plant(engine, check_plant_text(PLANT)[0], "kits.yaml")
    assert read_plant(engine).materials["long"].lead_time_days is None
    placed = datetime(2027, 3, 1, 9, tzinfo=UTC)
    save_orders(engine, [CustomerOrder("CO-1", "kit-site", "owner", "shop", "kit", {}, 10, placed, DUE)])
    result = CliRunner().invoke(app, ["plan", "--horizon-days", "30", "--start", "2027-03-01", "--db", sqlite_url])
    assert result.exit_code == 0, result.output
    assert "lead times from the routings (2 made materials without lead_time_days in the plant file)" in result.output
    assert "long 3 days and short 1 day" in result.output
