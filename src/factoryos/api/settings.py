"""What an API deployment can tune, from the environment (`FACTORYOS_API_*`) or given to `create_app`."""

from __future__ import annotations

import math
import os
from dataclasses import dataclass

from factoryos.model.errors import FactoryosError
from factoryos.services.tenants import KEY_TRUST_SECONDS


@dataclass(frozen=True)
class ApiSettings:
    """`max_body_bytes`: larger request bodies answer 413. `rate_per_second` and `burst`: each key's token
    bucket (429 when empty); the bucket lives in the worker's memory, so with N workers a key may get up to
    N times the rate. `key_cache_seconds`: how long a worker trusts a key it looked up, so how long a revoked
    key may still work (0: look every key up on every request)."""

    max_body_bytes: int = 64 * 1024
    rate_per_second: float = 50.0
    burst: int = 100
    key_cache_seconds: float = KEY_TRUST_SECONDS

    @classmethod
    def from_environment(cls) -> ApiSettings:
        defaults = cls()
        return cls(
            max_body_bytes=int(_number("FACTORYOS_API_MAX_BODY_BYTES", defaults.max_body_bytes)),
            rate_per_second=_number("FACTORYOS_API_RATE_PER_SECOND", defaults.rate_per_second),
            burst=int(_number("FACTORYOS_API_BURST", defaults.burst)),
            key_cache_seconds=_number("FACTORYOS_API_KEY_CACHE_SECONDS", defaults.key_cache_seconds, zero=True),
        )


def _number(name: str, default: float, zero: bool = False) -> float:
    text = os.environ.get(name)
    if text is None:
        return default
    try:
        value = float(text)
    except ValueError:
        raise FactoryosError(f"${name}: expected a number, got {text!r}") from None
    if not math.isfinite(value) or value < 0 or (value == 0 and not zero):
        kind = "non-negative" if zero else "positive"
        raise FactoryosError(f"${name}: expected a finite {kind} number, got {text!r}")
    return value
