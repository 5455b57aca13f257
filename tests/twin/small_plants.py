"""Small plant files written for the twin's tests: each shows one structure a real plant has (parallel
lines, batch equipment, lots, two products sharing a cell), with ids of its own."""

from __future__ import annotations

import copy
from typing import Any

from factoryos.model.plant import Plant
from factoryos.twin.calendar import DAY


def _unit(equipment_class: str, **extra: Any) -> dict[str, Any]:
    return {"equipment_class": equipment_class, **extra}


def _center(kind: str, units: dict[str, Any], buffer_capacity: int = 20, **extra: Any) -> dict[str, Any]:
    """A work center that works around the clock."""
    return {"kind": kind, "calendar": "always", "buffer_capacity": buffer_capacity, **extra, "work_units": units}


WEEK = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
BASE: dict[str, Any] = {
    "source": "test plant",
    "enterprise": {"id": "acme", "name": "Acme"},
    "site": {"id": "works", "name": "Works"},
    "tenants": {"acme": {"role": "owner"}, "ally": {"role": "partner"}},
    "customers": {"shop": {"tenant": "acme"}, "ally-shop": {"tenant": "ally"}},
    "equipment_classes": {
        "coater": {"capabilities": ["coat"]},
        "dryer": {"capabilities": ["dry"]},
        "kiln": {"capabilities": ["fire"]},
        "assembler": {"capabilities": ["join"]},
        "checker": {"capabilities": ["check"]},
    },
    "calendars": {
        "always": {"shifts": [{"name": "all", "start": "00:00", "end": "00:00", "days": WEEK}]},
        "days": {"shifts": [{"name": "d", "start": "06:00", "end": "14:00"}]},
        "evenings": {
            "shifts": [{"name": "d", "start": "06:00", "end": "14:00"}, {"name": "e", "start": "14:00", "end": "22:00"}]
        },
    },
    "areas": {
        "front": {
            "work_centers": {
                "line-x": _center("line", {"x-coat": _unit("coater"), "x-dry": _unit("dryer")}),
                "line-y": _center("line", {"y-coat": _unit("coater"), "y-dry": _unit("dryer")}),
                "kilns": _center("cell", {"kiln-1": _unit("kiln")}, buffer_capacity=200),
            }
        },
        "back": {
            "work_centers": {
                "final-p": _center(
                    "paced-line", {"p-1": _unit("assembler"), "p-2": _unit("assembler")}, takt_seconds=60
                ),
                "final-q": _center(
                    "paced-line", {"q-1": _unit("assembler"), "q-2": _unit("assembler")}, takt_seconds=60
                ),
                "check-cell": _center("cell", {"chk-1": _unit("checker"), "chk-2": _unit("checker")}),
            }
        },
    },
    "materials": {
        "gadget": {"kind": "finished", "source": "make"},
        "widget": {"kind": "finished", "source": "make"},
        "plate": {"kind": "sub-assembly", "source": "make"},
        "screw": {"kind": "component", "source": "buy"},
    },
    "boms": {
        "gadget": [{"component": "plate", "quantity": 1}, {"component": "screw", "quantity": 2}],
        "widget": [{"component": "screw", "quantity": 1}],
        "plate": [{"component": "screw", "quantity": 1}],
    },
    "routings": {
        "gadget": {
            "operations": [
                {"id": "assemble", "capability": "join", "run_minutes": 1.0},
                {"id": "check", "capability": "check", "run_minutes": 1.0},
            ]
        },
        "widget": {"operations": [{"id": "check", "capability": "check", "run_minutes": 1.0}]},
        "plate": {
            "operations": [
                {"id": "coat", "capability": "coat", "run_minutes": 1.0},
                {"id": "dry", "capability": "dry", "run_minutes": 1.0},
                {"id": "fire", "capability": "fire", "run_minutes": 30.0, "batch_size": 20},
            ]
        },
    },
    "products": {
        "gadget": {"material": "gadget", "tenant": "acme", "demand": {"units_per_day": 400}},
        "widget": {"material": "widget", "tenant": "ally", "demand": {"units_per_day": 200}},
    },
    "suppliers": {"bolts": {"lead_time_days": 1, "materials": ["screw"]}},
}


