"""Random valid plants for property tests: a hypothesis strategy that draws a plant file as plain data.

`plant_files()` draws the mapping a plant file's YAML holds, varying what the schema lets a plant say: one to three
areas; cells, lines and paced lines of one to three parallel work units, pooled where work centers share a
capability, some drifting or breaking down, some behind a small buffer; calendars of one, two or three shifts with
breaks, a Saturday morning, or round the clock lights-out, with holidays and maintenance, from a day in winter or
before a daylight-saving change; a paced line in ramp-up; bills two to four levels deep of made parts in lots over
bought parts (on call, or planned from suppliers with lead times, minimums, weekly capacities, late deliveries,
stock and open orders), some scrapped or drawn at a later operation; batch operations, setups, changeovers, yields
and inspections; option families that pick a bill line or an operation, tied by a rule; partner tenants with
products and customers of their own. `plant_text` dumps one to YAML for `factoryos.model.validate.check_plant_text`.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import yaml
from hypothesis import strategies as st

STARTS = [date(2027, 1, 4), date(2027, 3, 11), date(2027, 3, 25), date(2027, 10, 28)]
"""The days a generated plant is counted (`as_of`) and run from: a Monday in winter, and the Thursdays before the
daylight-saving changes of North America's spring and Europe's spring and autumn."""
EVERY_DAY = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
CALENDARS: dict[str, dict[str, Any]] = {
    "one-shift": {
        "shifts": [{"name": "day", "start": "06:00", "end": "14:00", "breaks": [{"start": "10:00", "minutes": 30}]}]
    },
    "two-shifts": {
        "shifts": [
            {"name": "early", "start": "06:00", "end": "14:00", "breaks": [{"start": "10:00", "minutes": 30}]},
            {"name": "late", "start": "14:00", "end": "22:00", "breaks": [{"start": "18:00", "minutes": 30}]},
        ]
    },
    "three-shifts": {
        "shifts": [
            {"name": "a", "start": "06:00", "end": "14:00", "breaks": [{"start": "10:00", "minutes": 20}]},
            {"name": "b", "start": "14:00", "end": "22:00", "breaks": [{"start": "18:00", "minutes": 20}]},
            {"name": "c", "start": "22:00", "end": "06:00", "days": ["sun", "mon", "tue", "wed", "thu"]},
        ]
    },
    "round-the-clock": {"shifts": [{"name": "all", "start": "00:00", "end": "00:00", "days": EVERY_DAY}]},
    "weekdays-and-saturday-morning": {
        "shifts": [
            {"name": "day", "start": "07:00", "end": "15:30", "breaks": [{"start": "12:00", "minutes": 30}]},
            {"name": "saturday", "start": "07:00", "end": "11:00", "days": ["sat"]},
        ]
    },
}
MIXES = [[1.0], [0.5, 0.5], [0.7, 0.3], [0.5, 0.3, 0.2]]


def plant_text(plant: dict[str, Any]) -> str:
    return yaml.safe_dump(plant, sort_keys=False)


@st.composite
def _calendars(draw: st.DrawFn, start: date) -> dict[str, dict[str, Any]]:
    """One to three of the calendar shapes, each maybe with a holiday in the first fortnight."""
    names = draw(st.lists(st.sampled_from(sorted(CALENDARS)), min_size=1, max_size=3, unique=True))
    calendars = {}
    for name in names:
        calendar = dict(CALENDARS[name])
        holidays = draw(st.lists(st.integers(0, 13), max_size=2, unique=True))
        if holidays:
            calendar["holidays"] = [(start + timedelta(days=d)).isoformat() for d in sorted(holidays)]
        calendars[name] = calendar
    return calendars


@st.composite
def _work_center(draw: st.DrawFn, number: int, calendars: list[str], capabilities: int) -> dict[str, Any]:
    """A cell, line or paced line of one to three work units of one equipment class."""
    calendar = draw(st.sampled_from(calendars))
    kind = draw(st.sampled_from(["cell", "line", "paced-line", "storage"]))
    center: dict[str, Any] = {"kind": kind, "calendar": calendar}
    if kind == "paced-line":
        center["takt_seconds"] = draw(st.sampled_from([60, 120, 300, 600]))
    if draw(st.integers(0, 3)) == 0:
        center["buffer_capacity"] = draw(st.sampled_from([1, 2]))
    if calendar == "round-the-clock" and draw(st.booleans()):
        center["lights_out"] = True
    else:
        center["operators_per_shift"] = draw(st.integers(0, 3))
    equipment_class = f"c{draw(st.integers(0, capabilities - 1))}"
    units = {}
    for k in range(draw(st.integers(1, 3))):
        unit: dict[str, Any] = {"equipment_class": equipment_class}
        if draw(st.booleans()):
            unit["speed_factor"] = draw(st.sampled_from([0.8, 1.25]))
        if draw(st.integers(0, 3)) == 0:
            unit.update(mtbf_hours=draw(st.sampled_from([20, 80])), mttr_hours=draw(st.sampled_from([0.5, 2])))
        if draw(st.integers(0, 5)) == 0:
            unit["drift"] = {"after_hours": draw(st.sampled_from([0, 24])), "sigmas_per_hour": 0.2}
        units[f"w{number}u{k}"] = unit
    center["work_units"] = units
    return center


@st.composite
def _areas(draw: st.DrawFn, calendars: list[str]) -> tuple[dict[str, Any], set[str]]:
    """One to three areas of two to six work centers in all, and the capabilities they offer."""
    capabilities = draw(st.integers(1, 4))
    centers = [draw(_work_center(n, calendars, capabilities)) for n in range(draw(st.integers(2, 6)))]
    areas: dict[str, Any] = {}
    count = draw(st.integers(1, min(3, len(centers))))
    for n, center in enumerate(centers):
        areas.setdefault(f"area{n % count}", {"work_centers": {}})["work_centers"][f"w{n}"] = center
    offered = {unit["equipment_class"] for c in centers for unit in c["work_units"].values()}
    return areas, offered


@st.composite
def _operations(draw: st.DrawFn, capabilities: list[str], when: dict[str, list[str]] | None) -> list[dict]:
    """One to three operations on offered capabilities, some in batches; `when` conditions one of them."""
    operations = []
    for k in range(draw(st.integers(1, 3))):
        op: dict[str, Any] = {
            "id": f"op{k}",
            "capability": draw(st.sampled_from(capabilities)),
            "run_minutes": draw(st.sampled_from([0.5, 2, 5, 15, 40])),
        }
        setup = draw(st.sampled_from([None, None, "setup", "changeover"]))
        if setup == "setup":
            op["setup_minutes"] = draw(st.sampled_from([5, 20]))
        elif setup == "changeover":
            op["changeover_group"] = "per-material"
        if draw(st.integers(0, 3)) == 0:
            op["batch_size"] = draw(st.integers(2, 8))
            if draw(st.booleans()):
                op["batch_wait_minutes"] = draw(st.sampled_from([0, 30, 120]))
        operations.append(op)
    if when is not None and len(operations) > 1:  # an operation left for every configuration
        operations[-1]["when"] = when
    return operations


@st.composite
def _bought(draw: st.DrawFn, count: int, start: date) -> dict[str, Any]:
    """Bought parts, on call or planned, their suppliers, and stock of some of them."""
    materials, suppliers, inventory, orders = {}, {}, [], []
    for n in range(count):
        part = f"buy{n}"
        on_call = draw(st.booleans())
        materials[part] = {"kind": "component", "source": "buy", "on_call": on_call}
        if draw(st.integers(0, 3)) == 0:
            materials[part].update(kind="raw", uom="kg")
        if not on_call and draw(st.integers(0, 3)) == 0:
            materials[part]["safety_stock"] = draw(st.sampled_from([2, 20]))
        supplier: dict[str, Any] = {"lead_time_days": draw(st.integers(0, 5)), "materials": [part]}
        if draw(st.booleans()):
            supplier["weekly_capacity"] = draw(st.sampled_from([50, 200, 1000]))
        if draw(st.integers(0, 2)) == 0:
            supplier.update(min_order=10, order_multiple=draw(st.sampled_from([1, 5])))
        if draw(st.integers(0, 3)) == 0:
            supplier["delivery"] = {"late_share": 0.5, "late_days": [1, 2, 4]}
        suppliers[f"sup{n}"] = supplier
        if not on_call and draw(st.booleans()):
            quantity = draw(st.sampled_from([5, 50, 500]))
            inventory.append({"material": part, "location": "store", "lot": f"L{n}", "quantity": quantity})
        if not on_call and draw(st.integers(0, 2)) == 0:
            due = (start + timedelta(days=draw(st.integers(0, 6)))).isoformat()
            orders.append({"id": f"PO{n}", "supplier": f"sup{n}", "material": part, "quantity": 100, "due": due})
    return {"materials": materials, "suppliers": suppliers, "inventory": inventory, "purchase_orders": orders}


@st.composite
def _family(draw: st.DrawFn) -> dict[str, Any] | None:
    """An option family with its mix, or none."""
    mix = draw(st.sampled_from(MIXES + [None]))
    if mix is None:
        return None
    return {"default": "o0", "options": {f"o{k}": {"mix": share} for k, share in enumerate(mix)}}


LOTS = [
    {"rule": "lot-for-lot"},
    {"rule": "fixed", "quantity": 5},
    {"rule": "fixed", "quantity": 20},
    {"rule": "minimum", "quantity": 10},
    {"rule": "multiple", "quantity": 4},
    {"rule": "poq", "periods": 3},
]


@st.composite
def _quality(draw: st.DrawFn, capabilities: list[str]) -> dict[str, Any]:
    """Some capabilities' first-pass yields, what fails scrapped, repaired, or redone from the first capability."""
    shapes = [{}, {"repair_minutes": 10}, {"redo": [capabilities[0]]}]
    gauge = {"name": "gap", "unit": "mm", "nominal": 2.0, "lsl": 1.8, "usl": 2.2}
    tests = [[], [{"name": "check", "characteristics": [gauge]}]]
    return {
        c: {
            "first_pass_yield": draw(st.sampled_from([0.9, 0.97, 1.0])),
            **draw(st.sampled_from(shapes)),
            "tests": draw(st.sampled_from(tests)),
        }
        for c in capabilities
        if draw(st.integers(0, 2)) == 0
    }


