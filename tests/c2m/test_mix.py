import numpy as np
import pytest

from factoryos.c2m.mix import option_mix
from factoryos.model.configuration import rule_violations
from factoryos.model.errors import FactoryosError
from factoryos.model.plant import Product


def product(rules: list[dict]) -> Product:
    return Product.model_validate(
        {
            "material": "car",
            "tenant": "owner",
            "option_families": {
                "trim": {"options": {"base": {"mix": 0.7}, "sport": {"mix": 0.3}}},
                "battery": {"options": {"small": {"mix": 0.6}, "big": {"mix": 0.4}}},
            },
            "rules": rules,
        }
    )


def test_shares_match_the_plan_even_where_a_rule_binds():
    sporty = product([{"when": {"trim": ["sport"]}, "requires": {"battery": ["big"]}}])
    mix = option_mix(sporty)
    assert mix.share("trim", "sport") == pytest.approx(0.3, abs=1e-6)
    assert mix.share("battery", "big") == pytest.approx(0.4, abs=1e-6)
    assert ("sport", "small") not in mix.configurations
    # independent draws with rejection would give sport 0.12 / (0.12 + 0.7) = 15 %, half the plan
    rng = np.random.default_rng(1)
    draws = [mix.draw(rng) for _ in range(4000)]
    assert sum(d["trim"] == "sport" for d in draws) / len(draws) == pytest.approx(0.3, abs=0.03)
    assert all(not rule_violations(sporty.rules, d) for d in draws)


def test_a_product_whose_rules_allow_nothing_is_refused():
    impossible = product(
        [
            {"when": {"trim": ["base", "sport"]}, "requires": {"battery": ["big"]}},
            {"when": {"battery": ["big"]}, "excludes": {"trim": ["base", "sport"]}},
        ]
    )
    with pytest.raises(FactoryosError, match="no valid configuration"):
        option_mix(impossible)


def test_the_ev_sedan_mix_honours_every_planned_share(ev_plant):
    for sedan in ev_plant.products.values():
        mix = option_mix(sedan)
        for family_id, family in sedan.option_families.items():
            for option_id, option in family.options.items():
                assert mix.share(family_id, option_id) == pytest.approx(option.mix, abs=0.01)
