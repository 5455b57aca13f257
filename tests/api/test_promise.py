"""Promise dates against the ramp-up curve worked out independently: the constrained line is never promised more
units by a day than its ramp plan gives up to that day, no order could have been promised a day earlier,
and a cancelled order gives its capacity back."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta

import pytest
from sqlalchemy import text

from factoryos.c2m.promise import REQUESTED, PlantCapacity
from factoryos.model.rampup import ramp_curve
from factoryos.model.validate import load_plant

from .conftest import NOW, PLANT_FILE


def _working(day: date, holidays: set[date]) -> bool:
    return day.weekday() < 5 and day not in holidays


def test_promises_fill_the_ramp_up_line_day_by_day_and_no_further(api):
    plant = load_plant(PLANT_FILE)
    ramp, month = plant.ramp_up, plant.ramp_up.months[0]
    holidays = set(plant.calendars["day"].holidays)
    after = ramp.start.replace(month=ramp.start.month % 12 + 1, year=ramp.start.year + ramp.start.month // 12)
    works = sum(_working(ramp.start + timedelta(days=d), holidays) for d in range((after - ramp.start).days))
    # units the line makes a working day: the month's units spread over the days it plans, or more if it works more
    per_day = ramp_curve(plant)[0].planned_units / max(month.working_days, works)
    quantities = [5, 3, 8, 1, 6, 4, 7, 2] * 3
    promised = [date.fromisoformat(api.order(api.acme, quantity=q)["promised_date"]) for q in quantities]

    first = NOW.date() + timedelta(days=1)
    assert promised == sorted(promised)  # first come, first promised
    assert all(_working(d, holidays) and d >= first for d in promised)

    def capacity_through(day: date) -> float:
        days = (first + timedelta(days=n) for n in range((day - first).days + 1))
        return per_day * sum(_working(d, holidays) for d in days)

    for k, day in enumerate(promised):
        units_so_far = sum(quantities[: k + 1])
        assert units_so_far <= capacity_through(day) + 1e-6  # it fits by its day
        assert units_so_far > capacity_through(day - timedelta(days=1)) - 1e-6  # and not a day sooner


def test_the_promise_names_the_constrained_line_and_its_basis(api):
    placed = api.order(api.acme, quantity=4)
    assert placed["promise"]["work_center"] == "line"
    assert placed["promise"]["minutes"] == 4 * 600 / 60  # four units at the line's 600 s takt
    assert "line" in placed["promise"]["explanation"]
    assert "ramp-up month 1" in placed["promise"]["explanation"]  # promised inside the ramp's first month
    assert placed["promise"]["constraint"] == "line capacity"  # the plant keeps no stock of bought parts
    assert "material" in placed["promise"]["basis"]


def test_a_cancelled_order_gives_its_capacity_back(api):
    big = api.order(api.acme, quantity=60)
    quote = {"product": "acme-scooter", "quantity": 5}
    before = api.client.post("/api/v1/promise", headers=api.acme, json=quote).json()["promise"]["date"]
    api.client.post(f"/api/v1/orders/{big['id']}/cancel", headers=api.acme)
    after = api.client.post("/api/v1/promise", headers=api.acme, json=quote).json()["promise"]["date"]
    assert after < before
    assert after == api.order(api.acme, quantity=5)["promised_date"]


def test_orders_placed_at_once_never_book_a_day_past_its_capacity(api):
    """Twelve orders placed from six threads at once (on PostgreSQL, under the advisory lock; on SQLite, an
    immediate transaction): no day of the line holds more minutes than it has, and the bookings add up to
    the orders' minutes."""
    with ThreadPoolExecutor(6) as pool:
        placed = list(pool.map(lambda _: api.order(api.acme, quantity=7), range(12)))
    capacity = PlantCapacity(load_plant(PLANT_FILE))
    with api.engine.connect() as connection:
        booked = connection.execute(text("SELECT day, minutes FROM capacity_bookings WHERE work_center = 'line'"))
        days = {date.fromisoformat(str(day)): minutes for day, minutes in booked}
    for day, minutes in days.items():
        assert minutes <= capacity.minutes("line", day) + 1e-6
    assert sum(days.values()) == pytest.approx(sum(o["promise"]["minutes"] for o in placed))


def test_a_promise_asked_for_a_later_day_is_that_day_and_names_the_earliest(api):
    body = {"product": "acme-scooter", "quantity": 3}
    soonest = api.client.post("/api/v1/promise", headers=api.acme, json=body).json()["promise"]
    assert soonest["date"] == soonest["earliest"]
    later = api.client.post("/api/v1/promise", headers=api.acme, json=body | {"requested_date": "2027-06-01"})
    assert later.status_code == 200, later.text
    quote = later.json()["promise"]
    assert (quote["date"], quote["earliest"], quote["constraint"]) == ("2027-06-01", soonest["date"], REQUESTED)
    bad = api.client.post("/api/v1/promise", headers=api.acme, json=body | {"requested_date": "June"})
    assert bad.json()["detail"][0]["loc"] == ["body", "requested_date"]
