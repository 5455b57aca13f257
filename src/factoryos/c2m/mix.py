"""Option mix: a distribution over valid configurations whose per-family shares match the planned mix.

Drawing each family by its share and rejecting invalid combinations skews the shares wherever rules bind
(if `performance` trim requires the `max` battery, independent draws make performance rare). Raking
(iterative proportional fitting) over the valid configurations instead finds weights whose marginals are
the planned shares, as far as the rules allow.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import numpy as np

from factoryos.model.configuration import rule_violations
from factoryos.model.errors import FactoryosError
from factoryos.model.plant import Product

MAX_CONFIGURATIONS = 200_000
RAKING_ROUNDS = 200


@dataclass(frozen=True)
class OptionMix:
    """A product's valid configurations (one option per family, in `families` order) and the probability that an
    order chooses each."""

    families: tuple[str, ...]
    configurations: tuple[tuple[str, ...], ...]
    probabilities: np.ndarray

    def draw(self, rng: np.random.Generator) -> dict[str, str]:
        chosen = self.configurations[rng.choice(len(self.configurations), p=self.probabilities)]
        return dict(zip(self.families, chosen, strict=True))

    def share(self, family: str, option: str) -> float:
        column = self.families.index(family)
        return float(
            sum(p for c, p in zip(self.configurations, self.probabilities, strict=True) if c[column] == option)
        )


def option_mix(product: Product) -> OptionMix:
    families = tuple(product.option_families)
    options = [tuple(product.option_families[f].options) for f in families]
    size = math.prod(len(o) for o in options)
    if size > MAX_CONFIGURATIONS:
        raise FactoryosError(
            f"product {product.material!r} has {size:,} option combinations; at most {MAX_CONFIGURATIONS:,} "
            "can be weighted to the planned mix"
        )
    valid = tuple(
        combo
        for combo in itertools.product(*options)
        if not rule_violations(product.rules, dict(zip(families, combo, strict=True)))
    )
    if not valid:
        raise FactoryosError(f"product {product.material!r} has no valid configuration")
    targets = [
        _planned_shares(product, family, family_options)
        for family, family_options in zip(families, options, strict=True)
    ]
    index = np.array([[family_options.index(c[k]) for k, family_options in enumerate(options)] for c in valid])
    weights = np.ones(len(valid))
    for _ in range(RAKING_ROUNDS):
        for k, target in enumerate(targets):
            current = np.bincount(index[:, k], weights=weights, minlength=len(target))
            factor = np.divide(target, current, out=np.zeros_like(target), where=current > 0)
            weights *= factor[index[:, k]]
        if weights.sum() == 0:
            raise FactoryosError(
                f"product {product.material!r}: the planned option mix cannot be met by valid configurations"
            )
    return OptionMix(families, valid, weights / weights.sum())


def _planned_shares(product: Product, family: str, options: tuple[str, ...]) -> np.ndarray:
    shares = np.array([product.option_families[family].options[o].mix for o in options], float)
    return shares / shares.sum() if shares.sum() > 0 else np.full(len(options), 1 / len(options))
