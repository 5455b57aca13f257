"""Validate a plant file and report every error at once: file, line, path inside it, and what was expected.

Structure (types, ranges, required fields) is checked by pydantic; relations between parts of the file
(references, duplicate ids, cyclic BOMs, operations no equipment can do, options no valid configuration
can choose, routings that scrap nearly all they start) are checked here, on the structurally valid plant.
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, time
from functools import cache
from pathlib import Path

from pydantic import ValidationError
from pydantic_core import ErrorDetails

from factoryos.model.configuration import feasible, rule_violations, selectable_options
from factoryos.model.errors import FactoryosError
from factoryos.model.files import FileTooLarge, read_bounded
from factoryos.model.plant import Condition, Part, Plant, Product, Routing, RoutingOperation
from factoryos.model.shift_times import DAY, working_windows
from factoryos.model.yamlfile import MAX_BYTES, Location, YamlDocument, decode, format_path, read_yaml

Issue = tuple[Location, str]
MAX_BOM_LEVELS = 50
"""A bill of materials deeper than this is refused: real ones have a few to twenty levels, and every stage
that walks a BOM (explosion, scheduling, the twin) may then do so without a depth guard."""
MIN_FINAL_YIELD = 0.01
"""A routing whose operations scrap all but less than this share of the units started is refused: MRP would plan
the components of over a hundred units started for each one made (and the twin make each unit again as
often), which no plant runs; such a yield is a mistyped figure (a percentage read as a share), not a process."""


@dataclass(frozen=True)
class PlantIssue:
    """One problem in a plant file: the file, the path inside it (`areas.a1.work_centers`), its line, and what
    is wrong."""

    file: str
    path: str
    line: int | None
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.path or '(file)'}: {self.message}"


class PlantFileError(FactoryosError):
    """A plant file that does not validate; `issues` lists every problem found."""

    def __init__(self, issues: list[PlantIssue]) -> None:
        self.issues = issues
        noun = "error" if len(issues) == 1 else "errors"
        super().__init__(f"{len(issues)} {noun} in plant file\n" + "\n".join(f"  {i}" for i in issues))


def read_plant_text(path: Path) -> tuple[str, None] | tuple[None, PlantIssue]:
    """A plant file's text, or the issue that stops it being read: past the size limit, or not UTF-8."""
    try:
        content = read_bounded(path, MAX_BYTES, "plant file")
    except FileTooLarge as error:
        return None, PlantIssue(str(path), "", 1, error.reason)
    text, issue = decode(content)
    if issue is not None:
        return None, PlantIssue(str(path), "", issue.line or 1, issue.message)
    return text or "", None


def check_plant_file(path: str | Path) -> tuple[Plant | None, list[PlantIssue]]:
    """Read and check a plant file: its size and encoding first, then as `check_plant_text`."""
    path = Path(path)
    text, issue = read_plant_text(path)
    if issue is not None:
        return None, [issue]
    return check_plant_text(text or "", str(path))


def check_plant_text(text: str, file: str = "<plant>") -> tuple[Plant | None, list[PlantIssue]]:
    """The plant, or every issue found, each with its file, line and path."""
    document = read_yaml(text)
    issues = [PlantIssue(file, format_path(i.path), i.line or 1, i.message) for i in document.issues]
    if document.data is None and not issues:
        issues.append(PlantIssue(file, "", 1, "the file is empty; expected a plant mapping"))
    if issues and document.data is None:
        return None, issues
    try:
        plant = Plant.model_validate(document.data)
    except ValidationError as error:
        return None, issues + [_pydantic_issue(file, document, e) for e in error.errors()]
    issues += [PlantIssue(file, format_path(path), document.line_of(path), msg) for path, msg in relation_issues(plant)]
    return (None if issues else plant), issues


_FIELD_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
"""What every field of a plant file is named like: an unknown field that is not is a piece of a value."""


@cache
def _field_names() -> list[str]:
    """Every field name a plant file's parts have: an unknown field's closest is most likely the one meant."""
    parts: list[type[Part]] = [Part]
    names: set[str] = set()
    while parts:
        part = parts.pop()
        names.update(part.model_fields)
        parts.extend(part.__subclasses__())
    return sorted(names)


