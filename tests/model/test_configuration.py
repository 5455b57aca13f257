"""The configurator on the reference plants, and what the reference plants must hold.

Expected figures are read from the plant files (the BOM lines along a path), not copied into the tests.
"""

from __future__ import annotations

import functools
import itertools
import math

import pytest

from factoryos.c2m import configurator
from factoryos.model.configuration import bom_lines, explode, operations, rule_violations, selectable_options
from factoryos.model.plant import Plant, Product, Rule

CHOICE = {
    "trim": "premium",
    "battery": "long",
    "colour": "deep-blue",
    "wheels": "w19",
    "driver-assist": "enhanced",
}


@pytest.fixture(scope="module")
def sedan(ev_plant) -> Product:
    return ev_plant.products["sedan"]


def line(plant: Plant, parent: str, component: str, configuration) -> float:
    """Gross quantity of `component` per `parent` from the file: the matching lines, scrap included."""
    lines = [ln for ln in bom_lines(plant, parent, configuration) if ln.component == component]
    assert lines, f"{parent} has no line for {component} in this configuration"
    return sum(ln.quantity / (1 - ln.scrap) for ln in lines)


def along(plant: Plant, path: list[str], configuration) -> float:
    return math.prod(line(plant, a, b, configuration) for a, b in itertools.pairwise(path))


def bom_depth(plant: Plant, material: str) -> int:
    @functools.cache
    def depth(m: str) -> int:
        return 1 + max((depth(ln.component) for ln in plant.boms.get(m, [])), default=0)

    return depth(material)


def all_configurations(product: Product):
    families = list(product.option_families)
    for combo in itertools.product(*(product.option_families[f].options for f in families)):
        yield dict(zip(families, combo, strict=True))


# --- completing a configuration: defaults, rules ---------------------------------------------------


def configure(product: Product, choices: dict[str, str]) -> dict[str, str]:
    """The configuration the order desk and the intake complete `choices` to."""
    completion = configurator.complete(product, choices)
    assert completion.configuration is not None, completion.reason
    return completion.configuration


def test_defaults_fill_every_open_family(sedan):
    configuration = configure(sedan, {})
    assert configuration == {fid: fam.default for fid, fam in sedan.option_families.items()}
    assert rule_violations(sedan.rules, configuration) == []


def test_customer_choices_are_kept_and_the_rest_defaulted(sedan):
    configuration = configure(sedan, {"colour": "midnight-grey", "wheels": "w19"})
    assert configuration["colour"] == "midnight-grey"
    assert configuration["wheels"] == "w19"
    assert configuration["trim"] == sedan.option_families["trim"].default
    assert set(configuration) == set(sedan.option_families)


def test_rule_violations_are_named_and_a_completion_keeps_clear_of_them(sedan):
    # performance with the defaults (long battery, 18 in wheels) breaks two rules of the file
    defaults = {fid: fam.default for fid, fam in sedan.option_families.items()}
    problems = rule_violations(sedan.rules, {**defaults, "trim": "performance"})
    assert "trim in {performance} requires battery in {max}" in problems
    assert "trim in {performance} excludes wheels in {w18}" in problems
    completed = configure(sedan, {"trim": "performance"})
    assert (completed["trim"], completed["battery"]) == ("performance", "max")
    assert completed["wheels"] != "w18"
    assert rule_violations(sedan.rules, completed) == []


def test_a_requires_rule_names_the_options_it_needs(sedan):
    defaults = {fid: fam.default for fid, fam in sedan.option_families.items()}
    expected = "colour in {ultra-red} requires trim in {premium, performance}"
    assert expected in rule_violations(sedan.rules, {**defaults, "colour": "ultra-red"})


def test_unknown_family_and_option_are_rejected(sedan):
    assert "unknown option family 'sunroof'" in configurator.complete(sedan, {"sunroof": "yes"}).reason
    assert "no option 'pink'" in configurator.complete(sedan, {"colour": "pink"}).reason


# --- selectable options ----------------------------------------------------------------------------


def test_every_sedan_option_is_selectable(sedan):
    selectable = selectable_options(sedan)
    assert selectable == {fid: set(fam.options) for fid, fam in sedan.option_families.items()}


def test_selectable_options_agree_with_brute_force(ev_plant, appliance_plant):
    for product in [*ev_plant.products.values(), *appliance_plant.products.values()]:
        valid = [c for c in all_configurations(product) if not rule_violations(product.rules, c)]
        expected = {fid: {c[fid] for c in valid} for fid in product.option_families}
        assert selectable_options(product) == expected, product.name


