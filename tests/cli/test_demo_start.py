"""`factoryos demo --start DATE`: the demo's first day reaches the orders, the schedule and the twin; a date
that is not one is a one-line error."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from factoryos.examples import example_plant
from factoryos.model.validate import load_plant
from factoryos.store.db import make_engine
from factoryos.store.orders import list_orders
from factoryos.store.schedule import latest_schedule
from tests.cli.test_cli import factoryos

START = date(2027, 6, 9)  # a Wednesday, not the ramp-up's start


def test_the_demo_starts_on_the_given_day(tmp_path) -> None:
    result = factoryos("demo", "--days", "2", "--start", START.isoformat(), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    out = tmp_path / "factoryos-report"
    engine = make_engine(f"sqlite:///{out / 'demo.db'}")
    orders = list_orders(engine)
    assert orders
    zone = ZoneInfo(load_plant(example_plant("ev-plant")).site.timezone)  # the days are the site's
    assert min(o.placed_on(zone) for o in orders) == START
    assert max(o.placed_on(zone) for o in orders) < START + timedelta(days=2)
    schedule = latest_schedule(engine, orders[0].site)
    midnight = datetime.combine(START, time(), zone)
    assert schedule.start.replace(tzinfo=UTC) == midnight
    assert min(op.start for op in schedule.operations).replace(tzinfo=UTC) >= midnight
    report = (out / "index.html").read_text()
    assert f"from {START:%A %Y-%m-%d}" in report  # the twin runs from the start, on the site's dates
    engine.dispose()


@pytest.mark.parametrize("bad", ["2027-02-30", "09/06/2027", "tomorrow", "0001-01-01"])
def test_a_start_that_is_not_a_plausible_date_is_one_line(tmp_path, bad) -> None:
    result = factoryos("demo", "--days", "2", "--start", bad, cwd=tmp_path)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    [line] = result.stderr.strip().splitlines()
    assert "--start" in line
    assert not (tmp_path / "factoryos-report").exists()  # rejected before anything runs