def _unknown_field(name: str) -> str:
    if name and not _FIELD_NAME.fullmatch(name):
        return "unknown field (a comma inside an unquoted value in { } or [ ] splits it: quote the value)"
    close = difflib.get_close_matches(name, _field_names(), n=1)
    return f"unknown field (did you mean {close[0]!r}?)" if close else "unknown field"


def _pydantic_issue(file: str, document: YamlDocument, error: ErrorDetails) -> PlantIssue:
    path = tuple(error["loc"])
    message = error["msg"]
    if error["type"] == "extra_forbidden":
        message = _unknown_field(str(path[-1]) if path else "")
    elif error["type"] == "missing":
        message = "required field is missing"
    elif error["type"] in {"greater_than", "greater_than_equal", "less_than", "less_than_equal"}:
        message = f"{message} (got {error['input']!r})"
    elif error["type"] == "string_pattern_mismatch":
        message = f"invalid id {error['input']!r}: expected letters, digits, '.', '_', '-' (not first)"
    elif error["type"] == "value_error":
        message = message.removeprefix("Value error, ")
    elif error["type"] in {"string_type", "time_type", "date_type", "datetime_type"} and not isinstance(
        error["input"], str
    ):
        if error["input"] is None:
            message = f"{message}, got null (YAML reads ~, null and an empty value as null: quote it)"
        else:
            message = f"{message}, got {error['input']!r}"
    if path and path[-1] == "[key]":  # pydantic's marker for a bad mapping key; the key is the path's end
        path = path[:-1]
    return PlantIssue(file, format_path(path), document.line_of(path), message)


def load_plant(path: str | Path) -> Plant:
    """Read and validate a plant file; raises PlantFileError listing every problem."""
    plant, issues = check_plant_file(path)
    if issues or plant is None:
        raise PlantFileError(issues)
    return plant


def unsupplied_parts(plant: Plant) -> list[str]:
    """The planned bought parts with neither stock nor an open order in the file: valid, but every order that
    needs one waits a supplier lead time for it, which a file that means them as on call should say."""
    supplied = {lot.material for lot in plant.inventory} | {order.material for order in plant.purchase_orders}
    return [mid for mid, m in plant.materials.items() if m.bought_by_plan and mid not in supplied]


def uncrewed_centers(plant: Plant) -> list[str]:
    """The manned work centers (not lights-out, not a store) with no crew: valid, but the twin works them with
    nobody, so no labour is counted and no crew limits them, which a file that forgot the crew should hear."""
    return [
        wc_id
        for wc_id, (_, wc) in plant.work_centers().items()
        if not wc.lights_out and wc.kind != "storage" and wc.operators_per_shift == 0
    ]


def overlong_on_paced_lines(plant: Plant) -> list[str]:
    """The routing operations whose work at a paced line's station is longer than the line's takt, as
    `routings.MATERIAL.OP on WORK_CENTER (S s a unit against a T s takt)` (on the line's fastest unit that can do
    it): valid, but each such unit stops the line longer than a takt (the scheduler, the material plan's lead
    times and the twin all count it so), which a file that meant the work to fit the takt should hear."""
    units, centers = plant.work_units(), plant.work_centers()
    fastest: dict[tuple[str, str, str], float] = {}
    for material, routing in plant.routings.items():
        for op in routing.operations:
            for unit in plant.eligible_units(op):
                wc_id, work_unit = units[unit][1], units[unit][2]
                if centers[wc_id][1].kind == "paced-line" and centers[wc_id][1].takt_seconds:
                    key = (material, op.id, wc_id)
                    fastest[key] = min(fastest.get(key, math.inf), op.run_minutes * 60 / work_unit.speed_factor)
    return [
        f"routings.{material}.{op} on {wc_id} ({seconds:g} s a unit against a {takt:g} s takt)"
        for (material, op, wc_id), seconds in fastest.items()
        if seconds > (takt := centers[wc_id][1].takt_seconds or 0)
    ]


