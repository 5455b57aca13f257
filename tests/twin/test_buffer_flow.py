"""A cell that works around the clock feeding a bench on the day shift through a buffer of `ROOM`: run on the twin,
a schedule that keeps the buffer does not block the cell over the bench's weekend, and one that does not blocks it
from when the buffer filled until the bench opens on Monday, as a hand count says.

The cell makes the module of a pack kit (a gadget is a body and a pack; the pack is fitted at the bench from one
module): the kit is released at the planned start of its first operation. Released with its gadget, whose body
is planned first, every module of the order was made as fast as the cell could, over the weekend too."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

import pytest

from factoryos.model.orders import CustomerOrder
from factoryos.scheduling import check
from factoryos.scheduling.plant import build_problem, production_orders, scheduled_operations
from factoryos.scheduling.rolling import rolling_sequence
from factoryos.twin import plant_defaults
from factoryos.twin.scenarios import prepare
from factoryos.twin.states import BLOCKED
from tests.twin.small_plants import _center, _unit, small_plant

ROOM = 3
UNITS = 30
FRIDAY = date(2027, 1, 8)
EPOCH = datetime(2027, 1, 8, tzinfo=UTC)
MODULE_HOURS = 1.0


def kit_plant():
    """The cell (24/7, lights-out) makes modules in an hour; the bench fits a pack in 5 min, 06:00-14:00 Monday
    to Friday, with room for `ROOM` modules; the final cell (24/7) checks bodies and gadgets in a minute."""
    return small_plant(
        areas={
            "front": {
                "work_centers": {
                    "cell": _center("cell", {"cell-1": _unit("coater")}, lights_out=True),
                    "bench": {
                        **_center("line", {"bench-1": _unit("assembler")}, buffer_capacity=ROOM),
                        "calendar": "days",
                        "operators_per_shift": 1,
                    },
                    "final": _center("cell", {"final-1": _unit("checker")}, lights_out=True),
                }
            }
        },
        materials={
            "gadget": {"kind": "finished", "source": "make"},
            "body": {"kind": "sub-assembly", "source": "make"},
            "pack": {"kind": "sub-assembly", "source": "make"},
            "module": {"kind": "sub-assembly", "source": "make"},
        },
        boms={
            "gadget": [{"component": "body", "quantity": 1}, {"component": "pack", "quantity": 1}],
            "pack": [{"component": "module", "quantity": 1}],
        },
        routings={
            "gadget": {"operations": [{"id": "check", "capability": "check", "run_minutes": 1.0}]},
            "body": {"operations": [{"id": "check", "capability": "check", "run_minutes": 1.0}]},
            "pack": {"operations": [{"id": "fit", "capability": "join", "run_minutes": 5.0}]},
            "module": {"operations": [{"id": "make", "capability": "coat", "run_minutes": MODULE_HOURS * 60}]},
        },
        products={"gadget": {"material": "gadget", "tenant": "acme", "demand": {"units_per_day": 10}}},
        suppliers={},
    )


def cell_blocked_hours(monkeypatch, keep_buffer: bool) -> float:
    """`UNITS` gadgets ordered on Friday at midnight, scheduled by the rolling sequence (without the bench's
    buffer unless `keep_buffer`) and run on the twin to Monday's midnight with exact run times: the cell's hours
    blocked."""
    monkeypatch.setattr(plant_defaults, "RUN_CV", 0.0)
    plant = kit_plant()
    order = CustomerOrder("CO1", "works", "acme", "shop", "gadget", {}, UNITS, EPOCH, date(2027, 1, 13))
    plant_problem = build_problem(plant, production_orders(plant, [order]), EPOCH, {}, calendar_days=14)
    problem = plant_problem.problem if keep_buffer else replace(plant_problem.problem, buffers=())
    schedule = rolling_sequence(problem)
    assert check(problem, schedule) == []
    operations = scheduled_operations(replace(plant_problem, problem=problem), schedule)
    prepared = prepare(plant, "smart", 3, 1, orders=[order], schedule=operations, warmup_days=0, start=FRIDAY)
    prepared.floor.run(prepared.horizon)
    cell = prepared.floor.equipment[plant.equipment_path("cell-1")]
    return cell.state_time[BLOCKED] / 3600


def test_a_schedule_that_keeps_the_buffer_never_blocks_the_cell(monkeypatch):
    assert cell_blocked_hours(monkeypatch, keep_buffer=True) == pytest.approx(0.0, abs=1e-6)


def test_a_schedule_that_overfills_the_buffer_blocks_the_cell_until_the_bench_opens(monkeypatch):
    """Made as fast as the cell goes, a module an hour from midnight: the `ROOM` first fill the buffer and the next
    is held, blocked, until the bench opens at 06:00; the bench shuts at 14:00 holding the module made then, and
    `ROOM` more fill the buffer by 17:00; the one made at 18:00 is held for the rest of the weekend."""
    morning = 6 - (ROOM + MODULE_HOURS)
    weekend = 72 - (14 + ROOM + MODULE_HOURS)
    assert cell_blocked_hours(monkeypatch, keep_buffer=False) == pytest.approx(morning + weekend)