@st.composite
def _maintenance(draw: st.DrawFn, calendars: dict[str, Any], areas: dict[str, Any], start: date) -> None:
    """Maybe a planned maintenance of the first work center's first unit, on its calendar, in the first days."""
    center = next(iter(next(iter(areas.values()))["work_centers"].values()))
    if draw(st.booleans()):
        begins = f"{(start + timedelta(days=draw(st.integers(0, 4)))).isoformat()}T08:00:00Z"
        window = {
            "equipment": next(iter(center["work_units"])),
            "start": begins,
            "hours": draw(st.sampled_from([2, 30])),
        }
        calendars[center["calendar"]] = {**calendars[center["calendar"]], "maintenance": [window]}


TIMEZONES = ["UTC", "Europe/Berlin", "Asia/Kolkata", "America/New_York"]


def _bought_line(draw: st.DrawFn, bought: list[str]) -> dict[str, Any]:
    line = {"component": draw(st.sampled_from(bought)), "quantity": draw(st.sampled_from([1, 2]))}
    if draw(st.integers(0, 3)) == 0:
        line["scrap"] = 0.05
    return line


@st.composite
def _made_parts(draw: st.DrawFn, levels: int, capabilities: list[str], bought: list[str]) -> dict[str, Any]:
    """The made parts under the finished goods, `levels` - 2 levels of them, each made of a bought part and some
    of the level below, lot for lot or in fixed lots; `top`, those of the highest level."""
    materials: dict[str, Any] = {}
    boms: dict[str, list[dict[str, Any]]] = {}
    routings: dict[str, Any] = {}
    below: list[str] = []
    for level in range(levels - 1, 1, -1):
        made = [f"m{level}x{k}" for k in range(draw(st.integers(1, 2)))]
        for part in made:
            materials[part] = {"kind": "sub-assembly", "source": "make", "lot_size": draw(st.sampled_from(LOTS))}
            if draw(st.integers(0, 3)) == 0:
                materials[part]["lead_time_days"] = draw(st.sampled_from([0, 1, 3]))
            children = [{"component": c, "quantity": 1} for c in below if draw(st.booleans())]
            boms[part] = [_bought_line(draw, bought), *children]
            routings[part] = {"operations": draw(_operations(capabilities, None))}
        below = made
    return {"materials": materials, "boms": boms, "routings": routings, "top": below}


