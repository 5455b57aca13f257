"""A configured product's rules, bill and routing: check a configuration and explode it (completing one is
`c2m.configurator`'s).

A configuration picks exactly one option per family. Rules relate families (`requires`, `excludes`);
BOM lines and operations carry a `when` condition so one product structure serves every variant.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping

from factoryos.model.plant import BomLine, Condition, Plant, Product, RoutingOperation, Rule

Configuration = Mapping[str, str]


def matches(condition: Condition | None, configuration: Configuration) -> bool:
    if not condition:
        return True
    return all(configuration.get(family) in options for family, options in condition.items())


def _describe(condition: Condition) -> str:
    return " and ".join(f"{family} in {{{', '.join(opts)}}}" for family, opts in condition.items())


def rule_violations(rules: Iterable[Rule], configuration: Configuration) -> list[str]:
    problems = []
    for rule in rules:
        if not matches(rule.when, configuration):
            continue
        if rule.requires and not matches(rule.requires, configuration):
            problems.append(f"{_describe(rule.when)} requires {_describe(rule.requires)}")
        if rule.excludes and matches(rule.excludes, configuration):
            problems.append(f"{_describe(rule.when)} excludes {_describe(rule.excludes)}")
    return problems


def selectable_options(product: Product) -> dict[str, set[str]]:
    """For each family, the options that at least one valid configuration chooses (CP-SAT, one solve each)."""
    selectable: dict[str, set[str]] = {family: set() for family in product.option_families}
    for family_id, family in product.option_families.items():
        for option_id in family.options:
            if feasible(product, [{family_id: [option_id]}]):
                selectable[family_id].add(option_id)
    return selectable


def feasible(product: Product, holding: Iterable[Condition] = (), failing: Iterable[Condition] = ()) -> bool:
    """Whether a valid configuration of `product` matches every condition of `holding` and none of `failing`
    (CP-SAT, one solve); a condition on a family the product does not have matches no configuration of it."""
    from ortools.sat.python import cp_model  # only validation needs the solver: keep it off the import path

    model = cp_model.CpModel()
    chosen = {(f, o): model.new_bool_var(f"{f}={o}") for f, fam in product.option_families.items() for o in fam.options}
    for f, fam in product.option_families.items():
        model.add_exactly_one(chosen[f, o] for o in fam.options)

    def holds(condition: Condition) -> cp_model.IntVar:
        """A literal true exactly when every family in the condition takes one of its options."""
        literal = model.new_bool_var("")
        terms = []
        for f, options in condition.items():
            term = model.new_bool_var("")
            model.add_bool_or([chosen[f, o] for o in options if (f, o) in chosen]).only_enforce_if(term)
            model.add_bool_and([chosen[f, o].Not() for o in options if (f, o) in chosen]).only_enforce_if(term.Not())
            terms.append(term)
        model.add_bool_and(terms).only_enforce_if(literal)
        model.add_bool_or([t.Not() for t in terms]).only_enforce_if(literal.Not())
        return literal

    for rule in product.rules:
        when = holds(rule.when)
        if rule.requires:
            model.add_implication(when, holds(rule.requires))
        if rule.excludes:
            model.add_implication(when, holds(rule.excludes).Not())
    for condition in holding:
        model.add(holds(condition) == 1)
    for condition in failing:
        model.add(holds(condition) == 0)
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    return solver.solve(model) in (cp_model.OPTIMAL, cp_model.FEASIBLE)


def bom_lines(plant: Plant, material: str, configuration: Configuration) -> list[BomLine]:
    return [line for line in plant.boms.get(material, []) if matches(line.when, configuration)]


def bill_families(plant: Plant, material: str, known: dict[str, frozenset[str]]) -> frozenset[str]:
    """The option families the bill below `material` tests at any depth. Empty: every configuration's bill of it is
    the same, so stock of it serves any unit; otherwise stock of it does not say which configuration it is. `known`
    keeps the materials already walked (a plant's bills share their lower levels)."""
    if material not in known:
        found: set[str] = set()
        for line in plant.boms.get(material, []):
            found.update(line.when or {})
            found.update(bill_families(plant, line.component, known))
        known[material] = frozenset(found)
    return known[material]


def operations(plant: Plant, material: str, configuration: Configuration) -> list[RoutingOperation]:
    routing = plant.routings.get(material)
    return [op for op in routing.operations if matches(op.when, configuration)] if routing else []


def bom_walk(
    plant: Plant, material: str, configuration: Configuration, quantity: float = 1.0, level: int = 1
) -> Iterator[tuple[int, str, BomLine, float]]:
    """Every configured BOM line below `material`, depth first, as (level, parent, line, gross need for
    `quantity` of `material`, scrap included)."""
    for line in bom_lines(plant, material, configuration):
        need = quantity * line.issued
        yield level, material, line, need
        yield from bom_walk(plant, line.component, configuration, need, level + 1)


def explode(plant: Plant, material: str, configuration: Configuration, quantity: float = 1.0) -> dict[str, float]:
    """Gross requirement of every material below `material` for one configured unit (scrap included)."""
    totals: dict[str, float] = {}
    for _, _, line, need in bom_walk(plant, material, configuration, quantity):
        totals[line.component] = totals.get(line.component, 0.0) + need
    return totals
