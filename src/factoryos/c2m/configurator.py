"""The configurator a shop or a dealer calls: check, complete, what is still selectable, the build, count, sample.

Pure functions over one `Product` (and the `Plant` for the build). Messages use the plant file's own
family and option names ("the Performance (dual-motor AWD) trim requires the Maximum range 104 kWh NMC
battery"). Everything that needs the set of valid configurations (completion, selectable options, counts,
samples) runs on the product's compiled decision diagram (`factoryos.c2m.counting`), compiled once per
product and kept; a product whose rules are too entangled to compile is completed and greyed out exactly by
CP-SAT instead (`factoryos.c2m.solving`), and only counting and sampling refuse it (`TooEntangled`).
"""

from __future__ import annotations

import functools
import random
import threading
from collections import OrderedDict
from collections.abc import Mapping, Sequence, Set
from dataclasses import dataclass, field

from factoryos.c2m.counting import Clause, Costs, Diagram, TooEntangled, rule_clauses
from factoryos.c2m.solving import SatConfigurations
from factoryos.model.configuration import Configuration, bom_walk, operations
from factoryos.model.errors import FactoryosError
from factoryos.model.plant import Condition, Plant, Product, RoutingOperation

CACHED_PRODUCTS = 64


@dataclass(frozen=True)
class Violation:
    """One broken rule (`rule` is its index in the product's rules; None for an unknown family or option),
    the families it involves, and what is wrong in the product's words."""

    rule: int | None
    families: tuple[str, ...]
    message: str


@dataclass(frozen=True)
class Check:
    """The rules a (partial) configuration already breaks, and the families still open."""

    violations: tuple[Violation, ...]
    open_families: tuple[str, ...]

    @property
    def consistent(self) -> bool:
        """No rule is broken by the choices made so far (they may still have no valid completion)."""
        return not self.violations

    @property
    def valid(self) -> bool:
        """Complete and breaking no rule: a configuration that can be built."""
        return not self.violations and not self.open_families


@dataclass(frozen=True)
class Completion:
    """A partial configuration completed: defaults first, then the cheapest valid option per open family.
    `chosen_by` says, per family, `customer`, `default` or `cheapest`. When no valid completion exists,
    `configuration` is None and `conflicts` and `reason` say why."""

    configuration: dict[str, str] | None
    price: float | None
    chosen_by: dict[str, str] = field(default_factory=dict)
    conflicts: tuple[Violation, ...] = ()
    reason: str = ""

    @property
    def found(self) -> bool:
        return self.configuration is not None


@dataclass(frozen=True)
class Unavailable:
    """A greyed-out option: the chosen (family, option) pairs that rule it out, the rules, and why."""

    option: str
    because: tuple[tuple[str, str], ...]
    rules: tuple[int, ...]
    message: str


@dataclass(frozen=True)
class FamilyOptions:
    """What a configurator screen shows for one family: the choice, the options a valid configuration can
    still take together with the other families' choices, and the greyed-out ones with their reasons."""

    family: str
    chosen: str | None
    selectable: tuple[str, ...]
    unavailable: tuple[Unavailable, ...]


@dataclass(frozen=True)
class BomRow:
    """One configured BOM line: `quantity` per `parent` unit and `total` for the ordered quantity (scrap in)."""

    level: int
    parent: str
    component: str
    quantity: float
    total: float


@dataclass(frozen=True)
class BuildStep:
    """A routing operation of one made material of the configured product."""

    material: str
    operation: RoutingOperation


@dataclass(frozen=True)
class ConfiguredBuild:
    """What one configured order needs: its BOM through every level, gross requirements, operations, price."""

    product: str
    configuration: dict[str, str]
    quantity: float
    price: float
    bom: tuple[BomRow, ...]
    requirements: dict[str, float]
    operations: tuple[BuildStep, ...]


# The product compiled once: rules as sets, names, and the decision diagram.


@dataclass(frozen=True)
class _Rule:
    index: int
    when: tuple[tuple[str, frozenset[str]], ...]
    requires: tuple[tuple[str, frozenset[str]], ...]
    excludes: tuple[tuple[str, frozenset[str]], ...]
    note: str