@st.composite
def _product(draw: st.DrawFn, made: dict[str, Any], capabilities: list[str], bought: list[str]) -> dict[str, Any]:
    """A finished good over the top made parts (or bought ones) with its demand, maybe an option family whose
    second option adds a bill line or an operation; `material`, its material, bill and routing."""
    family = draw(_family())
    when = {"f": ["o1"]} if family is not None and len(family["options"]) > 1 else None
    lines = [{"component": c, "quantity": 1} for c in made["top"]] or [_bought_line(draw, bought)]
    if not made["top"] or draw(st.booleans()):
        lines.append(_bought_line(draw, bought))
    if when is not None and draw(st.booleans()):
        lines.append({**_bought_line(draw, bought), "when": when})
        when = None
    demand = {
        "units_per_day": draw(st.sampled_from([1, 3, 8, 20])),
        "units_per_order": draw(st.sampled_from([[1], [1, 4], [10, 30]])),
        "lead_time_days": draw(st.sampled_from([[2, 6], [5, 12], [0, 1]])),
        "weekday_profile": draw(st.sampled_from([[1] * 7, [1, 1, 1, 1, 2, 0, 0]])),
    }
    product: dict[str, Any] = {"demand": demand}
    if family is not None:
        product["option_families"] = {"f": family}
        if when is not None and draw(st.booleans()):  # a second choice the first option rules out
            product["option_families"]["g"] = {"default": "no", "options": {"yes": {"mix": 0.3}, "no": {"mix": 0.7}}}
            product["rules"] = [{"when": {"g": ["yes"]}, "excludes": {"f": ["o1"]}}]
    operations = draw(_operations(capabilities, when))
    bom = _merge_lines(lines)
    if draw(st.integers(0, 2)) == 0:  # a part drawn at the last operation, not the first
        bom[-1]["operation"] = operations[-1]["id"]
    return {"product": product, "bom": bom, "routing": {"operations": operations}}


