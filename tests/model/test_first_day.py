"""Where a plant's plans, order streams and demos start when no day is given."""

from datetime import date


def test_a_ramping_plant_starts_at_its_ramp(ev_plant):
    assert ev_plant.ramp_up is not None
    assert ev_plant.first_day() == ev_plant.ramp_up.start


def test_a_running_plant_starts_when_its_stock_was_counted(appliance_plant):
    assert appliance_plant.ramp_up is None
    assert appliance_plant.as_of is not None
    assert appliance_plant.first_day() == appliance_plant.as_of
    assert min(po.due for po in appliance_plant.purchase_orders) >= appliance_plant.as_of


def test_a_plant_that_says_neither_starts_today(appliance_plant):
    assert appliance_plant.model_copy(update={"as_of": None}).first_day() == date.today()


def test_a_run_that_must_be_the_same_whenever_it_runs_gives_its_own_default(appliance_plant):
    monday = date(2027, 1, 4)
    assert appliance_plant.model_copy(update={"as_of": None}).first_day(default=monday) == monday
    assert appliance_plant.first_day(default=monday) == appliance_plant.as_of


def test_a_ramp_that_starts_before_the_stock_was_counted_starts_when_it_was(ev_plant):
    """Nothing is built on stock not counted yet: the later of the ramp's start and `as_of`."""
    start = ev_plant.ramp_up.start
    counted_later = ev_plant.model_copy(update={"as_of": date(start.year, start.month, start.day + 14)})
    assert counted_later.first_day() == counted_later.opening == counted_later.as_of
    counted_before = ev_plant.model_copy(update={"as_of": date(start.year, start.month - 1, 1)})
    assert counted_before.first_day() == start