class _Compiled:
    """A product prepared for the configurator: its rules indexed by family and by triggering option, its
    clauses, and (on first need) its diagram or CP-SAT model."""

    def __init__(self, product: Product) -> None:
        self.product = product
        self.rules = [_compile_rule(i, r.when, r.requires, r.excludes, r.note) for i, r in enumerate(product.rules)]
        self.options = {f: frozenset(fam.options) for f, fam in product.option_families.items()}
        self.rules_of: dict[str, list[_Rule]] = {f: [] for f in product.option_families}
        for rule in self.rules:
            for family in dict.fromkeys(f for f, _ in (*rule.when, *rule.requires, *rule.excludes)):
                if family in self.rules_of:
                    self.rules_of[family].append(rule)
        self.unconditional = [r for r in self.rules if not r.when]
        self.triggers: dict[tuple[str, str], list[_Rule]] = {}
        for rule in self.rules:
            if rule.when:
                family, options = rule.when[0]
                for option in options:
                    self.triggers.setdefault((family, option), []).append(rule)
        self.entangled: TooEntangled | None = None
        self._costs: Costs | None = None
        self._clauses_of: dict[str, list[int]] | None = None

    def candidates(self, choices: Configuration) -> list[_Rule]:
        """The rules whose `when` may hold: those triggered by a chosen option of their first `when` family."""
        found = list(self.unconditional)
        for choice in choices.items():
            found.extend(self.triggers.get(choice, ()))
        return sorted(found, key=lambda r: r.index)

    @functools.cached_property
    def clauses(self) -> list[Clause]:
        return rule_clauses(self.product)

    @functools.cached_property
    def space(self) -> Diagram | SatConfigurations:
        """The valid configurations: the compiled diagram, or CP-SAT when the rules are too entangled for it."""
        try:
            return Diagram(self.product)
        except TooEntangled as error:
            self.entangled = error
            return SatConfigurations(self.product, self.clauses)

    @property
    def diagram(self) -> Diagram:
        """The compiled diagram, which counting and sampling need; TooEntangled when it cannot be had."""
        space = self.space
        if not isinstance(space, Diagram):
            raise TooEntangled(f"product {self.product.material!r}: {self.entangled}")
        return space

    def clauses_of(self, family: str) -> list[int]:
        """The diagram's clauses that name `family`."""
        if self._clauses_of is None:
            index: dict[str, list[int]] = {f: [] for f in self.product.option_families}
            for k, clause in enumerate(self.clauses):
                for f, _ in clause.literals:
                    index[f].append(k)
            self._clauses_of = index
        return self._clauses_of[family]

    @functools.cached_property
    def unary(self) -> list[int]:
        """The diagram's clauses on a single family (they narrow it before anything is chosen)."""
        return [k for k, clause in enumerate(self.clauses) if len(clause.literals) == 1]

    def cheapest(self, choices: Configuration) -> dict[str, str] | None:
        """The completion that keeps the most open families at their default, then costs least."""
        families = self.product.option_families

        def cost(family: str, option: str) -> tuple[int, float]:
            default = families[family].default
            return int(default is not None and option != default), families[family].options[option].price

        space = self.space
        if isinstance(space, SatConfigurations):
            return space.cheapest(choices, cost)
        if self._costs is None:
            self._costs = space.costs(cost)
        return space.cheapest(choices, self._costs)


def _compile_rule(
    index: int, when: Condition, requires: Condition | None, excludes: Condition | None, note: str
) -> _Rule:
    def sets(condition: Condition | None) -> tuple[tuple[str, frozenset[str]], ...]:
        return tuple((f, frozenset(o)) for f, o in (condition or {}).items())

    return _Rule(index, sets(when), sets(requires), sets(excludes), note)


_cache: OrderedDict[int, _Compiled] = OrderedDict()
_cache_lock = threading.Lock()


def _compiled(product: Product) -> _Compiled:
    """The product's compiled form, kept for the products last used (an entry holds its product, so an id
    is never reused while cached). Safe across the threads of one server process."""
    with _cache_lock:
        entry = _cache.get(id(product))
        if entry is not None and entry.product is product:
            _cache.move_to_end(id(product))
            return entry
        entry = _Compiled(product)
        _cache[id(product)] = entry
        while len(_cache) > CACHED_PRODUCTS:
            _cache.popitem(last=False)
        return entry


# Words: the plant file's names.


def _family_name(product: Product, family: str) -> str:
    fam = product.option_families.get(family)
    name = fam.name if fam is not None and fam.name else family
    return name[0].lower() + name[1:] if len(name) > 1 and name[1].islower() else name


def _option_name(product: Product, family: str, option: str) -> str:
    fam = product.option_families.get(family)
    chosen = fam.options.get(option) if fam is not None else None
    return chosen.name if chosen is not None and chosen.name else option


