"""What a deployment tunes from the environment is a finite number in its range or a one-line error naming the
variable: an infinite key cache would never see a revocation, a NaN rate never refills a bucket, and an
infinite burst does not fit an int."""

from __future__ import annotations

import pytest

from factoryos.api.settings import ApiSettings
from factoryos.model.errors import FactoryosError


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("FACTORYOS_API_KEY_CACHE_SECONDS", "1e400"),
        ("FACTORYOS_API_KEY_CACHE_SECONDS", "inf"),
        ("FACTORYOS_API_RATE_PER_SECOND", "nan"),
        ("FACTORYOS_API_BURST", "Infinity"),
        ("FACTORYOS_API_MAX_BODY_BYTES", "-1"),
        ("FACTORYOS_API_RATE_PER_SECOND", "0"),
        ("FACTORYOS_API_BURST", "lots"),
    ],
)
def test_a_setting_that_is_not_a_finite_number_in_range_is_named(monkeypatch, name: str, text: str) -> None:
    monkeypatch.setenv(name, text)
    with pytest.raises(FactoryosError, match=rf"^\${name}: expected a .*number, got '{text}'$"):
        ApiSettings.from_environment()


def test_settings_in_range_are_taken(monkeypatch) -> None:
    monkeypatch.setenv("FACTORYOS_API_KEY_CACHE_SECONDS", "0")
    monkeypatch.setenv("FACTORYOS_API_RATE_PER_SECOND", "2.5")
    monkeypatch.setenv("FACTORYOS_API_BURST", "7")
    settings = ApiSettings.from_environment()
    assert (settings.key_cache_seconds, settings.rate_per_second, settings.burst) == (0.0, 2.5, 7)