def small_plant(**changes: Any) -> Plant:
    """The base plant with top-level sections replaced or, for a key with "__" ("materials__plate"), one entry."""
    data = copy.deepcopy(BASE)
    for key, value in changes.items():
        target = data
        *path, last = key.split("__")
        for part in path:
            target = target[part]
        target[last] = value
    return Plant.model_validate(data)


def flavour_lines_plant(products_sharing: bool = True) -> Plant:
    """Two paced lines that fill, label and pack (a fast one and a slower one), the fillers changing over between
    the two flavours customers choose: 20 minutes either way. With `products_sharing` both products are packed
    (each line runs as its stations), else only gadgets (each line runs as one paced line)."""
    stations = ("fill", "label", "pack")
    operations: list[dict[str, Any]] = [{"id": op, "capability": op, "run_minutes": 0.5} for op in stations]
    operations[0]["changeover_group"] = "flavour-change"
    lines = {
        name: _center("paced-line", {f"{name}-{op}": _unit(f"{op}er") for op in stations}, takt_seconds=takt)
        for name, takt in (("fast", 30), ("slow", 50))
    }
    flavours = {"flavour": {"default": "lime", "options": {"lime": {"mix": 0.5}, "plum": {"mix": 0.5}}}}
    products = {"gadget": (900, "acme"), "widget": (300, "ally")} if products_sharing else {"gadget": (900, "acme")}
    return small_plant(
        equipment_classes={f"{op}er": {"capabilities": [op]} for op in stations},
        areas={"packing": {"work_centers": lines}},
        materials={name: BASE["materials"][name] for name in (*products, "screw")},
        boms={name: [{"component": "screw", "quantity": 1}] for name in products},
        routings={name: {"operations": operations} for name in products},
        changeovers={"flavour-change": {"attribute": "flavour", "default_minutes": 20}},
        products={
            name: {
                "material": name,
                "tenant": tenant,
                "option_families": flavours,
                "demand": {"units_per_day": per_day, "units_per_order": [20, 60]},
            }
            for name, (per_day, tenant) in products.items()
        },
    )


TAKT = 60.0
LONG, SHORT = 2 * TAKT / 60, TAKT / 2 / 60  # run minutes at each zone: twice the takt, half of it


def zoned_plant(*products: tuple[str, float]):
    """One paced line of takt T, a drive zone and a finish zone, around the clock; each product's work at each
    zone (run minutes), with a demand above what the line can build."""
    zones = {"drive-zone": {"capabilities": ["drive"]}, "finish-zone": {"capabilities": ["finish"]}}
    line = {
        "kind": "paced-line",
        "calendar": "always",
        "takt_seconds": TAKT,
        "operators_per_shift": 4,
        "buffer_capacity": 20,
        "work_units": {"zone-d": {"equipment_class": "drive-zone"}, "zone-f": {"equipment_class": "finish-zone"}},
    }
    names = [name for name, _ in products]
    return small_plant(
        equipment_classes=zones,
        areas={"assembly": {"work_centers": {"line-z": line}}},
        materials={
            **{name: {"kind": "finished", "source": "make"} for name in names},
            "screw": {"kind": "component", "source": "buy"},
        },
        boms={name: [{"component": "screw", "quantity": 1}] for name in names},
        routings={
            name: {
                "operations": [
                    {"id": "drive", "capability": "drive", "run_minutes": minutes},
                    {"id": "finish", "capability": "finish", "run_minutes": minutes},
                ]
            }
            for name, minutes in products
        },
        products={
            name: {"material": name, "tenant": "acme", "demand": {"units_per_day": DAY / TAKT}} for name in names
        },
        suppliers={"bolts": {"lead_time_days": 1, "materials": ["screw"], "weekly_capacity": 10**7}},
        inventory=[{"material": "screw", "location": "store", "lot": "S-1", "quantity": 10**6}],
    )