def _choice(product: Product, family: str, options: Sequence[str]) -> str:
    """'the Long range 83 kWh NMC or Maximum range 104 kWh NMC battery'."""
    fam = product.option_families.get(family)
    ordered = [o for o in fam.options if o in options] if fam is not None else sorted(options)
    names = [_option_name(product, family, o) for o in ordered] or ["(no option)"]
    noun = _family_name(product, family)
    last = noun.lower().split()[-1] if noun.strip() else ""
    said = last.isalpha() and all(n.lower().endswith(last) for n in names)
    return f"the {' or '.join(names)}" if said else f"the {' or '.join(names)} {noun}"


def _condition(product: Product, parts: Sequence[tuple[str, frozenset[str]]], joiner: str) -> str:
    return joiner.join(_choice(product, f, sorted(o)) for f, o in parts)


def _statement(product: Product, rule: _Rule) -> str:
    """The rule in words: 'the Premium trim requires the Long range or Maximum range battery'."""
    pieces = []
    if rule.requires:
        pieces.append("requires " + _condition(product, rule.requires, " and "))
    if rule.excludes:
        pieces.append("excludes " + _condition(product, rule.excludes, " with "))
    text = f"{_condition(product, rule.when, ' with ')} {' and '.join(pieces)}"
    return f"{text} ({rule.note})" if rule.note else text


def _with_note(text: str, rule: _Rule) -> str:
    return f"{text} ({rule.note})" if rule.note else text


# Check.


def _unknown_choices(product: Product, choices: Configuration) -> list[Violation]:
    problems = []
    for family, option in choices.items():
        fam = product.option_families.get(family)
        if fam is None:
            problems.append(
                Violation(
                    None,
                    (family,),
                    f"unknown option family {family!r}; expected one of {sorted(product.option_families)}",
                )
            )
        elif option not in fam.options:
            problems.append(
                Violation(
                    None,
                    (family,),
                    f"the {_family_name(product, family)} has no option {option!r}; "
                    f"expected one of {list(fam.options)}",
                )
            )
    return problems


def _rule_violations(product: Product, rule: _Rule, choices: Configuration) -> list[Violation]:
    """The ways `rule` is broken whatever the open families take: its `when` holds on chosen families, and a
    chosen family misses `requires`, or every `excludes` family is chosen inside it."""
    if not all(choices.get(f) in allowed for f, allowed in rule.when):
        return []
    when_families = tuple(f for f, _ in rule.when)
    when_text = _condition(product, rule.when, " with ")
    found = []
    missed = [(f, allowed) for f, allowed in rule.requires if f in choices and choices[f] not in allowed]
    if missed:
        wanted = _condition(product, rule.requires, " and ")
        chosen = " and ".join(_choice(product, f, [choices[f]]) for f, _ in missed)
        message = _with_note(f"{when_text} requires {wanted}, not {chosen}", rule)
        found.append(Violation(rule.index, _distinct(when_families + tuple(f for f, _ in missed)), message))
    if rule.excludes and all(choices.get(f) in allowed for f, allowed in rule.excludes):
        message = _with_note(f"{when_text} excludes {_condition(product, rule.excludes, ' with ')}", rule)
        found.append(Violation(rule.index, _distinct(when_families + tuple(f for f, _ in rule.excludes)), message))
    return found


def _distinct(families: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(families))


def check(product: Product, choices: Configuration) -> Check:
    """The rules that `choices` (complete or partial) break whatever the open families take, each explained
    in the product's words, and unknown families or options. Fast and local: whether a consistent partial
    configuration can still be completed is `complete`'s and `selectable`'s question."""
    violations = _unknown_choices(product, choices)
    for rule in _compiled(product).candidates(choices):
        violations.extend(_rule_violations(product, rule, choices))
    open_families = tuple(f for f in product.option_families if f not in choices)
    return Check(tuple(violations), open_families)


# Complete.


def price(product: Product, configuration: Configuration) -> float:
    """The configuration's price: the sum of its options' prices."""
    return float(
        sum(
            product.option_families[f].options[o].price
            for f, o in configuration.items()
            if f in product.option_families and o in product.option_families[f].options
        )
    )


def complete(product: Product, choices: Configuration) -> Completion:
    """The valid completion of `choices` that keeps as many open families at their default as possible, and
    of those the cheapest; or why none exists (the rules and choices in conflict)."""
    unknown = _unknown_choices(product, choices)
    if unknown:
        return Completion(None, None, conflicts=tuple(unknown), reason=unknown[0].message)
    families = product.option_families

    configuration = _compiled(product).cheapest(choices)
    if configuration is None:
        conflicts, reason = _conflict(product, choices)
        return Completion(None, None, conflicts=conflicts, reason=reason)
    ordered = {f: configuration[f] for f in families}
    chosen_by = {
        f: "customer" if f in choices else "default" if o == families[f].default else "cheapest"
        for f, o in ordered.items()
    }
    return Completion(ordered, price(product, ordered), chosen_by)


