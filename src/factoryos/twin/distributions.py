"""Processing, setup, travel and repair times: a distribution around a nominal mean.

A `Duration` is plain data (kind, mean, cv) with a `sample(rng)` that costs one call into `random.Random`;
each station owns its own `Random`, so a change in one place does not reshuffle every other stream.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field

from factoryos.model.errors import FactoryosError

KINDS = ("deterministic", "exponential", "lognormal", "gamma", "triangular")


@dataclass(frozen=True, slots=True)
class Duration:
    """A random duration in seconds. `cv` is the coefficient of variation (ignored by deterministic and
    exponential); triangular spreads +-`cv`*sqrt(6)*mean around the mean so its cv matches."""

    mean: float
    kind: str = "deterministic"
    cv: float = 0.0
    _params: tuple[float, float] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise FactoryosError(f"duration kind {self.kind!r}: expected one of {', '.join(KINDS)}")
        if not (self.mean >= 0 and math.isfinite(self.mean)):
            raise FactoryosError(f"duration mean {self.mean!r}: expected a finite number >= 0")
        if self.cv < 0:
            raise FactoryosError(f"duration cv {self.cv!r}: expected >= 0")
        params: tuple[float, float] = (0.0, 0.0)
        if self.kind == "exponential":
            params = (1.0 / self.mean if self.mean > 0 else math.inf, 0.0)
        elif self.kind == "lognormal" and self.mean > 0:
            sigma2 = math.log1p(self.cv * self.cv)
            params = (math.log(self.mean) - sigma2 / 2, math.sqrt(sigma2))
        elif self.kind == "gamma" and self.mean > 0 and self.cv > 0:
            shape = 1.0 / (self.cv * self.cv)
            params = (shape, self.mean / shape)
        elif self.kind == "triangular":
            half = min(self.cv * math.sqrt(6.0) * self.mean, self.mean)
            params = (self.mean - half, self.mean + half)
        object.__setattr__(self, "_params", params)

    def sample(self, rng: random.Random) -> float:
        kind = self.kind
        if kind == "exponential":
            return rng.expovariate(self._params[0]) if self.mean > 0 else 0.0
        if kind == "deterministic" or self.mean == 0 or self.cv == 0:
            return self.mean
        a, b = self._params
        if kind == "lognormal":
            return rng.lognormvariate(a, b)
        if kind == "gamma":
            return rng.gammavariate(a, b)
        return rng.triangular(a, b, self.mean)


def fixed(mean: float) -> Duration:
    return Duration(mean)


def exponential(mean: float) -> Duration:
    return Duration(mean, "exponential")


def lognormal(mean: float, cv: float) -> Duration:
    return Duration(mean, "lognormal", cv)


def lognormal_sum(mean: float, cv: float, count: float) -> Duration:
    """The time of `count` cycles drawn one by one, each of `mean` and spread `cv`: their sum, whose spread shrinks
    with the square root of their number (a lot of 1,000 pressings varies by 0.3 %, not by the 10 % of one), as the
    lognormal of the same mean and spread (Fenton-Wilkinson). Drawn as one, a lot's every cycle would be as fast
    or as slow as its first, and a press making a few lots a month would read several per cent over 100 %
    performance."""
    return lognormal(mean * count, cv / math.sqrt(max(count, 1.0)))


def stream(seed: int, name: str) -> random.Random:
    """An independent, reproducible random stream per named thing (string seeds hash with SHA-512)."""
    return random.Random(f"{seed}:{name}")