def relation_issues(plant: Plant) -> list[Issue]:
    return [
        *_duplicate_equipment(plant),
        *_equipment_references(plant),
        *_ramp_up_line(plant),
        *_material_references(plant),
        *_purchase_order_references(plant),
        *_bom_cycles(plant),
        *_routing_issues(plant),
        *_changeover_issues(plant),
        *_product_issues(plant),
    ]


def _duplicate_equipment(plant: Plant) -> Iterator[Issue]:
    """Areas, work centers and work units share one namespace: the equipment hierarchy on the floor."""
    seen: dict[str, Location] = {}
    for area_id in plant.areas:
        seen.setdefault(area_id, ("areas", area_id))
    for area_id, area in plant.areas.items():
        for wc_id, wc in area.work_centers.items():
            wc_path = ("areas", area_id, "work_centers", wc_id)
            for equipment_id, path in [(wc_id, wc_path)] + [
                (wu_id, (*wc_path, "work_units", wu_id)) for wu_id in wc.work_units
            ]:
                if equipment_id in seen:
                    yield (
                        path,
                        f"duplicate id {equipment_id!r}: already used at {format_path(seen[equipment_id])}",
                    )
                else:
                    seen[equipment_id] = path


def _unknown(kind: str, ref: str, known: Iterable[str]) -> str:
    """Names the closest known id first: a typo's fix is rarely among the first few ids alphabetically."""
    choices = sorted(known)
    close = difflib.get_close_matches(ref, choices, n=1)
    guess = f" (did you mean {close[0]!r}?)" if close else ""
    hint = f"; expected one of {choices[:8]}{' ...' if len(choices) > 8 else ''}" if choices else ""
    return f"unknown {kind} {ref!r}{guess}{hint}"


def _equipment_references(plant: Plant) -> Iterator[Issue]:
    units, centers = plant.work_units(), plant.work_centers()
    for area_id, area in plant.areas.items():
        for wc_id, wc in area.work_centers.items():
            wc_path = ("areas", area_id, "work_centers", wc_id)
            if wc.calendar not in plant.calendars:
                yield (*wc_path, "calendar"), _unknown("calendar", wc.calendar, plant.calendars)
            for wu_id, wu in wc.work_units.items():
                if wu.equipment_class not in plant.equipment_classes:
                    yield (
                        (*wc_path, "work_units", wu_id, "equipment_class"),
                        _unknown("equipment class", wu.equipment_class, plant.equipment_classes),
                    )
    for cal_id, calendar in plant.calendars.items():
        for i, window in enumerate(calendar.maintenance):
            if window.equipment not in units and window.equipment not in centers:
                yield (
                    ("calendars", cal_id, "maintenance", i, "equipment"),
                    _unknown("equipment", window.equipment, [*units, *centers]),
                )


def _ramp_up_line(plant: Plant) -> Iterator[Issue]:
    """The ramp-up names a work center with a takt: its curve counts units at the takt, so on any other
    center it would limit nothing, silently."""
    if plant.ramp_up is None:
        return
    line, centers = plant.ramp_up.line, plant.work_centers()
    if line not in centers:
        yield ("ramp_up", "line"), _unknown("work center", line, centers)
    elif centers[line][1].takt_seconds is None:
        yield ("ramp_up", "line"), f"{line!r} is not a paced line (no takt_seconds); a ramp-up paces a line"


def _material_references(plant: Plant) -> Iterator[Issue]:
    yield from _bom_references(plant)
    yield from _supplier_references(plant)
    yield from _material_sources(plant)
    for i, lot in enumerate(plant.inventory):
        if lot.material not in plant.materials:
            yield ("inventory", i, "material"), _unknown("material", lot.material, plant.materials)
    for cust_id, customer in plant.customers.items():
        if customer.tenant not in plant.tenants:
            yield ("customers", cust_id, "tenant"), _unknown("tenant", customer.tenant, plant.tenants)


