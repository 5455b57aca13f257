"""The control-chart constants, computed from their definitions rather than copied from a table.

For a subgroup of n normal observations with standard deviation sigma: d2 = E[R]/sigma and d3 = sd[R]/sigma
(the relative range, by numerical integration), c4 = E[S]/sigma (from the gamma function). The limit factors
follow: A2 = 3/(d2 sqrt n), D3/D4 = 1 -/+ 3 d3/d2, A3 = 3/(c4 sqrt n), B3/B4 = 1 -/+ 3 sqrt(1 - c4^2)/c4,
with a negative lower factor set to 0 as in the published tables."""

from __future__ import annotations

import math
from functools import cache

import numpy as np
from scipy import integrate, special

from factoryos.model.errors import FactoryosError


def _check(n: int) -> None:
    if n < 2:
        raise FactoryosError(f"a subgroup needs at least 2 observations for a range or deviation, not {n}")


# Both integrands vanish beyond 8 standard deviations; Simpson's rule on this grid is exact to about 1e-9.
_X = np.linspace(-8.0, 8.0, 641)
_W = np.linspace(0.0, 16.0, 641)


@cache
def d2(n: int) -> float:
    """E[range] of n standard normals: the integral of 1 - Phi^n - (1 - Phi)^n over the real line."""
    _check(n)
    return float(integrate.simpson(1.0 - special.ndtr(_X) ** n - special.ndtr(-_X) ** n, x=_X))


@cache
def d3(n: int) -> float:
    """sd[range] of n standard normals, from E[R^2] = 2 * double integral over x and w >= 0 of
    1 - Phi(x+w)^n - (1 - Phi(x))^n + (Phi(x+w) - Phi(x))^n (the joint law of the minimum and maximum)."""
    _check(n)
    low = special.ndtr(_X)[:, None]
    high = special.ndtr(_X[:, None] + _W[None, :])
    joint = 1.0 - high**n - (1.0 - low) ** n + (high - low) ** n
    second = integrate.simpson(integrate.simpson(joint, x=_W, axis=1), x=_X)
    return math.sqrt(2.0 * float(second) - d2(n) ** 2)


@cache
def c4(n: int) -> float:
    """E[s]/sigma for n normal observations: sqrt(2/(n-1)) Gamma(n/2) / Gamma((n-1)/2)."""
    _check(n)
    return math.sqrt(2.0 / (n - 1)) * math.exp(special.gammaln(n / 2) - special.gammaln((n - 1) / 2))


def a2(n: int) -> float:
    """X-bar limits from the mean range: centre +/- A2 R-bar."""
    return 3.0 / (d2(n) * math.sqrt(n))


def d3_factor(n: int) -> float:
    """D3: lower R-chart limit = D3 R-bar (0 below n = 7)."""
    return max(0.0, 1.0 - 3.0 * d3(n) / d2(n))


def d4_factor(n: int) -> float:
    """D4: upper R-chart limit = D4 R-bar."""
    return 1.0 + 3.0 * d3(n) / d2(n)


def a3(n: int) -> float:
    """X-bar limits from the mean standard deviation: centre +/- A3 s-bar."""
    return 3.0 / (c4(n) * math.sqrt(n))


def b3(n: int) -> float:
    """B3: lower S-chart limit = B3 s-bar (0 below n = 6)."""
    return max(0.0, 1.0 - 3.0 * math.sqrt(1.0 - c4(n) ** 2) / c4(n))


def b4(n: int) -> float:
    """B4: upper S-chart limit = B4 s-bar."""
    return 1.0 + 3.0 * math.sqrt(1.0 - c4(n) ** 2) / c4(n)
