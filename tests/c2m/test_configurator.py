"""The configurator against brute force: random small products are enumerated configuration by configuration
(validity read by the model's `rule_violations`), and every answer of the compiled configurator must agree."""

from __future__ import annotations

import itertools
from collections import Counter
from unittest.mock import patch

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import chisquare

from factoryos.c2m import counting
from factoryos.c2m.configurator import build, check, complete, count, price, sample, selectable
from factoryos.c2m.counting import TooEntangled
from factoryos.examples import example_plant
from factoryos.model.configuration import explode, operations, rule_violations
from factoryos.model.errors import FactoryosError
from factoryos.model.plant import Product, Rule
from factoryos.model.validate import load_plant

EXAMPLES = ["ev-plant", "appliance-plant", "electronics-plant"]


@st.composite
def products(draw) -> Product:
    """2-5 families of 2-4 options with names, prices and perhaps a default, and up to 6 random rules."""
    sizes = draw(st.lists(st.integers(2, 4), min_size=2, max_size=5))
    families = {}
    for f, size in enumerate(sizes):
        options = {f"o{f}{k}": {"name": f"Option {f}.{k}", "price": draw(st.integers(0, 50))} for k in range(size)}
        default = draw(st.sampled_from([None, *options]))
        families[f"f{f}"] = {"name": f"Family {f}", "default": default, "options": options}

    def condition(most: int) -> dict[str, list[str]]:
        chosen = draw(st.lists(st.sampled_from(sorted(families)), min_size=1, max_size=most, unique=True))
        return {
            f: draw(st.lists(st.sampled_from(sorted(families[f]["options"])), min_size=1, unique=True)) for f in chosen
        }

    rules = []
    for _ in range(draw(st.integers(0, 6))):
        kind = draw(st.sampled_from(["requires", "excludes", "both"]))
        rule = {"when": condition(2)}
        if kind in ("requires", "both"):
            rule["requires"] = condition(2)
        if kind in ("excludes", "both"):
            rule["excludes"] = condition(2)
        rules.append(rule)
    return Product.model_validate({"material": "m", "tenant": "t", "option_families": families, "rules": rules})


def enumerate_valid(product: Product) -> list[dict[str, str]]:
    families = list(product.option_families)
    every = itertools.product(*(product.option_families[f].options for f in families))
    configurations = [dict(zip(families, combo, strict=True)) for combo in every]
    return [c for c in configurations if not rule_violations(product.rules, c)]


@st.composite
def product_and_choices(draw) -> tuple[Product, dict[str, str]]:
    product = draw(products())
    chosen = draw(st.lists(st.sampled_from(sorted(product.option_families)), unique=True, max_size=3))
    choices = {f: draw(st.sampled_from(sorted(product.option_families[f].options))) for f in chosen}
    return product, choices


def agrees(configuration: dict[str, str], choices: dict[str, str]) -> bool:
    return all(configuration[f] == o for f, o in choices.items())


def completion_cost(product: Product, choices: dict[str, str], configuration: dict[str, str]) -> tuple[int, float]:
    """What completion minimises: open families moved off their default, then the price."""
    families = product.option_families
    moved = sum(
        f not in choices and families[f].default is not None and configuration[f] != families[f].default
        for f in families
    )
    return moved, price(product, configuration)


@settings(max_examples=150, deadline=None)
@given(product_and_choices())
def test_count_equals_brute_force(case):
    product, choices = case
    valid = enumerate_valid(product)
    assert count(product) == len(valid)
    assert count(product, choices) == sum(agrees(c, choices) for c in valid)


@settings(max_examples=150, deadline=None)
@given(product_and_choices())
def test_selectable_options_are_those_of_some_valid_configuration(case):
    product, choices = case
    valid = enumerate_valid(product)
    screen = selectable(product, choices)
    for family, shown in screen.items():
        others = {f: o for f, o in choices.items() if f != family}
        expected = {c[family] for c in valid if agrees(c, others)}
        assert set(shown.selectable) == expected
        assert shown.chosen == choices.get(family)
        assert {u.option for u in shown.unavailable} == set(product.option_families[family].options) - expected
        for greyed in shown.unavailable:
            # what it names as the cause really rules the option out, and only choices made are named
            cause = {**dict(greyed.because), family: greyed.option}
            assert not any(agrees(c, cause) for c in valid)
            assert all(others.get(f) == o for f, o in greyed.because)
            assert product.option_families[family].options[greyed.option].name in greyed.message


@settings(max_examples=150, deadline=None)
@given(product_and_choices())
def test_completion_is_valid_keeps_defaults_then_is_cheapest(case):
    product, choices = case

    def cost(configuration):
        return completion_cost(product, choices, configuration)

    candidates = [c for c in enumerate_valid(product) if agrees(c, choices)]
    completion = complete(product, choices)
    if not candidates:
        assert not completion.found
        assert completion.reason
        return
    assert completion.found
    assert not rule_violations(product.rules, completion.configuration)
    assert agrees(completion.configuration, choices)
    assert cost(completion.configuration) == min(cost(c) for c in candidates)
    assert completion.price == pytest.approx(price(product, completion.configuration))