def _bom_references(plant: Plant) -> Iterator[Issue]:
    materials = plant.materials
    for parent, lines in plant.boms.items():
        if parent not in materials:
            yield ("boms", parent), _unknown("material", parent, materials)
        elif materials[parent].source == "buy":
            yield ("boms", parent), "a bought material has no BOM of ours; set source: make or remove the BOM"
        routing = plant.routings.get(parent)
        operations = [op.id for op in routing.operations] if routing is not None else []
        for i, line in enumerate(lines):
            if line.component not in materials:
                yield ("boms", parent, i, "component"), _unknown("material", line.component, materials)
            if line.operation is not None and line.operation not in operations:
                where = f"operation of {parent}'s routing"
                yield ("boms", parent, i, "operation"), _unknown(where, line.operation, operations)


def _supplier_references(plant: Plant) -> Iterator[Issue]:
    materials = plant.materials
    for sup_id, supplier in plant.suppliers.items():
        for i, mat_id in enumerate(supplier.materials):
            if mat_id not in materials:
                yield ("suppliers", sup_id, "materials", i), _unknown("material", mat_id, materials)
            elif materials[mat_id].source != "buy":
                yield ("suppliers", sup_id, "materials", i), f"material {mat_id!r} is made, not bought"


def _purchase_order_references(plant: Plant) -> Iterator[Issue]:
    """An open purchase order names a known supplier that lists its material, under an id of its own."""
    seen: set[str] = set()
    for i, order in enumerate(plant.purchase_orders):
        if order.id in seen:
            yield ("purchase_orders", i, "id"), f"purchase order {order.id!r} is listed twice"
        seen.add(order.id)
        supplier = plant.suppliers.get(order.supplier)
        if supplier is None:
            yield ("purchase_orders", i, "supplier"), _unknown("supplier", order.supplier, plant.suppliers)
        elif order.material not in supplier.materials:
            yield (
                ("purchase_orders", i, "material"),
                f"supplier {order.supplier!r} does not list material {order.material!r}",
            )


def _material_sources(plant: Plant) -> Iterator[Issue]:
    """A bought material has a supplier; a made one has a routing and, unless raw, a BOM."""
    supplied = {mat_id for supplier in plant.suppliers.values() for mat_id in supplier.materials}
    for mat_id, material in plant.materials.items():
        if material.source == "buy" and mat_id not in supplied:
            yield ("materials", mat_id, "source"), "a bought material needs a supplier that lists it"
        if material.source == "make" and mat_id not in plant.routings:
            yield ("materials", mat_id, "source"), "a made material needs a routing"
        if material.source == "make" and mat_id not in plant.boms and material.kind != "raw":
            yield ("materials", mat_id), "a made material needs a BOM (what it is made from)"


def _bom_cycles(plant: Plant) -> Iterator[Issue]:
    """Depth-first search without recursion (a BOM may be thousands of levels deep); each cycle is reported
    once, at the BOM where it was closed. Without cycles, a BOM deeper than MAX_BOM_LEVELS is refused."""
    state: dict[str, str] = {}
    levels: dict[str, int] = {}
    found: list[Issue] = []
    for root in plant.boms:
        if root in state:
            continue
        state[root] = "open"
        path, lines = [root], [iter(enumerate(plant.boms.get(root, [])))]
        while lines:
            step = next(lines[-1], None)
            if step is None:
                done = path.pop()
                lines.pop()
                state[done] = "done"
                levels[done] = 1 + max((levels.get(x.component, 0) for x in plant.boms.get(done, [])), default=0)
                continue
            i, line = step
            child, parent = line.component, path[-1]
            if state.get(child) == "open":
                cycle = path[path.index(child) :] + [child]
                found.append((("boms", parent, i, "component"), "cyclic BOM: " + " -> ".join(cycle)))
            elif child not in state:
                state[child] = "open"
                path.append(child)
                lines.append(iter(enumerate(plant.boms.get(child, []))))
    yield from found
    if not found:
        for material, depth in levels.items():
            if depth > MAX_BOM_LEVELS:
                yield ("boms", material), f"the BOM is {depth} levels deep; at most {MAX_BOM_LEVELS} are supported"
                return