def _conflict(product: Product, choices: Configuration) -> tuple[tuple[Violation, ...], str]:
    """Why `choices` has no valid completion: the rules it breaks outright, or else the fewest of its choices
    that cannot be completed together and the rules that chain them."""
    direct = check(product, choices).violations
    if direct:
        return direct, "; ".join(v.message for v in direct)
    compiled = _compiled(product)
    core, rules = _explanation(compiled, dict(choices), {})
    conflicts = tuple(
        Violation(i, tuple(dict.fromkeys(f for f, _ in (*r.when, *r.requires, *r.excludes))), _statement(product, r))
        for i in rules
        for r in [compiled.rules[i]]
    )
    if core:
        together = " with ".join(_choice(product, f, [o]) for f, o in core.items())
        reason = f"no valid configuration has {together}"
    else:
        reason = f"product {product.material!r} has no valid configuration: its rules contradict each other"
    if conflicts:
        reason += ": " + "; ".join(v.message for v in conflicts)
    return conflicts, reason


def _explanation(
    compiled: _Compiled, choices: dict[str, str], fixed: dict[str, str]
) -> tuple[dict[str, str], list[int]]:
    """Why `choices` with `fixed` has no valid configuration: a subset of `choices` that, with `fixed`, has
    none (no choice in it can be dropped), and the rules through which they contradict each other.

    Unit propagation explains most conflicts (a clause with a single family left able to satisfy it narrows
    that family), naming the choices and rules behind the contradiction, each then dropped where the
    contradiction stays without it. A conflict that only search finds is explained by its choices alone,
    found by deletion on the diagram (exact)."""
    found = _propagate(compiled, {**choices, **fixed})
    if found is None:
        core = dict(choices)
        for family in list(core):
            trial = {g: o for g, o in core.items() if g != family}
            if not compiled.space.feasible({**trial, **fixed}):
                core = trial
        return core, []
    rules, families = found
    core = {f: o for f, o in choices.items() if f in families}
    for family in list(core):
        trial = {g: o for g, o in core.items() if g != family}
        if _propagate(compiled, {**trial, **fixed}, rules) is not None:
            core = trial
    narrowed = _propagate(compiled, {**core, **fixed}, rules)
    rules = narrowed[0] if narrowed is not None else rules
    for rule in sorted(rules):
        if _propagate(compiled, {**core, **fixed}, rules - {rule}) is not None:
            rules = rules - {rule}
    return core, sorted(rules)


def _propagate(
    compiled: _Compiled, fixed: Mapping[str, str], rules: set[int] | None = None
) -> tuple[set[int], set[str]] | None:
    """Unit propagation from `fixed` over the clauses of `rules` (all when None): on a contradiction, the rules
    and the fixed families behind it (with those behind every narrowing on the way); None without one."""
    clauses = compiled.clauses
    every = compiled.options
    domains: dict[str, Set[str]] = {f: {o} for f, o in fixed.items()}
    behind: dict[str, tuple[set[int], set[str]]] = {f: (set(), {f}) for f in fixed}
    starting = {k for f in fixed for k in compiled.clauses_of(f)} | set(compiled.unary)
    queue = [k for k in sorted(starting) if rules is None or clauses[k].rule in rules]
    waiting = set(queue)
    while queue:
        k = queue.pop()
        waiting.discard(k)
        clause = clauses[k]
        live = [(f, allowed) for f, allowed in clause.literals if domains.get(f, every[f]) & allowed]
        if len(live) > 1:
            continue
        why = [behind[f] for f, _ in clause.literals if f in behind]
        why_rules = {clause.rule}.union(*(w[0] for w in why))
        why_families = set().union(*(w[1] for w in why))
        if not live:
            return why_rules, why_families
        family, allowed = live[0]
        if domains.get(family, every[family]) <= allowed:
            continue
        domains[family] = domains.get(family, every[family]) & allowed
        behind.setdefault(family, (set(), set()))
        behind[family][0].update(why_rules)
        behind[family][1].update(why_families)
        for j in compiled.clauses_of(family):
            if j not in waiting and (rules is None or clauses[j].rule in rules):
                waiting.add(j)
                queue.append(j)
    return None


# Selectable options.