@st.composite
def _tenants(draw: st.DrawFn) -> dict[str, Any]:
    """The owner and up to two partners, each with a web shop (the owner maybe a fleet too), and how many
    products each sells."""
    tenants: dict[str, Any] = {"owner": {"role": "owner"}}
    customers: dict[str, Any] = {"shop": {"tenant": "owner"}}
    if draw(st.booleans()):
        segment = draw(st.sampled_from(["fleet", "dealer", "business"]))
        customers[segment] = {"tenant": "owner", "segment": segment, "order_share": 0.3}
    sells = {"owner": draw(st.integers(1, 2))}
    for k in range(draw(st.integers(0, 2))):
        tenants[f"partner{k}"] = {"role": "partner"}
        customers[f"partner{k}-shop"] = {"tenant": f"partner{k}"}
        sells[f"partner{k}"] = 1
    return {"tenants": tenants, "customers": customers, "sells": sells}


@st.composite
def plant_files(draw: st.DrawFn) -> dict[str, Any]:
    """A valid plant file's data (see the module's docstring)."""
    start = draw(st.sampled_from(STARTS))
    calendars = draw(_calendars(start))
    areas, offered = draw(_areas(sorted(calendars)))
    draw(_maintenance(calendars, areas, start))
    capabilities = sorted(offered)
    bought = draw(_bought(draw(st.integers(1, 3)), start))
    parts = sorted(bought["materials"])
    made = draw(_made_parts(draw(st.integers(2, 4)), capabilities, parts))
    sellers = draw(_tenants())
    materials, boms, routings = dict(made["materials"]), dict(made["boms"]), dict(made["routings"])
    products: dict[str, Any] = {}
    for tenant, count in sellers["sells"].items():
        for k in range(count):
            name = f"{tenant}-p{k}"
            drawn = draw(_product(made, capabilities, parts))
            materials[name] = {"kind": "finished", "source": "make"}
            boms[name], routings[name] = drawn["bom"], drawn["routing"]
            products[name] = {"material": name, "tenant": tenant, **drawn["product"]}
    plant: dict[str, Any] = {
        "source": "Generated by tests/plants.py; invented figures.",
        "enterprise": {"id": "gen", "name": "Generated"},
        "site": {"id": "gen-site", "name": "Generated site", "timezone": draw(st.sampled_from(TIMEZONES))},
        "tenants": sellers["tenants"],
        "customers": sellers["customers"],
        "equipment_classes": {c: {"capabilities": [c]} for c in capabilities},
        "calendars": calendars,
        "areas": areas,
        "materials": {**materials, **bought["materials"]},
        "boms": boms,
        "routings": routings,
        "products": products,
        "suppliers": bought["suppliers"],
        "changeovers": {"per-material": {"attribute": "material", "default_minutes": draw(st.sampled_from([5, 30]))}},
        "quality": draw(_quality(capabilities)),
    }
    plant.update(as_of=start.isoformat(), inventory=bought["inventory"], purchase_orders=bought["purchase_orders"])
    ramp = draw(_ramp_up(areas, start))
    if ramp is not None:
        plant["ramp_up"] = ramp
    return plant


@st.composite
def _ramp_up(draw: st.DrawFn, areas: dict[str, Any], start: date) -> dict[str, Any] | None:
    """Maybe a ramp-up of a paced line from the first day: two months of one or two shifts."""
    lines = [wc for area in areas.values() for wc, c in area["work_centers"].items() if c["kind"] == "paced-line"]
    if not lines or draw(st.booleans()):
        return None
    months = [
        {
            "shifts_per_day": draw(st.integers(1, 2)),
            "working_days": 20,
            "target_units": draw(st.sampled_from([50, 400])),
        }
        for _ in range(2)
    ]
    return {"line": draw(st.sampled_from(lines)), "start": start.isoformat(), "months": months}


def _merge_lines(lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One unconditioned line per component: a bill that names a part twice adds the quantities."""
    merged: dict[tuple[str, str], dict[str, Any]] = {}
    for line in lines:
        key = (line["component"], repr(line.get("when")))
        if key in merged:
            merged[key]["quantity"] += line["quantity"]
        else:
            merged[key] = dict(line)
    return list(merged.values())