def _routing_issues(plant: Plant) -> Iterator[Issue]:
    equipment = [*plant.work_units(), *plant.work_centers()]
    capabilities = {c for eq in plant.equipment_classes.values() for c in eq.capabilities}
    stretches = _longest_stretches(plant)
    for mat_id, routing in plant.routings.items():
        path = ("routings", mat_id)
        if mat_id not in plant.materials:
            yield path, _unknown("material", mat_id, plant.materials)
        elif plant.materials[mat_id].source == "buy":
            yield path, "a bought material has no routing; set source: make or remove the routing"
        seen: set[str] = set()
        for i, op in enumerate(routing.operations):
            op_path = (*path, "operations", i)
            if op.id in seen:
                yield (*op_path, "id"), f"duplicate operation id {op.id!r}"
            seen.add(op.id)
            yield from _operation_issues(plant, op, op_path, equipment, capabilities)
            if mat_id in plant.materials:
                unit = plant.materials[mat_id].lot_size.rule == "lot-for-lot"
                yield from _operation_fits(plant, op, op_path, stretches, unit)
        yield from _final_yield_issues(plant, routing, (*path, "operations"))
    for parent, lines in plant.boms.items():
        for i, line in enumerate(lines):
            yield from _condition_issues(plant, line.when, ("boms", parent, i, "when"))


def _operation_issues(
    plant: Plant, op: RoutingOperation, op_path: Location, equipment: list[str], capabilities: set[str]
) -> Iterator[Issue]:
    """The equipment, capability, changeover group and condition one routing operation names exist."""
    for j, name in enumerate(op.equipment):
        if name not in equipment:
            yield (*op_path, "equipment", j), _unknown("equipment", name, equipment)
    if op.capability not in capabilities:
        yield (*op_path, "capability"), f"no equipment class offers capability {op.capability!r}"
    elif not plant.eligible_units(op):
        yield (
            (*op_path, "equipment"),
            f"no equipment can do this operation: none of "
            f"{op.equipment or 'the work units that exist'} has capability {op.capability!r}",
        )
    if op.changeover_group and op.changeover_group not in plant.changeovers:
        yield (
            (*op_path, "changeover_group"),
            _unknown("changeover group", op.changeover_group, plant.changeovers),
        )
    yield from _condition_issues(plant, op.when, (*op_path, "when"))


def _final_yield_issues(plant: Plant, routing: Routing, path: Location) -> Iterator[Issue]:
    """A routing that scraps nearly everything it starts (`MIN_FINAL_YIELD`), every operation counted whatever its
    `when`: the worst case of any configuration, or worse where conditions exclude each other."""
    kept = plant.final_yield(routing.operations)
    if kept < MIN_FINAL_YIELD:
        scrapping = ", ".join(
            f"{op.id} {plant.quality_of(op).first_pass_yield:g}"
            for op in routing.operations
            if plant.quality_of(op).final_yield < 1
        )
        yield (
            path,
            f"the operations that scrap what fails ({scrapping}) leave {kept:.3g} of the units started good: at least "
            f"{MIN_FINAL_YIELD:g} expected (each unit made would take {1 / kept:,.3g} started)",
        )


STRETCH_DAYS = 28
"""Calendars are looked at over four weeks for the longest time they work without a stop."""


def _longest_stretches(plant: Plant) -> dict[str, float]:
    """Per calendar, the longest time its shifts work without a break or a shift off, in seconds, over
    `STRETCH_DAYS` from the plant's first day (all of them for one that never stops)."""
    epoch = datetime.combine(plant.first_day(), time(), UTC)
    stretches = {}
    for calendar_id, calendar in plant.calendars.items():
        windows = working_windows(calendar, plant.site.timezone, epoch, STRETCH_DAYS)
        stretches[calendar_id] = max((end - start for start, end in windows), default=0.0)
    return stretches


def _largest_changeover(plant: Plant, op: RoutingOperation) -> float:
    """The longest changeover before the operation, in minutes: its own setup, or its changeover group's."""
    group = plant.changeovers.get(op.changeover_group) if op.changeover_group else None
    entries = [] if group is None else [minutes for row in group.matrix.values() for minutes in row.values()]
    return max([op.setup_minutes, *entries, group.default_minutes if group is not None else 0.0])