def selectable(product: Product, choices: Configuration) -> dict[str, FamilyOptions]:
    """Per family, the options some valid configuration takes together with the other families' choices
    (exact), and for each other option the choices and rules that rule it out."""
    compiled = _compiled(product)
    families = product.option_families
    known = {f: o for f, o in choices.items() if f in families and o in families[f].options}
    live = compiled.space.selectable(known)
    result = {}
    for family, fam in product.option_families.items():
        others = {f: o for f, o in known.items() if f != family}
        if live[family] or compiled.space.feasible(others):
            greyed = tuple(
                _unavailable(compiled, family, option, others) for option in fam.options if option not in live[family]
            )
        else:
            greyed = _all_unavailable(compiled, family, others)
        result[family] = FamilyOptions(
            family, known.get(family), tuple(o for o in fam.options if o in live[family]), greyed
        )
    return result


def _all_unavailable(compiled: _Compiled, family: str, others: dict[str, str]) -> tuple[Unavailable, ...]:
    """Every option of `family` is out because the other choices cannot be completed even without it."""
    product = compiled.product
    core, rules = _explanation(compiled, others, {})
    together = " with ".join(_choice(product, f, [o]) for f, o in core.items())
    why = f"no valid configuration has {together}" if together else "the product has no valid configuration"
    if rules:
        why += ": " + "; ".join(_statement(product, compiled.rules[i]) for i in rules)
    return tuple(
        Unavailable(option, tuple(core.items()), tuple(rules), f"{_choice(product, family, [option])} is out: {why}")
        for option in product.option_families[family].options
    )


def _unavailable(compiled: _Compiled, family: str, option: str, others: dict[str, str]) -> Unavailable:
    product = compiled.product
    trial = {**others, family: option}
    direct = [
        v for rule in compiled.rules_of[family] for v in _rule_violations(product, rule, trial) if family in v.families
    ]
    if direct:
        because = tuple(dict.fromkeys((f, others[f]) for v in direct for f in v.families if f in others))
        broken = tuple(sorted({v.rule for v in direct if v.rule is not None}))
        return Unavailable(option, because, broken, "; ".join(v.message for v in direct))
    core, rules = _explanation(compiled, others, {family: option})
    statements = "; ".join(_statement(product, compiled.rules[i]) for i in rules)
    subject = _choice(product, family, [option])
    if core:
        together = " with ".join(_choice(product, f, [o]) for f, o in core.items())
        message = f"no valid configuration has {subject} with {together}"
    else:
        message = f"no valid configuration has {subject}"
    return Unavailable(option, tuple(core.items()), tuple(rules), f"{message}: {statements}" if statements else message)


# The build.


def build(plant: Plant, product_id: str, configuration: Configuration, quantity: float = 1.0) -> ConfiguredBuild:
    """The configured BOM through every level (`when` applied, quantities multiplied, scrap in), the routing
    operations of every made material, and the price. Refuses a configuration that is not complete and
    valid, naming the rules it breaks."""
    product = plant.products.get(product_id)
    if product is None:
        raise FactoryosError(f"unknown product {product_id!r}; expected one of {sorted(plant.products)}")
    verdict = check(product, configuration)
    if not verdict.valid:
        problems = [v.message for v in verdict.violations] or [
            f"choose the {', '.join(_family_name(product, f) for f in verdict.open_families)}"
        ]
        raise FactoryosError(f"product {product_id!r}: invalid configuration: " + "; ".join(problems))
    rows: list[BomRow] = []
    requirements: dict[str, float] = {}
    made = [product.material]
    for level, parent, line, need in bom_walk(plant, product.material, configuration, quantity):
        rows.append(BomRow(level, parent, line.component, line.issued, need))
        requirements[line.component] = requirements.get(line.component, 0.0) + need
        if line.component in plant.routings and line.component not in made:
            made.append(line.component)
    steps = tuple(BuildStep(m, op) for m in made for op in operations(plant, m, configuration))
    ordered = {f: configuration[f] for f in product.option_families}
    return ConfiguredBuild(
        product_id, ordered, quantity, price(product, ordered) * quantity, tuple(rows), requirements, steps
    )


# Count and sample.


def count(product: Product, choices: Configuration | None = None) -> int:
    """The number of valid configurations (agreeing with `choices`, if given), exactly, without enumerating."""
    choices = choices or {}
    if _unknown_choices(product, choices):
        return 0
    return _compiled(product).diagram.count(choices)


def sample(product: Product, n: int, seed: int = 0, choices: Configuration | None = None) -> list[dict[str, str]]:
    """`n` valid configurations (agreeing with `choices`, if given), each uniform over them; empty when there
    is none."""
    choices = choices or {}
    if _unknown_choices(product, choices):
        return []
    draws = _compiled(product).diagram.sample(n, random.Random(seed), choices)
    return [{f: d[f] for f in product.option_families} for d in draws]