def test_an_option_the_rules_rule_out_is_detected(sedan):
    rules = [
        *sedan.rules,
        Rule(when={"colour": ["stealth-green"]}, requires={"driver-assist": ["full"]}),
        Rule(when={"driver-assist": ["full"]}, excludes={"colour": ["stealth-green"]}),
    ]
    broken = sedan.model_copy(update={"rules": rules})
    selectable = selectable_options(broken)
    assert "stealth-green" not in selectable["colour"]
    assert selectable["colour"] == set(sedan.option_families["colour"].options) - {"stealth-green"}
    assert selectable["driver-assist"] == set(sedan.option_families["driver-assist"].options)


def test_contradictory_rules_leave_nothing_selectable(sedan):
    every_trim = list(sedan.option_families["trim"].options)
    every_battery = list(sedan.option_families["battery"].options)
    rules = [Rule(when={"trim": every_trim}, excludes={"battery": every_battery})]
    selectable = selectable_options(sedan.model_copy(update={"rules": rules}))
    assert all(not options for options in selectable.values())


# --- explosion -------------------------------------------------------------------------------------


def test_explode_multiplies_down_the_battery_branch(ev_plant, sedan):
    configuration = configure(sedan, CHOICE)
    totals = explode(ev_plant, "ev-sedan", configuration)
    path = ["ev-sedan", "battery-pack-long", "battery-module-nmc", "cell-nmc"]
    assert totals["cell-nmc"] == pytest.approx(along(ev_plant, path, configuration))
    assert totals["battery-module-nmc"] == pytest.approx(along(ev_plant, path[:3], configuration))
    # the other packs and the LFP cells belong to other configurations
    for absent in ["battery-pack-std", "battery-pack-max", "battery-module-lfp", "cell-lfp"]:
        assert absent not in totals


def test_explode_reaches_raw_material_five_levels_down(ev_plant, sedan):
    configuration = configure(sedan, CHOICE)
    totals = explode(ev_plant, "ev-sedan", configuration)
    path = ["ev-sedan", "biw-painted", "biw", "asm-underbody", "casting-rear-underbody", "aluminium-ingot"]
    assert len(path) - 1 >= 4
    assert totals["aluminium-ingot"] == pytest.approx(along(ev_plant, path, configuration))


def test_explode_adds_up_a_component_used_by_several_parents(ev_plant, sedan):
    configuration = configure(sedan, CHOICE)
    totals = explode(ev_plant, "ev-sedan", configuration)
    doors = [ln.component for ln in ev_plant.boms["biw"] if ln.component.startswith("asm-door-")]
    assert len(doors) == 4
    paths = [["ev-sedan", "biw-painted", "biw", door, "door-hinge"] for door in doors]
    expected = sum(along(ev_plant, path, configuration) for path in paths)
    assert totals["door-hinge"] == pytest.approx(expected)


def test_explode_follows_the_chosen_options(ev_plant, sedan):
    blue = explode(ev_plant, "ev-sedan", configure(sedan, CHOICE))
    red = explode(ev_plant, "ev-sedan", configure(sedan, {**CHOICE, "colour": "ultra-red"}))
    assert "basecoat-deep-blue" in blue
    assert "basecoat-ultra-red" not in blue
    assert "tint-coat-red" not in blue
    assert "basecoat-ultra-red" in red
    assert "tint-coat-red" in red
    assert "basecoat-deep-blue" not in red
    basecoats = [m for m in blue if m.startswith("basecoat-")]
    assert basecoats == ["basecoat-deep-blue"]
    per_car = line(ev_plant, "ev-sedan", "wheel-tyre-19", CHOICE)
    assert blue["wheel-tyre-19"] == pytest.approx(per_car)
    assert blue["rim-19"] == pytest.approx(per_car * line(ev_plant, "wheel-tyre-19", "rim-19", CHOICE))
    assert "rim-18" not in blue
    assert "rim-21" not in blue
    assert "adas-computer" in blue
    assert "adas-computer-pro" not in blue
    assert "lidar" not in blue


def test_explode_scales_with_quantity(ev_plant, sedan):
    configuration = configure(sedan, CHOICE)
    one = explode(ev_plant, "ev-sedan", configuration)
    ten = explode(ev_plant, "ev-sedan", configuration, quantity=10)
    assert ten.keys() == one.keys()
    assert all(ten[m] == pytest.approx(10 * one[m]) for m in one)