def _operation_fits(
    plant: Plant, op: RoutingOperation, op_path: Location, stretches: dict[str, float], unit: bool
) -> Iterator[Issue]:
    """A changeover runs in one piece just before its operation, in working time, and a unit's operation does
    not pause over breaks and shifts off (a lot's does): a changeover (with a unit's run) longer than every
    stretch that the work units able to do it work without a stop could never be scheduled."""
    change = _largest_changeover(plant, op)
    longest = 0.0
    for work_unit_id in plant.eligible_units(op):
        _, center_id, work_unit = plant.work_units()[work_unit_id]
        center = plant.work_centers()[center_id][1]
        stretch = stretches.get(center.calendar, 0.0)
        seconds = (change + (op.run_minutes / work_unit.speed_factor if unit else 0.0)) * 60
        if stretch >= STRETCH_DAYS * DAY or seconds <= stretch:
            return
        longest = max(longest, stretch)
    if not longest:
        return
    at_most = f"at most {longest / 3600:,.1f} h between breaks and shifts off"
    if unit:
        yield (
            (*op_path, "run_minutes"),
            f"a unit's setup and run take {change + op.run_minutes:,g} min without a stop, longer than any work "
            f"unit that can do it works at a stretch ({at_most}): it could never be scheduled; split it into "
            "shorter operations or give a work center able to do it a calendar that works longer at a stretch",
        )
    else:
        yield (
            (*op_path, "changeover_group" if op.changeover_group else "setup_minutes"),
            f"a changeover before it takes up to {change:,g} min in one piece, longer than any work unit that can "
            f"do it works at a stretch ({at_most}): it could never be scheduled; shorten it or give a work center "
            "able to do it a calendar that works longer at a stretch",
        )


def _changeover_issues(plant: Plant) -> Iterator[Issue]:
    """A changeover keys on `material` or on an option family; its matrix names values that key can take."""
    options = _all_options(plant)
    for group_id, group in plant.changeovers.items():
        path = ("changeovers", group_id)
        if group.attribute == "material":
            values, kind = set(plant.materials), "material"
        elif group.attribute in options:
            values, kind = options[group.attribute], f"{group.attribute} option"
        else:
            yield (
                (*path, "attribute"),
                _unknown("changeover attribute", group.attribute, ["material", *options]),
            )
            continue
        for before, row in group.matrix.items():
            if before not in values:
                yield (*path, "matrix", before), _unknown(kind, before, values)
            for after in row:
                if after not in values:
                    yield (*path, "matrix", before, after), _unknown(kind, after, values)


def _all_options(plant: Plant) -> dict[str, set[str]]:
    options: dict[str, set[str]] = {}
    for product in plant.products.values():
        for fam_id, family in product.option_families.items():
            options.setdefault(fam_id, set()).update(family.options)
    return options


def _condition_issues(
    plant: Plant, condition: Condition | None, path: Location, options: dict[str, set[str]] | None = None
) -> Iterator[Issue]:
    options = options if options is not None else _all_options(plant)
    for family, chosen in (condition or {}).items():
        if family not in options:
            yield (*path, family), _unknown("option family", family, options)
            continue
        for k, option in enumerate(chosen):
            if option not in options[family]:
                yield (*path, family, k), _unknown(f"{family} option", option, options[family])


