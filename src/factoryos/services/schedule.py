"""Schedule the open orders of a loaded plant and store the schedule: the use case behind `factoryos schedule`,
the demo's schedule stage and, later, the API and the closed loop."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine

from factoryos.c2m.replay import material_ready
from factoryos.model.orders import UNBUILT_STATES, CustomerOrder
from factoryos.model.plant import Plant
from factoryos.scheduling.plant import OPEN
from factoryos.scheduling.plant_schedule import PlantSchedule, schedule_plant
from factoryos.store.schedule import StoredSchedule, latest_schedule


def store_plan(engine: Engine, plan: PlantSchedule) -> int:
    """Store the plan's production and work orders and its operations schedule; returns the schedule id."""
    from factoryos.store.schedule import save_schedule

    problem = plan.plant_problem
    end = max((op.end for op in plan.operations), default=problem.epoch)
    return save_schedule(
        engine,
        problem.production_orders[0].site,
        plan.operations,
        production_orders=problem.production_orders,
        start=problem.epoch,
        end=end,
        objective=plan.objective,
        method=plan.method,
        figures=plan.summary(),
    )


def schedule_orders(
    engine: Engine, plant: Plant, orders: list[CustomerOrder], **options: object
) -> tuple[int, PlantSchedule]:
    """Schedule `orders` on the plant's work units (options as `schedule_plant` takes them), none before its bought
    material is in (stock, the file's open purchase orders and those released from plans, served in the sequence
    the order desk promised the orders, as the promise booked them), and store it."""
    from factoryos.services.plants import with_released_orders
    from factoryos.store.order_desk import promise_sequence

    sequence = promise_sequence(engine, plant.site.id)
    on_order = with_released_orders(engine, plant)  # the lots' bought parts come on them too
    ready = material_ready(on_order, orders, sequence)
    plan = schedule_plant(on_order, orders, material_ready=ready, **options)  # type: ignore[arg-type]
    return store_plan(engine, plan), plan


def schedule_open_orders(engine: Engine, site: str | None = None, **options: object) -> tuple[int, PlantSchedule]:
    """Schedule the loaded plant's open orders and store the schedule; returns its id and the plan."""
    from factoryos.store.orders import list_orders
    from factoryos.store.plants import read_plant

    plant = read_plant(engine, site)
    return schedule_orders(engine, plant, list_orders(engine, site=plant.site.id), **options)


def on_the_floor(engine: Engine, site: str | None = None) -> list[str]:
    """The loaded plant's orders released or in production: the floor has them, so rescheduling the open orders
    leaves them as they are."""
    from factoryos.store.orders import list_orders
    from factoryos.store.plants import read_plant

    floor = UNBUILT_STATES.difference(OPEN)
    return [o.id for o in list_orders(engine, site=read_plant(engine, site).site.id) if o.state in floor]


def stored_schedule(engine: Engine, site: str | None = None) -> StoredSchedule:
    """The newest stored schedule of the loaded plant (or of `site`), with its operations in order."""
    from factoryos.store.plants import read_plant

    return latest_schedule(engine, site or read_plant(engine, None).site.id)


def schedule_document(stored: StoredSchedule, equipment: str = "", limit: int | None = None) -> dict[str, Any]:
    """A stored schedule as plain JSON-ready data; operations filtered by an equipment prefix and capped."""
    chosen = [op for op in stored.operations if op.equipment.startswith(equipment)]
    return {
        "id": stored.id,
        "site": stored.site,
        "created_at": stored.created_at.isoformat(),
        "start": stored.start.isoformat(),
        "end": stored.end.isoformat(),
        "objective": stored.objective,
        "method": stored.method,
        "figures": stored.figures,
        "operations_total": len(chosen),
        "operations": [
            {
                "work_order": op.work_order,
                "production_order": op.production_order,
                "operation": op.operation,
                "equipment": op.equipment,
                "start": op.start.isoformat(),
                "end": op.end.isoformat(),
                "setup_minutes": op.setup_minutes,
                "serial": op.serial,
            }
            for op in chosen[:limit]
        ],
    }