def test_explode_reaches_every_bought_material_of_some_configuration(ev_plant, sedan):
    reached = set()
    for configuration in all_configurations(sedan):
        if not rule_violations(sedan.rules, configuration):
            reached |= set(explode(ev_plant, "ev-sedan", configuration))
    unused = {m for m in ev_plant.materials if m != "ev-sedan"} - reached
    assert unused == set(), "materials no sedan configuration uses"


# --- option-dependent BOM lines and operations -----------------------------------------------------


def test_option_dependent_bom_lines(ev_plant, sedan):
    base = configure(sedan, CHOICE)
    perf = configure(sedan, {**CHOICE, "trim": "performance", "battery": "max", "wheels": "w21"})
    front = "chassis-module-front"
    assert "front-drive-unit" not in {ln.component for ln in bom_lines(ev_plant, front, base)}
    assert "front-drive-unit" in {ln.component for ln in bom_lines(ev_plant, front, perf)}
    sedan_lines = {ln.component for ln in bom_lines(ev_plant, "ev-sedan", perf)}
    assert {"battery-pack-max", "wheel-tyre-21", "seat-front-premium", "badge-performance"} <= sedan_lines
    assert not {"battery-pack-long", "wheel-tyre-19", "seat-front-std"} & sedan_lines


def test_option_dependent_operations(ev_plant, sedan):
    basic = configure(sedan, {**CHOICE, "driver-assist": "basic"})
    enhanced = configure(sedan, CHOICE)
    ops_basic = [op.id for op in operations(ev_plant, "ev-sedan", basic)]
    ops_enhanced = [op.id for op in operations(ev_plant, "ev-sedan", enhanced)]
    assert "adas-fit" not in ops_basic
    assert "eol-adas-calibration" not in ops_basic
    assert "adas-fit" in ops_enhanced
    assert "eol-adas-calibration" in ops_enhanced
    # the options only add operations; the order of the rest is kept
    assert [op for op in ops_enhanced if op in ops_basic] == ops_basic
    red = configure(sedan, {**CHOICE, "colour": "ultra-red"})
    assert "tint-coat" in [op.id for op in operations(ev_plant, "biw-painted", red)]
    assert "tint-coat" not in [op.id for op in operations(ev_plant, "biw-painted", enhanced)]


def test_paint_changeovers_cost_more_from_dark_to_light(ev_plant, sedan):
    group = next(g for g in ev_plant.changeovers.values() if g.attribute == "colour")
    assert set(group.matrix) == set(sedan.option_families["colour"].options)
    assert group.minutes("solid-black", "arctic-white") > group.minutes("arctic-white", "solid-black")
    assert group.minutes("deep-blue", "deep-blue") == 0


# --- what the reference plants hold ----------------------------------------------------------------


def test_ev_plant_size_and_depth(ev_plant, sedan):
    assert len(ev_plant.materials) >= 150
    assert bom_depth(ev_plant, sedan.material) >= 5  # levels below the vehicle: >= 4
    families = sedan.option_families
    assert len(families["colour"].options) >= 6
    assert len(families["trim"].options) == 3
    assert 2 <= len(families["battery"].options) <= 3
    assert len(families["wheels"].options) == 3
    assert "driver-assist" in families
    for family in families.values():
        assert sum(o.mix for o in family.options.values()) == pytest.approx(1.0)


def test_ev_plant_areas_and_paced_line(ev_plant):
    kinds = {wc_id: wc.kind for wc_id, (_, wc) in ev_plant.work_centers().items()}
    assert ev_plant.ramp_up is not None
    assert kinds[ev_plant.ramp_up.line] == "paced-line"
    areas = {"stamping", "die-casting", "body-shop", "paint", "battery", "general-assembly", "end-of-line"}
    assert areas <= set(ev_plant.areas)


def test_ev_plant_longest_lead_times_are_cells_and_chips(ev_plant):
    suppliers = ev_plant.suppliers
    longest = sorted(suppliers, key=lambda s: suppliers[s].lead_time_days, reverse=True)[:5]
    assert {"cell-maker-nmc", "cell-maker-lfp", "electronics-tier1", "adas-tier1"} <= set(longest)
    bought = {m: mat.lead_time_days for m, mat in ev_plant.materials.items() if mat.source == "buy"}
    assert bought["cell-nmc"] > max(v for m, v in bought.items() if m.startswith("steel-coil"))
    assert max(bought, key=bought.get) == "adas-computer-pro"