def _product_issues(plant: Plant) -> Iterator[Issue]:
    for prod_id, product in plant.products.items():
        path = ("products", prod_id)
        material = plant.materials.get(product.material)
        if material is None:
            yield (*path, "material"), _unknown("material", product.material, plant.materials)
        elif material.kind != "finished":
            yield (
                (*path, "material"),
                f"material {product.material!r} is a {material.kind}, expected a finished good",
            )
        elif material.source != "make":
            yield (
                (*path, "material"),
                f"material {product.material!r} is bought (source: buy): a product is built here, so its material "
                "is made (source: make) with a routing; a bought part belongs in the BOM of one",
            )
        if product.tenant not in plant.tenants:
            yield (*path, "tenant"), _unknown("tenant", product.tenant, plant.tenants)
        yield from _customers_for_demand(plant, product, path)
        if material is not None:
            yield from _unbuilt_configurations(plant, prod_id, product)
        own = {fam_id: set(fam.options) for fam_id, fam in product.option_families.items()}
        yield from _option_family_issues(product, path)
        broken_rules = False
        for i, rule in enumerate(product.rules):
            for part in ("when", "requires", "excludes"):
                problems = list(_condition_issues(plant, getattr(rule, part), (*path, "rules", i, part), own))
                broken_rules |= bool(problems)
                yield from problems
        if broken_rules or not product.option_families:
            continue
        yield from _option_issues(product, path)


def _unbuilt_configurations(plant: Plant, prod_id: str, product: Product) -> Iterator[Issue]:
    """Every made material a configuration of the product has in its bill has an operation for it: a routing whose
    operations all carry a `when` is checked against the configurations that reach it (those matching the `when`s
    of the bill lines down to it) for one that matches none of them, which nothing would build."""
    reached: set[tuple[str, str]] = set()
    unbuilt: set[str] = set()
    walk: list[tuple[str, tuple[Condition, ...]]] = [(product.material, ())]
    while walk:
        material, path = walk.pop()
        if (material, repr(path)) in reached or material in unbuilt:
            continue
        reached.add((material, repr(path)))
        routing = plant.routings.get(material)
        whens = [op.when for op in routing.operations if op.when] if routing is not None else []
        if routing is not None and len(whens) == len(routing.operations) and feasible(product, path, whens):
            unbuilt.add(material)
            yield (
                ("routings", material, "operations"),
                f"product {prod_id!r} has a valid configuration that matches none of these operations' `when`, "
                "which nothing would build: give an operation no `when`, or conditions that cover every configuration",
            )
        walk.extend(
            (line.component, (*path, line.when) if line.when else path) for line in plant.boms.get(material, [])
        )


def _customers_for_demand(plant: Plant, product: Product, path: Location) -> Iterator[Issue]:
    """A product with a demand has a customer of its tenant to order it, or its demand draws no orders (where every
    customer's tenant is known: one that is not is the likelier slip)."""
    tenants = [customer.tenant for customer in plant.customers.values()]
    if product.demand is None or product.tenant in tenants or not set(tenants) <= set(plant.tenants):
        return
    yield (
        (*path, "demand"),
        f"tenant {product.tenant!r} has no customer to order it: its demand would draw no orders; add a customer "
        f"with tenant: {product.tenant}, or remove the demand",
    )


def _option_family_issues(product: Product, path: Location) -> Iterator[Issue]:
    """Each option family's default is one of its options and its mix shares, if given, add up to 1."""
    for fam_id, family in product.option_families.items():
        if family.default is not None and family.default not in family.options:
            yield (
                (*path, "option_families", fam_id, "default"),
                _unknown("option", family.default, family.options),
            )
        mixes = [o.mix for o in family.options.values()]
        if any(mixes) and abs(sum(mixes) - 1) > 0.01:
            yield (*path, "option_families", fam_id), "option mix shares must add up to 1"


def _option_issues(product: Product, path: Location) -> Iterator[Issue]:
    """Every option can be chosen by some valid configuration, and the defaults make a valid one."""
    selectable = selectable_options(product)
    clean = True
    for fam_id, family in product.option_families.items():
        if not selectable[fam_id]:
            yield (*path, "option_families", fam_id), "no valid configuration exists: the rules contradict"
            return
        for option in family.options:
            if option not in selectable[fam_id]:
                clean = False
                yield (
                    (*path, "option_families", fam_id, "options", option),
                    "no valid configuration can choose this option (the rules rule it out)",
                )
    defaults = {f: fam.default for f, fam in product.option_families.items() if fam.default is not None}
    if clean and len(defaults) == len(product.option_families):
        for problem in rule_violations(product.rules, defaults):
            yield (*path, "option_families"), f"the default configuration breaks a rule: {problem}"