@settings(max_examples=150, deadline=None)
@given(product_and_choices())
def test_no_completion_is_explained_by_rules_that_really_conflict(case):
    product, choices = case
    completion = complete(product, choices)
    if completion.found:
        return
    assert completion.reason
    for conflict in completion.conflicts:
        assert conflict.rule is not None
        for family in conflict.families:
            assert product.option_families[family].name.lower() in conflict.message.lower()
    if completion.conflicts:
        # the rules it names are enough for the conflict: with those alone the choices cannot be completed
        named = {c.rule for c in completion.conflicts}
        alone = product.model_copy(update={"rules": [r for i, r in enumerate(product.rules) if i in named]})
        assert count(alone, choices) == 0


@settings(max_examples=150, deadline=None)
@given(products(), st.data())
def test_check_explains_every_broken_rule_in_the_products_words(product, data):
    families = list(product.option_families)
    configuration = {f: data.draw(st.sampled_from(sorted(product.option_families[f].options))) for f in families}
    verdict = check(product, configuration)
    assert verdict.valid == (not rule_violations(product.rules, configuration))
    assert len(verdict.violations) == len(rule_violations(product.rules, configuration))
    for violation in verdict.violations:
        for family in violation.families:
            assert product.option_families[family].name.lower() in violation.message.lower()
            assert product.option_families[family].options[configuration[family]].name in violation.message
    # a partial configuration is flagged only when no completion could mend it
    partial = {f: configuration[f] for f in families[: len(families) // 2 + 1]}
    if check(product, partial).violations:
        assert not any(agrees(c, partial) for c in enumerate_valid(product))


@settings(max_examples=60, deadline=None)
@given(product_and_choices())
def test_samples_are_valid_and_agree_with_the_choices(case):
    product, choices = case
    draws = sample(product, 20, seed=3, choices=choices)
    if count(product, choices) == 0:
        assert draws == []
    for configuration in draws:
        assert not rule_violations(product.rules, configuration)
        assert agrees(configuration, choices)


def test_sampling_is_uniform():
    """Chi-square over every valid configuration of a product whose rules make the count uneven per option."""
    product = Product.model_validate(
        {
            "material": "m",
            "tenant": "t",
            "option_families": {
                "a": {"options": {"a1": {}, "a2": {}, "a3": {}}},
                "b": {"options": {"b1": {}, "b2": {}, "b3": {}}},
                "c": {"options": {"c1": {}, "c2": {}}},
            },
            "rules": [
                {"when": {"a": ["a1"]}, "requires": {"b": ["b1"]}},
                {"when": {"b": ["b2"]}, "excludes": {"c": ["c2"]}},
                {"when": {"c": ["c1"]}, "requires": {"a": ["a1", "a2"]}},
            ],
        }
    )
    for choices in ({}, {"c": "c1"}):
        valid = [tuple(c.values()) for c in enumerate_valid(product) if agrees(c, choices)]
        draws = Counter(tuple(c.values()) for c in sample(product, 200 * len(valid), seed=7, choices=choices))
        assert set(draws) == set(valid)
        assert chisquare([draws[c] for c in valid]).pvalue > 1e-4


def test_a_chain_of_rules_is_explained():
    """a1 requires b1 and b1 excludes c1: with a1 chosen, c1 is greyed out because of a1, through both rules."""
    product = Product.model_validate(
        {
            "material": "m",
            "tenant": "t",
            "option_families": {
                "a": {"name": "Trim", "options": {"a1": {"name": "Sport"}, "a2": {"name": "Comfort"}}},
                "b": {"name": "Suspension", "options": {"b1": {"name": "Stiff"}, "b2": {"name": "Soft"}}},
                "c": {"name": "Tyres", "options": {"c1": {"name": "Winter"}, "c2": {"name": "Summer"}}},
            },
            "rules": [
                {"when": {"a": ["a1"]}, "requires": {"b": ["b1"]}},
                {"when": {"b": ["b1"]}, "excludes": {"c": ["c1"]}},
            ],
        }
    )
    tyres = selectable(product, {"a": "a1"})["c"]
    assert tyres.selectable == ("c2",)
    (winter,) = tyres.unavailable
    assert winter.because == (("a", "a1"),)
    assert winter.rules == (0, 1)
    assert "Sport trim" in winter.message
    assert "Winter tyres" in winter.message
    completion = complete(product, {"a": "a1", "c": "c1"})
    assert not completion.found
    assert [c.rule for c in completion.conflicts] == [0, 1]


def test_unknown_choices_and_contradicting_rules():
    product = Product.model_validate(
        {
            "material": "m",
            "tenant": "t",
            "option_families": {"a": {"name": "Colour", "options": {"red": {}, "blue": {}}}},
            "rules": [
                {"when": {"a": ["red"]}, "excludes": {"a": ["red"]}},
                {"when": {"a": ["blue"]}, "requires": {"a": ["red"]}},
            ],
        }
    )
    assert check(product, {"a": "green"}).violations[0].rule is None
    assert "green" in check(product, {"a": "green"}).violations[0].message
    assert check(product, {"size": "xl"}).violations[0].families == ("size",)
    assert count(product) == 0
    assert sample(product, 5) == []
    completion = complete(product, {})
    assert not completion.found
    assert "no valid configuration" in completion.reason


@settings(max_examples=40, deadline=None)
@given(product_and_choices())
def test_too_entangled_for_the_diagram_the_answers_come_from_cp_sat(case):
    """With the diagram refused (a limit of one node), complete and selectable fall back to CP-SAT and still
    agree with brute force; counting says why it cannot (TooEntangled)."""
    product, choices = case
    valid = enumerate_valid(product)
    with patch.object(counting, "MAX_NODES", 1):
        screen = selectable(product, choices)
        completion = complete(product, choices)
        try:
            counted = count(product)
        except TooEntangled:
            counted = None
    assert counted is None or counted == len(valid) == 0  # only a product whose rules contradict compiles
    for family, shown in screen.items():
        others = {f: o for f, o in choices.items() if f != family}
        assert set(shown.selectable) == {c[family] for c in valid if agrees(c, others)}
    candidates = [c for c in valid if agrees(c, choices)]
    assert completion.found == bool(candidates)
    if candidates:
        assert not rule_violations(product.rules, completion.configuration)
        assert agrees(completion.configuration, choices)
        best = min(completion_cost(product, choices, c) for c in candidates)
        assert completion_cost(product, choices, completion.configuration) == best


@pytest.fixture(scope="module", params=EXAMPLES)
def plant(request):
    return load_plant(example_plant(request.param))


def test_example_products_count_and_sample_valid_configurations(plant):
    for product in plant.products.values():
        valid = enumerate_valid(product)
        assert count(product) == len(valid) > 0
        for configuration in sample(product, 200, seed=11):
            assert check(product, configuration).valid
            assert not rule_violations(product.rules, configuration)


def test_the_build_explodes_every_level_and_routes_every_made_material(plant):
    for product_id, product in plant.products.items():
        for configuration in sample(product, 5, seed=5):
            built = build(plant, product_id, configuration, quantity=3)
            assert built.requirements == pytest.approx(explode(plant, product.material, configuration, 3))
            totals = Counter()
            for row in built.bom:
                totals[row.component] += row.total
            assert dict(totals) == pytest.approx(built.requirements)
            assert all(row.parent == product.material for row in built.bom if row.level == 1)
            made = {product.material} | {r.component for r in built.bom if r.component in plant.routings}
            assert {s.material for s in built.operations} == {m for m in made if operations(plant, m, configuration)}
            assert built.price == pytest.approx(3 * price(product, configuration))


def test_the_build_refuses_an_invalid_or_partial_configuration(plant):
    for product_id, product in plant.products.items():
        with pytest.raises(FactoryosError, match="invalid configuration"):
            build(plant, product_id, {})
        broken = next((r for r in product.rules if r.requires), None)
        if broken is None:
            continue
        configuration = complete(product, {}).configuration
        assert configuration is not None
        trial = {**configuration, **{f: o[0] for f, o in broken.when.items()}}
        for family, allowed in broken.requires.items():
            others = [o for o in product.option_families[family].options if o not in allowed]
            if others:
                trial[family] = others[0]
        if rule_violations(product.rules, trial):
            with pytest.raises(FactoryosError, match="requires"):
                build(plant, product_id, trial)


def test_a_rule_without_known_families_is_read_as_the_model_reads_it():
    product = Product(
        material="m",
        tenant="t",
        option_families={"a": {"options": {"x": {}, "y": {}}}},
        rules=[Rule(when={"ghost": ["g"]}, requires={"a": ["x"]}), Rule(when={"a": ["x"]}, requires={"ghost": ["g"]})],
    )
    assert count(product) == len(enumerate_valid(product)) == 1


def test_the_synthetic_benchmark_product_counts_as_brute_force_does():
    """The benchmark's generator at a size small enough to enumerate: 6 families of 3 options, 12 rules."""
    from factoryos.bench.configure import partial_configurations, synthetic_product

    product = synthetic_product(families=6, options=3, rules=12, reach=2, seed=4)
    assert len(product.rules) == 12
    valid = enumerate_valid(product)
    assert count(product) == len(valid)
    for request in partial_configurations(product, 20, seed=2):
        assert set(request) <= set(product.option_families)
        assert count(product, request) == sum(agrees(c, request) for c in valid)


def test_a_product_without_options_has_one_configuration():
    product = Product(material="m", tenant="t")
    assert count(product) == 1
    assert sample(product, 2) == [{}, {}]
    completion = complete(product, {})
    assert completion.configuration == {}
    assert completion.price == 0
    assert selectable(product, {}) == {}
    assert check(product, {}).valid