def test_appliance_plant_partners_have_their_own_products(appliance_plant):
    partners = [tid for tid, t in appliance_plant.tenants.items() if t.role == "partner"]
    assert len(partners) >= 2
    materials_by_tenant: dict[str, set[str]] = {}
    for product in appliance_plant.products.values():
        materials_by_tenant.setdefault(product.tenant, set()).add(product.material)
    for partner in partners:
        own = materials_by_tenant.get(partner, set())
        assert own, f"partner {partner} has no product"
        others = set().union(*(m for t, m in materials_by_tenant.items() if t != partner))
        assert not own & others
        for product in appliance_plant.products.values():
            if product.tenant == partner:
                assert product.option_families
                assert product.demand is not None


def test_appliance_lines_are_shared_by_owner_and_partners(appliance_plant):
    plant = appliance_plant

    def work_centers_used(product: Product) -> set[str]:
        used = set()
        for configuration in all_configurations(product):
            if rule_violations(product.rules, configuration):
                continue
            for material in [product.material, *explode(plant, product.material, configuration)]:
                for op in operations(plant, material, configuration):
                    used |= {plant.work_units()[u][1] for u in plant.eligible_units(op)}
        return used

    by_tenant: dict[str, set[str]] = {}
    for product in plant.products.values():
        by_tenant.setdefault(product.tenant, set()).update(work_centers_used(product))
    owner = plant.owner()
    paced = {wc_id for wc_id, (_, wc) in plant.work_centers().items() if wc.kind == "paced-line"}
    for tenant, used in by_tenant.items():
        if tenant != owner:
            assert used & by_tenant[owner] & paced, f"{tenant} shares no paced line with the owner"


def test_appliance_plant_runs_lights_out_cells_beside_manned_lines(appliance_plant):
    centers = [wc for _, wc in appliance_plant.work_centers().values()]
    dark = [wc for wc in centers if wc.lights_out]
    manned = [wc for wc in centers if wc.operators_per_shift > 0]
    assert len(dark) >= 2
    assert manned
    for wc in dark:
        assert wc.operators_per_shift == 0
        assert appliance_plant.calendars[wc.calendar].hours_per_week() == pytest.approx(7 * 24)


@pytest.mark.parametrize("plant_name", ["ev_plant", "appliance_plant"])
def test_reference_plant_can_make_its_demand(plant_name, request):
    """At the stated demand and option mix, no work unit is loaded beyond 90 % of its calendar."""
    plant: Plant = request.getfixturevalue(plant_name)
    units = plant.work_units()
    minutes_per_week: dict[str, float] = {}
    for product in plant.products.values():
        assert product.demand is not None
        valid = [c for c in all_configurations(product) if not rule_violations(product.rules, c)]
        weights = [math.prod(product.option_families[f].options[o].mix or 1 for f, o in c.items()) for c in valid]
        per_week = product.demand.units_per_day * 7
        for configuration, weight in zip(valid, weights, strict=True):
            share = per_week * weight / sum(weights)
            needed = {product.material: 1.0, **explode(plant, product.material, configuration)}
            for material, quantity in needed.items():
                for op in operations(plant, material, configuration):
                    eligible = plant.eligible_units(op)
                    for unit in eligible:
                        minutes = share * quantity * op.run_minutes / len(eligible) / units[unit][2].speed_factor
                        minutes_per_week[unit] = minutes_per_week.get(unit, 0.0) + minutes
    assert set(minutes_per_week) == set(units), "work units no operation uses"
    for unit, minutes in minutes_per_week.items():
        calendar = plant.calendars[plant.work_centers()[units[unit][1]][1].calendar]
        assert minutes <= 0.9 * calendar.hours_per_week() * 60, f"{unit} overloaded"


@pytest.mark.parametrize("plant_name", ["ev_plant", "appliance_plant"])
def test_conditions_below_a_product_name_only_its_own_families(plant_name, request):
    """A `when:` on a family the product lacks never matches, so the line would silently vanish."""
    plant: Plant = request.getfixturevalue(plant_name)
    for product in plant.products.values():
        below = {product.material}
        for configuration in all_configurations(product):
            below |= set(explode(plant, product.material, configuration))
        conditions = [ln.when for m in below for ln in plant.boms.get(m, []) if ln.when]
        conditions += [op.when for m in below if m in plant.routings for op in plant.routings[m].operations if op.when]
        for condition in conditions:
            assert set(condition) <= set(product.option_families), (product.name, condition)
